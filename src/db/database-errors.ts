/**
 * Recognises errors that mean "PostgreSQL is unreachable or did not answer
 * in time" (as opposed to a bad query or a bug), whichever layer raised
 * them: node-postgres and its pool, the Prisma driver adapter, or Prisma.
 * The GraphQL error boundary turns them into DATABASE_UNAVAILABLE.
 */

/** Prisma codes: can't reach, timed out, connection closed, pool timeout. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** SQLSTATE: query_canceled (statement_timeout), shutdown, cannot connect now, too many connections. */
const SQLSTATES = new Set(['57014', '57P01', '57P02', '57P03', '53300']);
/** Socket errors. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** Driver adapter error kinds. */
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'SocketTimeout',
  'ConnectionClosed',
  'TooManyConnections',
]);
/** node-postgres and pg-pool raise plain Errors; their messages are the only sign. */
const MESSAGES = [
  'Query read timeout',
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated due to connection timeout',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let e = error, depth = 0;
    e && typeof e === 'object' && depth < 6;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const { code, message, kind, originalCode } = e as {
      code?: unknown;
      message?: unknown;
      kind?: unknown;
      originalCode?: unknown;
    };
    if (
      typeof code === 'string' &&
      (PRISMA_CODES.has(code) ||
        SQLSTATES.has(code) ||
        SOCKET_CODES.has(code) ||
        code.startsWith('08'))
    )
      return true;
    if (
      typeof originalCode === 'string' &&
      (SQLSTATES.has(originalCode) || originalCode.startsWith('08'))
    )
      return true;
    if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === 'string' && MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}
