/**
 * A private Redis primary with one replica and three sentinels (each
 * `redis-server <conf> --sentinel`: there is no redis-sentinel binary), on
 * free loopback ports in a temporary folder. `failover()` asks the sentinels
 * to promote the replica (SENTINEL FAILOVER) and waits until they name it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../../scripts/bench/free-port.js';
import { redisCommand, until } from './redis-admin.js';

export const MASTER_NAME = 'catalog';

export interface RedisSentinelEngine {
  /** The value of REDIS_SENTINELS. */
  sentinelsSetting: string;
  /** The port the sentinels name as primary now. */
  primaryPort(): Promise<number>;
  /** Promotes the replica and waits until the sentinels and the new primary agree; returns the new primary's port. */
  failover(): Promise<number>;
  dispose(): Promise<void>;
}

export async function startRedisSentinel(): Promise<RedisSentinelEngine> {
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-sentinel-'));
  const children: ChildProcess[] = [];
  const [primary, replica] = [await freePort(), await freePort()];
  const sentinels = [await freePort(), await freePort(), await freePort()];
  const server = (port: number, extra: string[]) =>
    children.push(
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          ...extra,
        ],
        { stdio: 'ignore' },
      ),
    );
  const engine: RedisSentinelEngine = {
    sentinelsSetting: sentinels.map((p) => `127.0.0.1:${p}`).join(','),
    primaryPort: async () =>
      Number(
        (
          (await redisCommand(
            sentinels[0]!,
            'SENTINEL',
            'get-master-addr-by-name',
            MASTER_NAME,
          )) as string[]
        )[1],
      ),
    failover: async () => {
      const before = await engine.primaryPort();
      await redisCommand(sentinels[0]!, 'SENTINEL', 'FAILOVER', MASTER_NAME);
      let after = before;
      await until('the failover', async () => {
        after = await engine.primaryPort();
        if (after === before) return false;
        const role = String(await redisCommand(after, 'INFO', 'replication'));
        if (!role.includes('role:master')) return false;
        // Every sentinel names the new primary.
        for (const port of sentinels)
          if (
            Number(
              (
                (await redisCommand(
                  port,
                  'SENTINEL',
                  'get-master-addr-by-name',
                  MASTER_NAME,
                )) as string[]
              )[1],
            ) !== after
          )
            return false;
        return true;
      });
      return after;
    },
    dispose: async () => {
      await Promise.all(
        children
          .filter((c) => c.exitCode === null)
          .map(
            (c) =>
              new Promise<void>((resolve) => {
                c.once('exit', () => resolve());
                c.kill('SIGKILL');
              }),
          ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    server(primary, []);
    server(replica, ['--replicaof', '127.0.0.1', String(primary)]);
    await until('replica in sync', async () =>
      String(await redisCommand(replica, 'INFO', 'replication')).includes('master_link_status:up'),
    );
    for (const port of sentinels) {
      const conf = path.join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 5000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      children.push(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    }
    // The sentinels see the replica (needed for a failover) and each other.
    await until('sentinels ready', async () => {
      for (const port of sentinels) {
        const info = String(await redisCommand(port, 'INFO', 'sentinel'));
        if (!/status=ok,address=[^,]+,slaves=1,sentinels=3/.test(info)) return false;
      }
      return true;
    });
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return engine;
}
