/**
 * The per-request log line is built from a template for createLogger's JSON
 * loggers (lineWriter); it must be the line pino writes for the same fields:
 * compared, parsed, with a logger pino serializes itself, for ordinary,
 * odd (quotes, backslashes, non-ASCII) and abandoned requests and each level.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, lineWriter } from '../../src/observability/logger.js';
import { createRequestLog } from '../../src/server/request-log.js';

function memory() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { stream, lines };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server that logs each request with `logger` and answers by path. */
async function serve(logger: ReturnType<typeof createLogger>): Promise<number> {
  let n = 0;
  const log = createRequestLog(logger, () => `id-${++n}`);
  const server = createServer((req, res) => {
    const entry = log.start(req, res);
    res.on('close', () => log.end(req, res, entry));
    if (req.url?.startsWith('/named')) entry.operationName = 'Named_Op';
    if (req.url === '/hang') return; // the client gives up
    res.statusCode = req.url === '/fail' ? 500 : 200;
    res.end('ok');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function get(port: number, path: string, abort = false): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ port, host: '127.0.0.1', path, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
    if (abort) setTimeout(() => (req.destroy(), setTimeout(resolve, 50)), 50);
  });
}

describe('the request log line', () => {
  it('is built by template only for createLogger JSON loggers', () => {
    expect(lineWriter(createLogger({ level: 'info', destination: memory().stream }))).toBeTypeOf(
      'function',
    );
    expect(lineWriter(pino({ level: 'info' }, memory().stream))).toBeUndefined();
  });

  it('is the line pino writes for the same fields', async () => {
    const fast = memory();
    const slow = memory();
    const fastLogger = createLogger({ level: 'debug', destination: fast.stream });
    // The same options, but not built by createLogger: pino serializes its lines.
    const slowLogger = pino({ name: 'catalog-api', level: 'debug' }, slow.stream);
    const ports = [await serve(fastLogger), await serve(slowLogger)];
    const paths = ['/graphql?query=x', '/named', '/a%22b%5Cc', '/%C3%BCn%C3%AF', '/fail', '/livez'];
    for (const port of ports) {
      for (const path of paths) await get(port, path);
      await get(port, '/hang', true);
    }
    await new Promise((r) => setTimeout(r, 100));
    const strip = (lines: Array<Record<string, unknown>>) =>
      lines.map(({ time, responseTime, msg, ...rest }) => ({
        ...rest,
        time: typeof time,
        responseTime: typeof responseTime,
        msg: String(msg).replace(/[\d.]+ ms/, 'N ms'),
      }));
    expect(fast.lines).toHaveLength(paths.length + 1);
    expect(strip(fast.lines)).toEqual(strip(slow.lines));
    expect(fast.lines.map((l) => l.level)).toEqual([30, 30, 30, 30, 50, 20, 40]);
    expect(fast.lines[1]).toMatchObject({ operation: 'Named_Op', req: { path: '/named' } });
  });
});
