/**
 * The HTTP layer on node:http: /graphql (Apollo Server), the offline
 * playground for browsers, the probes (/livez, /readyz, /healthz) and
 * /metrics. Every request gets a request id and one log line
 * (request-log.ts), is counted by method and route (except /metrics), and
 * runs with its own counters (request-stats) and its own loaders.
 *
 * While the server drains (`lifecycle.draining`), /readyz answers 503 and
 * every response carries `Connection: close`, so keep-alive clients move to
 * another instance instead of having their connection cut.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HeaderMap } from '@apollo/server';
import type { Viewer } from '../auth/tokens.js';
import { ErrorCode } from '../errors/codes.js';
import type { GraphQLContext } from '../graphql/context.js';
import { documentSizeError } from '../graphql/protection/document-limits.js';
import { ReadSet } from '../cache/index.js';
import { ChargeLedger } from '../graphql/reuse/charge-ledger.js';
import { createRequestLoaders, type RequestScope } from '../loaders/index.js';
import { countOperation } from '../observability/metrics.js';
import { newRequestStats } from '../observability/request-stats.js';
import type { App } from './app.js';
import { clientIp } from './client-ip.js';
import { readiness } from './health.js';
import { Lifecycle } from './lifecycle.js';
import { singleResultContentType } from './content-type.js';
import { createRequestLog, type RequestEntry } from './request-log.js';
import { withStats } from './stats-plugin.js';

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const ROUTES = new Set(['/graphql', '/livez', '/readyz', '/healthz']);
const METHODS = new Set(['GET', 'POST', 'OPTIONS', 'HEAD']);

export interface HttpOptions {
  /** Serves the playground page and its assets; returns false when the request is not for it. */
  playground?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Draining state shared with the shutdown code (lifecycle.ts). */
  lifecycle?: Lifecycle;
  /** Request ids for requests without a usable `x-request-id` (default: random UUIDs). */
  newRequestId?: () => string;
}

