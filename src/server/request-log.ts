/**
 * One log line per HTTP request (pino-http): request id, method, path,
 * GraphQL operation name, status and duration. Never headers (they carry
 * bearer tokens) and never the query string (GET variables may carry
 * passwords). Probes and scrapes (/livez, /readyz, /healthz, /metrics) log at
 * debug, so they do not drown the rest at the default level.
 *
 * The request id is the caller's `x-request-id` when it looks like one (a
 * proxy or client correlating its own logs), otherwise a fresh UUID; it is
 * sent back in `x-request-id` and in masked errors' `extensions.requestId`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../observability/logger.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const QUIET_PATHS = new Set(['/livez', '/readyz', '/healthz', '/metrics']);

/** What the GraphQL layer learned about a request, for its log line. */
export interface RequestNote {
  operationName?: string | null;
}

export interface RequestLog {
  /** Logs the request when it finishes; returns its id (also set as the `x-request-id` header). */
  start(req: IncomingMessage, res: ServerResponse): string;
  /** The note attached to a response, filled in while it is handled. */
  note(res: ServerResponse): RequestNote;
}

export function createRequestLog(logger: Logger, newId: () => string = randomUUID): RequestLog {
  const notes = new WeakMap<ServerResponse, RequestNote>();
  const note = (res: ServerResponse): RequestNote => {
    let n = notes.get(res);
    if (!n) notes.set(res, (n = {}));
    return n;
  };
  const middleware = pinoHttp({
    logger,
    customAttributeKeys: { reqId: 'requestId' },
    quietReqLogger: true,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : newId();
      res.setHeader('x-request-id', id);
      return id;
    },
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: (req.url ?? '/').split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
    },
    customLogLevel: (req, res, error) => {
      if (error || res.statusCode >= 500) return 'error';
      return QUIET_PATHS.has((req.url ?? '/').split('?')[0]!) ? 'debug' : 'info';
    },
    customSuccessObject: (_req, res, value: Record<string, unknown>) => ({ ...value, operation: notes.get(res)?.operationName ?? undefined }),
    customErrorObject: (_req, res, _error, value: Record<string, unknown>) => ({ ...value, operation: notes.get(res)?.operationName ?? undefined }),
    customSuccessMessage: (req, res, ms) => `${req.method} ${(req.url ?? '/').split('?')[0]} ${res.statusCode} ${ms} ms`,
    customErrorMessage: (req, res) => `${req.method} ${(req.url ?? '/').split('?')[0]} ${res.statusCode} failed`,
  });
  return {
    start: (req, res) => {
      middleware(req, res);
      return String(req.id);
    },
    note,
  };
}
