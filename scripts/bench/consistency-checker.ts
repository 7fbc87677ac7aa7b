/**
 * The consistency checker (docs/design.md promise 2). It starts two or more API
 * server processes on one Redis and one PostgreSQL; concurrent clients read
 * and update a shared set of products for a bounded time. Every read records
 * the version it saw, when it started and where it was served from; every
 * update records when it was acknowledged.
 *
 * A read is stale when it started after an acknowledgement of a newer
 * version. Stale reads served from L2, the database or the writing instance's
 * own L1 break the promise; stale reads from another instance's L1 are the
 * allowed lag, and their distribution is reported.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { freePort } from './free-port.js';

export interface CheckerOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  instances: number;
  clients: number;
  durationMs: number;
  /** Product ids that are read and updated. */
  productIds: number[];
  adminEmail: string;
  adminPassword: string;
  /** Fraction of operations that are updates. */
  writeRatio: number;
  /** More settings for the instances (e.g. REDIS_CLUSTER_NODES, which replaces `redisUrl`). */
  env?: Record<string, string>;
  /** Runs once the load has started (a failover in the middle); its time is reported. */
  during?: () => Promise<void>;
}

export interface CheckerReport {
  operations: number;
  reads: number;
  writes: number;
  /** Stale reads the promise forbids (L2, database, or the writer's own L1). */
  violations: number;
  /** Stale reads from another instance's L1 (allowed lag). */
  laggingReads: number;
  /** How long those reads lagged behind the acknowledgement, ms. */
  lagMs: { p50: number; p99: number; max: number };
  errors: number;
  /** When errors happened, ms after `during` started (empty without `during`). */
  errorsAfterFaultMs: number[];
  /** The first few violations: what was read, what had been acknowledged, and when (ms after the fault, if any). */
  violationExamples: Array<{
    id: number;
    read: number;
    acked: number;
    msAfterAck: number;
    msAfterFault: number | null;
    instance: number;
    fromL1: boolean;
  }>;
  /** Invalidation delivery delay between instances, from their histograms (bucket upper bounds), ms. */
  deliveryMs: { count: number; p50: number; p99: number };
}

interface Ack {
  id: number;
  version: number;
  at: number;
  instance: number;
}

async function startInstance(
  options: CheckerOptions,
): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      ...(options.env?.REDIS_CLUSTER_NODES || options.env?.REDIS_SENTINELS
        ? {}
        : { REDIS_URL: options.redisUrl }),
      CACHE_PREFIX: options.prefix,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      const body = (await res.json()) as { redis: boolean };
      if (body.redis) return { url, process: child };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`API instance on port ${port} did not become ready`);
}

async function gql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-debug-stats': '1', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as {
    data?: T;
    errors?: unknown[];
    extensions?: { stats?: { l1Hits: number; responseReuse?: string } };
  };
}

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
}

/** Merges the instances' delay histograms and reads p50 and p99 off the buckets. */
async function deliveryDelay(metricsUrls: string[]): Promise<CheckerReport['deliveryMs']> {
  const buckets = new Map<number, number>();
  for (const url of metricsUrls) {
    const text = await (await fetch(url)).text();
    for (const m of text.matchAll(
      /^\w*cache_invalidation_delay_seconds_bucket\{le="([^"]+)"\} (\d+)/gm,
    )) {
      const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
    }
  }
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const count = sorted.at(-1)?.[1] ?? 0;
  const quantile = (q: number) => (sorted.find(([, n]) => n >= q * count)?.[0] ?? NaN) * 1000;
  return { count, p50: quantile(0.5), p99: quantile(0.99) };
}

