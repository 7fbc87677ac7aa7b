import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIp } from '../../src/server/client-ip.js';

const req = (remote: string, xff?: string) =>
  ({
    socket: { remoteAddress: remote },
    headers: xff ? { 'x-forwarded-for': xff } : {},
  }) as unknown as IncomingMessage;

describe('client IP', () => {
  it('is the socket address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientIp(req('::ffff:10.1.2.3', '6.6.6.6'), 0)).toBe('10.1.2.3');
  });
  it('is taken from X-Forwarded-For only as many hops back as proxies are trusted', () => {
    // client 1.1.1.1 -> proxy A (appends 1.1.1.1) -> proxy B (appends A) -> us
    expect(clientIp(req('10.0.0.2', '6.6.6.6, 1.1.1.1, 10.0.0.1'), 2)).toBe('1.1.1.1');
    expect(clientIp(req('10.0.0.2', '6.6.6.6, 1.1.1.1'), 1)).toBe('1.1.1.1');
  });
  it('falls back to the socket when the header is short or not an address', () => {
    expect(clientIp(req('10.0.0.2', '1.1.1.1'), 3)).toBe('10.0.0.2');
    expect(clientIp(req('10.0.0.2', 'not an ip'), 1)).toBe('10.0.0.2');
  });
});
