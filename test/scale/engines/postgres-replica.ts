/**
 * A private PostgreSQL primary and one streaming replica, in a temporary
 * folder on free ports (the shared server on 5432 is never reconfigured):
 * `initdb` a primary, load it with a copy of a fixture database (pg_dump
 * from the shared server), then `pg_basebackup -R` a replica from it that
 * applies the WAL `applyDelayMs` late (recovery_min_apply_delay), so it lags.
 * PostgreSQL refuses to run as root: the servers run as the `postgres` user
 * when the tests do.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../../scripts/bench/free-port.js';
import { sql } from '../../helpers/test-db.js';

const run = promisify(execFile);

function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  const dir = versions
    .map((v) => `/usr/lib/postgresql/${v}/bin`)
    .find((d) => existsSync(path.join(d, 'initdb')));
  if (!dir) throw new Error('no PostgreSQL binaries in /usr/lib/postgresql/*/bin');
  return dir;
}

export interface PostgresReplicaEngine {
  primaryUrl: string;
  replicaUrl: string;
  /** The replica's current apply lag behind the primary, in bytes of WAL. */
  lagBytes(): Promise<number>;
  dispose(): Promise<void>;
}

export async function startPostgresWithReplica(options: {
  sourceUrl: string;
  applyDelayMs: number;
}): Promise<PostgresReplicaEngine> {
  const bin = binDir();
  const root = mkdtempSync(path.join(tmpdir(), 'catalog-pg-replica-'));
  chmodSync(root, 0o755);
  const asRoot = process.getuid?.() === 0;
  if (asRoot)
    chownSync(
      root,
      Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
      Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
    );
  const as = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args])
      : run(path.join(bin, command), args);
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const primaryDir = path.join(root, 'primary');
  const replicaDir = path.join(root, 'replica');
  const started: string[] = [];
  const stop = async (dir: string) => {
    await as('pg_ctl', ['-D', dir, '-m', 'immediate', 'stop']).catch(() => undefined);
  };
  const engine: PostgresReplicaEngine = {
    primaryUrl: `postgresql://postgres@127.0.0.1:${primaryPort}/catalog`,
    replicaUrl: `postgresql://postgres@127.0.0.1:${replicaPort}/catalog`,
    lagBytes: async () => {
      const [row] = await sql<{ lag: string | null }>(
        `postgresql://postgres@127.0.0.1:${primaryPort}/postgres`,
        'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::text AS lag FROM pg_stat_replication',
      );
      return Number(row?.lag ?? 0);
    },
    dispose: async () => {
      for (const dir of started.reverse()) await stop(dir);
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await as('initdb', [
      '-D',
      primaryDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    const serverOptions = (port: number) =>
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${root} -c fsync=off -c wal_level=replica -c max_wal_senders=5`;
    await as('pg_ctl', [
      '-D',
      primaryDir,
      '-o',
      serverOptions(primaryPort),
      '-l',
      path.join(root, 'primary.log'),
      '-w',
      'start',
    ]);
    started.push(primaryDir);
    await sql(`postgresql://postgres@127.0.0.1:${primaryPort}/postgres`, 'CREATE DATABASE catalog');
    // The fixture: schema (with its triggers) and rows, copied from a database on the shared server.
    const dump = await run(
      path.join(bin, 'pg_dump'),
      ['--no-owner', '--no-privileges', options.sourceUrl],
      { maxBuffer: 256 * 1024 * 1024 },
    );
    await new Promise<void>((resolve, reject) => {
      const child = execFile(
        path.join(bin, 'psql'),
        ['-q', '-v', 'ON_ERROR_STOP=1', engine.primaryUrl],
        (error) => (error ? reject(error) : resolve()),
      );
      child.stdin!.end(dump.stdout);
    });
    await as('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
      '--checkpoint=fast',
    ]);
    await as('pg_ctl', [
      '-D',
      replicaDir,
      '-o',
      `${serverOptions(replicaPort)} -c recovery_min_apply_delay=${options.applyDelayMs}ms -c hot_standby=on`,
      '-l',
      path.join(root, 'replica.log'),
      '-w',
      'start',
    ]);
    started.push(replicaDir);
    const [row] = await sql<{ r: boolean }>(engine.replicaUrl, 'SELECT pg_is_in_recovery() AS r');
    if (!row?.r) throw new Error('the replica is not in recovery');
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return engine;
}