export async function runChecker(options: CheckerOptions): Promise<CheckerReport> {
  const instances = await Promise.all(
    Array.from({ length: options.instances }, () => startInstance(options)),
  );
  try {
    const login = await gql<{ login: { token: string } }>(
      instances[0]!.url,
      'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
      {
        e: options.adminEmail,
        p: options.adminPassword,
      },
    );
    const auth = { authorization: `Bearer ${login.data!.login.token}` };
    const acks: Ack[] = [];
    const reads: Array<{
      id: number;
      version: number;
      start: number;
      instance: number;
      fromL1: boolean;
    }> = [];
    let writes = 0;
    const deadline = performance.now() + options.durationMs;
    const errorAt: number[] = [];
    let faultAt = NaN;
    // The fault starts a third of the way in, so there is load before, during and after it.
    const fault = options.during
      ? new Promise((r) => setTimeout(r, options.durationMs / 3)).then(() => {
          faultAt = performance.now();
          return options.during!();
        })
      : Promise.resolve();

    await Promise.all([
      fault,
      ...Array.from({ length: options.clients }, async (_, client) => {
        let n = 0;
        while (performance.now() < deadline) {
          const id = options.productIds[Math.floor(Math.random() * options.productIds.length)]!;
          const instance = (client + n++) % instances.length;
          const url = instances[instance]!.url;
          if (Math.random() < options.writeRatio) {
            const res = await gql<{ updateProduct: { version: number } }>(
              url,
              'mutation($id: ID!, $s: Int!) { updateProduct(id: $id, input: { stock: $s }) { version } }',
              { id: String(id), s: Math.floor(Math.random() * 1000) },
              auth,
            );
            if (!res.data) errorAt.push(performance.now());
            else
              acks.push({
                id,
                version: res.data.updateProduct.version,
                at: performance.now(),
                instance,
              });
            writes++;
          } else {
            const start = performance.now();
            const res = await gql<{ product: { version: number } }>(
              url,
              'query($id: ID!) { product(id: $id) { version } }',
              { id: String(id) },
            );
            if (!res.data?.product) errorAt.push(performance.now());
            else {
              // A reused response is as fresh as the L1 entries it read on that instance: it lags like L1.
              const stats = res.extensions?.stats;
              reads.push({
                id,
                version: res.data.product.version,
                start,
                instance,
                fromL1: (stats?.l1Hits ?? 0) > 0 || stats?.responseReuse === 'hit',
              });
            }
          }
        }
      }),
    ]);
    const errors = errorAt.length;

    // For each read: the acknowledgements of newer versions that came before it.
    const acksById = new Map<number, Ack[]>();
    for (const ack of acks) acksById.set(ack.id, [...(acksById.get(ack.id) ?? []), ack]);
    let violations = 0;
    const violationExamples: CheckerReport['violationExamples'] = [];
    const lags: number[] = [];
    for (const read of reads) {
      const newer = (acksById.get(read.id) ?? []).filter(
        (a) => a.version > read.version && a.at < read.start,
      );
      if (newer.length === 0) continue;
      const first = newer.reduce((x, y) => (y.at < x.at ? y : x));
      const otherInstanceL1 = read.fromL1 && newer.every((a) => a.instance !== read.instance);
      if (otherInstanceL1) lags.push(read.start - first.at);
      else {
        violations++;
        const newest = newer.reduce((x, y) => (y.version > x.version ? y : x));
        if (violationExamples.length < 5) {
          violationExamples.push({
            id: read.id,
            read: read.version,
            acked: newest.version,
            msAfterAck: Math.round(read.start - newest.at),
            msAfterFault: Number.isNaN(faultAt) ? null : Math.round(read.start - faultAt),
            instance: read.instance,
            fromL1: read.fromL1,
          });
        }
      }
    }
    lags.sort((a, b) => a - b);
    const deliveryMs = await deliveryDelay(
      instances.map((i) => i.url.replace('/graphql', '/metrics')),
    );
    return {
      deliveryMs,
      operations: reads.length + writes,
      reads: reads.length,
      writes,
      violations,
      laggingReads: lags.length,
      lagMs: { p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), max: lags.at(-1) ?? 0 },
      errors,
      violationExamples,
      errorsAfterFaultMs: Number.isNaN(faultAt)
        ? []
        : errorAt.map((at) => Math.round(at - faultAt)),
    };
  } finally {
    for (const instance of instances) instance.process.kill('SIGTERM');
  }
}
