/**
 * A private redis-server process on a loopback port, for tests that count
 * commands exactly or inject faults (stop, pause, restart) without touching
 * the shared server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../scripts/bench/free-port.js';

export interface RedisServer {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL: the process dies at once (with `appendOnly`, its data survives in its folder). */
  kill(): Promise<void>;
  /** Runs one command on a fresh connection (FLUSHALL, CLIENT KILL, ...). */
  command(...args: Array<string | number>): Promise<unknown>;
  /** Stops the server and removes its data folder. */
  dispose(): Promise<void>;
  /** SIGSTOP: the server stops answering but keeps its connections. */
  pause(): void;
  resume(): void;
}

export interface RedisServerOptions {
  /** Persist every write to an append-only file, so a restart comes back with the data. */
  appendOnly?: boolean;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-redis-'));
  const persistence = options.appendOnly
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    start: async () => {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...persistence],
        { stdio: 'ignore' },
      );
      for (let i = 0; i < 100; i++) {
        const probe = new Redis(server.url, {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          await probe.ping();
          probe.disconnect();
          return;
        } catch {
          probe.disconnect();
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw new Error(`redis-server did not start on port ${port}`);
    },
    stop: async () => {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      c.kill('SIGCONT');
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    kill: () => server.stop(),
    command: async (...args) => {
      const client = new Redis(server.url, { maxRetriesPerRequest: 0 });
      try {
        return await client.call(String(args[0]), ...args.slice(1));
      } finally {
        client.disconnect();
      }
    },
    dispose: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
  await server.start();
  return server;
}

/** Total commands the server has executed, from INFO commandstats (excluding INFO itself). */
export async function commandCount(url: string): Promise<number> {
  const client = new Redis(url);
  const info = await client.info('commandstats');
  client.disconnect();
  return [...info.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)].reduce(
    (sum, m) => (m[1] === 'info' ? sum : sum + Number(m[2])),
    0,
  );
}
