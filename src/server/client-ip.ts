/**
 * The client's IP address, for rate limits. It comes from the socket; the
 * X-Forwarded-For header is believed only for the configured number of
 * trusted proxy hops, so a client cannot pick its own rate-limit bucket.
 */
import type { IncomingMessage } from 'node:http';

export function clientIp(req: IncomingMessage, trustedHops: number): string {
  const socketIp = normalize(req.socket.remoteAddress ?? 'unknown');
  if (trustedHops <= 0) return socketIp;
  const header = req.headers['x-forwarded-for'];
  const chain = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // Each trusted proxy appends the address it received from; the client is
  // the entry `trustedHops` from the right (the socket peer being the last proxy).
  const candidate = chain[chain.length - trustedHops];
  return candidate && /^[0-9a-fA-F.:]{2,45}$/.test(candidate) ? normalize(candidate) : socketIp;
}

function normalize(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