export function createHttpServer(app: App, options: HttpOptions = {}): Server {
  const loaderDeps = {
    prisma: app.prisma,
    cache: app.cache,
    policies: app.policies,
    shapes: app.shapes,
  };
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const requestLog = createRequestLog(app.logger, options.newRequestId);
  const debugStats = !app.config.production;

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    note: RequestEntry,
    started: bigint,
  ): Promise<void> => {
    const { requestId } = note;
    const { pathname, search } = requestTarget(req.url);
    if (pathname === '/livez')
      return send(res, 200, 'application/json', JSON.stringify({ status: 'alive' }));
    if (pathname === '/readyz' || pathname === '/healthz') {
      const state = await readiness(app, lifecycle.draining);
      return send(
        res,
        state.status === 'ready' ? 200 : 503,
        'application/json',
        JSON.stringify(state),
      );
    }
    if (pathname === '/metrics') {
      return send(res, 200, app.metrics.registry.contentType, await app.metrics.registry.metrics());
    }
    if (options.playground?.(req, res)) return;
    if (pathname !== '/graphql')
      return send(res, 404, 'application/json', JSON.stringify({ error: 'Not found' }));

    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, MAX_BODY_BYTES);
      if (raw === null) {
        return sendErrors(
          res,
          413,
          `Request body exceeds ${MAX_BODY_BYTES} bytes`,
          'PAYLOAD_TOO_LARGE',
        );
      }
      try {
        body = raw.length ? JSON.parse(raw) : {};
      } catch {
        return sendErrors(res, 400, 'Request body is not valid JSON', 'BAD_REQUEST');
      }
    }
    const queryText =
      typeof (body as { query?: unknown } | undefined)?.query === 'string'
        ? (body as { query: string }).query
        : (new URLSearchParams(search).get('query') ?? '');
    const tooLarge = documentSizeError(queryText);
    if (tooLarge)
      return send(res, 400, 'application/json', JSON.stringify({ errors: [tooLarge.toJSON()] }));
    const viewer = await bearerViewer(app, req.headers.authorization);
    if (viewer === 'invalid') {
      // A token that was sent but does not verify is not anonymous access:
      // the client must learn that it has to sign in again.
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      return sendErrors(
        res,
        401,
        'The bearer token is invalid or expired; sign in again',
        ErrorCode.UNAUTHENTICATED,
        { requestId },
      );
    }
    const stats = newRequestStats();
    const ip = clientIp(req, app.config.trustedProxyHops);
    const reuse = app.reuse;
    let ledger: ChargeLedger | undefined;

    // A kept response that is still current is sent without executing. Only
    // JSON POSTs, which Apollo's CSRF prevention always lets through, from
    // clients that accept a JSON response (Apollo refuses the others, 406).
    const contentType = singleResultContentType(req.headers.accept);
    if (reuse && contentType && req.method === 'POST' && isJson(req.headers['content-type'])) {
      const { query, operationName, variables } = body as {
        query?: unknown;
        operationName?: unknown;
        variables?: unknown;
      };
      const kept =
        typeof query === 'string' ? reuse.find(query, operationName, variables) : undefined;
      if (kept) {
        const charging = reuse.charge(kept, { ip, userId: viewer?.id ?? null }, stats);
        const charged = charging instanceof Promise ? await charging : charging;
        if (charged.allowed) {
          stats.responseReuse = 'hit';
          note.operationName = kept.extra.operationName;
          // Counted like an executed operation (observability-plugin.ts), which a hit skips.
          const operation = app.operationLabels.label(note.operationName);
          countOperation(app.metrics, { operation, type: 'query' }, started);
          res.statusCode = 200;
          res.setHeader('content-type', contentType);
          return void res.end(
            debugStats && req.headers['x-debug-stats'] === '1'
              ? withStats(kept.body, stats)
              : kept.body,
          );
        }
        // A limit refused: execute, with the checks already decided so nothing is charged twice.
        ledger = new ChargeLedger();
        ledger.precharge(charged.checks, charged.results);
      }
    }

    const scope: RequestScope = { stats, reads: reuse ? new ReadSet() : undefined };
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
      scope,
      ledger: reuse ? (ledger ?? new ChargeLedger()) : undefined,
      requestId,
      onOperation: (name) => void (note.operationName = name),
    };
    // A query text Apollo has accepted before runs without its pipeline.
    if (app.lean && req.method === 'POST' && isJson(req.headers['content-type'])) {
      const answer = await app.lean.run(
        {
          body,
          accept: req.headers.accept,
          debugStats: debugStats && req.headers['x-debug-stats'] === '1',
          started,
        },
        context,
      );
      if (answer) return send(res, 200, answer.contentType, answer.body);
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await app.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
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
    const entry = requestLog.start(req, res);
    const { requestId } = entry;
    lifecycle.track(res);
    // One listener for everything that waits for the response to close
    // (three cost ~1.5 µs of a 20 µs reused read, measured on one core).
    res.on('close', () => {
      lifecycle.done(res);
      const { path } = entry;
      // Counted once sent in full; scrapes are not traffic.
      if (res.writableFinished && path !== '/metrics') {
        const method = METHODS.has(req.method ?? '') ? req.method! : 'other';
        const route = ROUTES.has(path)
          ? path
          : path.startsWith('/graphql/assets/')
            ? '/graphql/assets'
            : 'other';
        app.metrics.httpRequests.inc({ method, route, status: String(res.statusCode) });
        app.metrics.httpDuration.observe(
          { method, route },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
      }
      requestLog.end(req, res, entry);
    });
    handle(req, res, entry, started).catch((error: unknown) => {
      app.logger.error({ requestId, err: error }, 'unhandled error in HTTP handler');
      if (!res.headersSent)
        sendErrors(res, 500, 'Internal server error', ErrorCode.INTERNAL_SERVER_ERROR, {
          requestId,
        });
      else res.end();
    });
  });
}

/**
 * The path and query string of a request target. The routes served on every
 * request skip the URL parser (a few µs each); anything else (assets,
 * percent-encoding, dot segments, absolute form) goes through it.
 */
function requestTarget(raw = '/'): { pathname: string; search: string } {
  const query = raw.indexOf('?');
  const path = query < 0 ? raw : raw.slice(0, query);
  if (ROUTES.has(path) || path === '/metrics')
    return { pathname: path, search: query < 0 ? '' : raw.slice(query) };
  const url = new URL(raw, 'http://localhost');
  return { pathname: url.pathname, search: url.search };
}

function isJson(contentType: string | undefined): boolean {
  return (
    contentType !== undefined &&
    /^application\/(graphql-response\+)?json\s*(;|$)/i.test(contentType)
  );
}

/** The viewer a bearer token names; null without a token; 'invalid' for a token that does not verify. */
async function bearerViewer(
  app: App,
  authorization: string | undefined,
): Promise<Viewer | null | 'invalid'> {
  if (authorization === undefined || authorization.trim() === '') return null;
  const match = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(authorization);
  return (match && (await app.tokens.verify(match[1]!))) ?? 'invalid';
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

function sendErrors(
  res: ServerResponse,
  status: number,
  message: string,
  code: string,
  extensions: Record<string, unknown> = {},
): void {
  send(
    res,
    status,
    'application/json',
    JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] }),
  );
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.end(body);
}
