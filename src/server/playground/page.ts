/**
 * Deciding when a request is a browser asking for the IDE, and sending the
 * page with its security headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PLAYGROUND_SECURITY_HEADERS } from './csp.js';

/**
 * True for a browser navigation: GET (or HEAD) that accepts text/html and
 * carries no GraphQL `query` parameter. GraphQL clients send Accept:
 * application/json (or graphql-response+json) and keep getting the API.
 */
export function wantsPlayground(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const accept = req.headers.accept ?? '';
  if (!accept.includes('text/html')) return false;
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  return !query.has('query');
}

/** Writes the page with its CSP; revalidated on every load, so a server upgrade shows new asset names at once. */
export function sendPlaygroundPage(req: IncomingMessage, res: ServerResponse, html: string): void {
  const body = Buffer.from(html);
  res.writeHead(200, {
    ...PLAYGROUND_SECURITY_HEADERS,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
