/**
 * A private Redis Cluster for tests: six redis-server processes on free
 * loopback ports in a temporary folder, joined by `redis-cli --cluster
 * create` into three primaries with one replica each. A short node timeout
 * makes a killed primary fail over within a few seconds.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../../scripts/bench/free-port.js';
import { redisCommand, until } from './redis-admin.js';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  process: ChildProcess;
}

export interface RedisClusterEngine {
  /** `127.0.0.1:p1,127.0.0.1:p2,...`, the value of REDIS_CLUSTER_NODES. */
  nodesSetting: string;
  nodes: ClusterNode[];
  /** Ports of the current primaries (that hold slots), from CLUSTER NODES. */
  primaries(): Promise<number[]>;
  /** SIGKILL of the node on `port`. */
  kill(port: number): Promise<void>;
  /** Waits until every live node reports cluster_state:ok and `port` (if given) is no longer a primary. */
  waitHealthy(formerPrimary?: number): Promise<void>;
  dispose(): Promise<void>;
}

/** One command's reply as text. */
const probe = async (port: number, ...command: string[]) =>
  String(await redisCommand(port, ...command));

export async function startRedisCluster(): Promise<RedisClusterEngine> {
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-cluster-'));
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < 6; i++) {
    const port = await freePort();
    const nodeDir = path.join(dir, String(port));
    mkdirSync(nodeDir);
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        nodeDir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '1000',
      ],
      { stdio: 'ignore' },
    );
    nodes.push({ port, process: child });
  }
  const live = () =>
    nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
  const engine: RedisClusterEngine = {
    nodesSetting: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    nodes,
    primaries: async () => {
      const text = await probe(live()[0]!.port, 'CLUSTER', 'NODES');
      return text
        .split('\n')
        .map((line) => line.trim().split(' '))
        .filter((fields) => {
          const flags = fields[2]?.split(',') ?? [];
          return (
            flags.includes('master') &&
            !flags.some((f) => f.startsWith('fail')) &&
            fields.length > 8
          );
        })
        .map((fields) => Number(/:(\d+)@/.exec(fields[1]!)![1]));
    },
    kill: async (port) => {
      const node = nodes.find((n) => n.port === port)!;
      if (node.process.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        node.process.once('exit', () => resolve());
        node.process.kill('SIGKILL');
      });
    },
    waitHealthy: async (formerPrimary) => {
      await until('cluster_state:ok on every node', async () => {
        for (const node of live())
          if (!(await probe(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'))
            return false;
        return formerPrimary === undefined || !(await engine.primaries()).includes(formerPrimary);
      });
    },
    dispose: async () => {
      for (const node of live()) await engine.kill(node.port);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const node of nodes)
      await until(
        `node ${node.port} answering`,
        async () => (await probe(node.port, 'PING')) === 'PONG',
        10_000,
      );
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    await engine.waitHealthy();
    // Every replica has finished its first sync, so a failover loses only what was written after.
    await until('replicas in sync', async () => {
      const infos = await Promise.all(nodes.map((n) => probe(n.port, 'INFO', 'replication')));
      return infos
        .filter((i) => i.includes('role:slave'))
        .every((i) => i.includes('master_link_status:up'));
    });
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return engine;
}
