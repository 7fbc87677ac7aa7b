/**
 * The HTTP layer on node:http: /graphql (Apollo Server), the offline
 * playground for browsers, /healthz and /metrics. Every request runs with its
 * own counters (request-stats) and its own loaders.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HeaderMap } from '@apollo/server';
import type { GraphQLContext } from '../graphql/context.js';
import { documentSizeError } from '../graphql/protection/document-limits.js';
import { ReadSet } from '../cache/read-set.js';
import { ChargeLedger } from '../graphql/reuse/charge-ledger.js';
import { createRequestLoaders } from '../loaders/index.js';
import { newRequestStats, type RequestStats } from '../observability/request-stats.js';
import type { App } from './app.js';
import { clientIp } from './client-ip.js';

const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface HttpOptions {
  /** Serves the playground page and its assets; returns false when the request is not for it. */
  playground?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export function createHttpServer(app: App, options: HttpOptions = {}): Server {
  const loaderDeps = { prisma: app.prisma, cache: app.cache, policies: app.policies };
  const debugStats = !app.config.production;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') return send(res, 200, 'application/json', JSON.stringify({ ok: true, redis: app.redis.available }));
    if (url.pathname === '/metrics') {
      return send(res, 200, app.metrics.registry.contentType, await app.metrics.registry.metrics());
    }
    if (options.playground?.(req, res)) return;
    if (url.pathname !== '/graphql') return send(res, 404, 'application/json', JSON.stringify({ error: 'Not found' }));

    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, MAX_BODY_BYTES);
      if (raw === null) {
        return send(res, 413, 'application/json', JSON.stringify({ errors: [{ message: `Request body exceeds ${MAX_BODY_BYTES} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }));
      }
      try {
        body = raw.length ? JSON.parse(raw) : {};
      } catch {
        return send(res, 400, 'application/json', JSON.stringify({ errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] }));
      }
    }
    const queryText = typeof (body as { query?: unknown } | undefined)?.query === 'string' ? (body as { query: string }).query : (url.searchParams.get('query') ?? '');
    const tooLarge = documentSizeError(queryText);
    if (tooLarge) return send(res, 400, 'application/json', JSON.stringify({ errors: [tooLarge.toJSON()] }));
    const viewer = await bearerViewer(app, req.headers.authorization);
    const stats = newRequestStats();
    const ip = clientIp(req, app.config.trustedProxyHops);
    const wantsStats = debugStats && req.headers['x-debug-stats'] === '1';
    const reuse = app.reuse;
    let ledger: ChargeLedger | undefined;

    // A kept response that is still current is sent without executing. Only
    // JSON POSTs, which Apollo's CSRF prevention always lets through.
    if (reuse && req.method === 'POST' && isJson(req.headers['content-type'])) {
      const { query, operationName, variables } = body as { query?: unknown; operationName?: unknown; variables?: unknown };
      const kept = typeof query === 'string' ? reuse.find(query, operationName, variables) : undefined;
      if (kept) {
        const charged = await reuse.charge(kept, { ip, userId: viewer?.id ?? null }, stats);
        if (charged.allowed) {
          stats.responseReuse = 'hit';
          res.statusCode = 200;
          res.setHeader('content-type', 'application/json; charset=utf-8');
          return void res.end(wantsStats ? withStats(kept.body, stats) : kept.body);
        }
        // A limit refused: execute, with the checks already decided so nothing is charged twice.
        ledger = new ChargeLedger();
        ledger.precharge(charged.checks, charged.results);
      }
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const scope = { stats, reads: reuse ? new ReadSet() : undefined };
    const { loaders, data } = createRequestLoaders(loaderDeps, scope);
    const context: GraphQLContext = {
      viewer,
      clientIp: ip,
      loaders,
      data,
      db: app.db,
      tokens: app.tokens,
      config: app.config,
      stats,
      reads: scope.reads,
      ledger: reuse ? (ledger ?? new ChargeLedger()) : undefined,
    };
    const result = await app.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => context,
    });
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };

  return createServer((req, res) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      app.metrics.httpRequests.inc({ status: String(res.statusCode) });
      app.metrics.httpDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    });
    handle(req, res).catch((error: unknown) => {
      app.logger.error({ err: error }, 'unhandled error in HTTP handler');
      if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
      else res.end();
    });
  });
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(graphql-response\+)?json\s*(;|$)/i.test(contentType);
}

/** A kept body (`{"data":...}` and a newline) with this request's stats as its extensions. */
function withStats(body: string, stats: RequestStats): string {
  return `${body.slice(0, body.lastIndexOf('}'))},"extensions":{"stats":${JSON.stringify(stats)}}}\n`;
}

async function bearerViewer(app: App, authorization: string | undefined) {
  const match = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(authorization ?? '');
  return match ? app.tokens.verify(match[1]!) : null;
}

/** Reads the body as text, or null if it exceeds `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.end(body);
}
