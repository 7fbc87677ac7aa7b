/**
 * What every fault test needs: a fixture database, a private redis-server,
 * two API instances sharing both (in this process, each with its own Redis
 * connections and L1), a steady read load that records errors and latency,
 * writes during the fault through both instances and by `psql`, and the
 * consistency check afterwards: every product read from both instances and
 * from a fresh third one, compared with the database.
 */
import { performance } from 'node:perf_hooks';
import { ADMIN, createFixtureDatabase } from '../helpers/fixture.js';
import {
  type RedisServer,
  type RedisServerOptions,
  startRedisServer,
} from '../helpers/redis-server.js';
import { signIn, startTestApp, type TestApp } from '../helpers/test-app.js';
import { sql, type TestDatabase } from '../helpers/test-db.js';

export const PRODUCT_IDS = Array.from({ length: 30 }, (_, i) => i + 1);
export const READ = 'query($id: ID!) { product(id: $id) { id version stock } }';
const UPDATE =
  'mutation($id: ID!, $s: Int!) { updateProduct(id: $id, input: { stock: $s }) { version } }';

export interface FaultWorld {
  db: TestDatabase;
  redis: RedisServer;
  /** The URL the instances use for PostgreSQL (a proxy, in PostgreSQL fault tests). */
  appDatabaseUrl: string;
  prefix: string;
  instances: TestApp[];
  admin: Record<string, string>;
  env: Record<string, string>;
  /** Starts one more instance on the same database, Redis and prefix. */
  startInstance(): Promise<TestApp>;
  close(): Promise<void>;
}

export interface WorldOptions {
  redis?: RedisServerOptions;
  /** Wraps the database URL the instances use (e.g. through a TCP proxy). */
  databaseUrl?: (url: string) => string;
  env?: Record<string, string>;
  now?: () => number;
}

export async function openWorld(options: WorldOptions = {}): Promise<FaultWorld> {
  const db = await createFixtureDatabase();
  const redis = await startRedisServer(options.redis);
  const appDatabaseUrl = options.databaseUrl?.(db.url) ?? db.url;
  const prefix = `fault${Math.floor(Math.random() * 1e9)}`;
  // Rate limits are off: these tests measure the cache, from one client IP.
  const env = {
    REDIS_URL: redis.url,
    REDIS_COMMAND_TIMEOUT_MS: '250',
    RATE_LIMIT_ENABLED: 'false',
    ...options.env,
  };
  const started: TestApp[] = [];
  const startInstance = async () => {
    const app = await startTestApp({
      databaseUrl: appDatabaseUrl,
      env,
      prefix,
      now: options.now,
      waitForRedis: true,
    });
    started.push(app);
    return app;
  };
  const instances = [await startInstance(), await startInstance()];
  const admin = await signIn(instances[0]!, ADMIN.email, ADMIN.password);
  return {
    db,
    redis,
    appDatabaseUrl,
    prefix,
    instances,
    admin,
    env,
    startInstance,
    close: async () => {
      for (const app of started) await app.close().catch(() => undefined);
      await redis.dispose();
      await db.drop();
    },
  };
}

/** Reads every product once from each instance, so both tiers hold them. */
export async function warm(world: FaultWorld): Promise<void> {
  for (const app of world.instances) {
    for (const id of PRODUCT_IDS) await app.query(READ, { id: String(id) });
  }
}

export interface LoadReport {
  requests: number;
  errors: number;
  /** Error codes seen, with counts. */
  codes: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** A steady read load over both instances until stopped; `window()` reports and resets. */
export function startLoad(world: FaultWorld, clients = 4, ids: readonly number[] = PRODUCT_IDS) {
  let running = true;
  let samples: Array<{ ms: number; code?: string }> = [];
  const loops = Array.from({ length: clients }, async (_, client) => {
    for (let n = 0; running; n++) {
      const app = world.instances[(client + n) % world.instances.length]!;
      const id = ids[Math.floor(Math.random() * ids.length)]!;
      const start = performance.now();
      let code: string | undefined;
      try {
        const res = await app.query<{ product: { version: number } | null }>(READ, {
          id: String(id),
        });
        if (res.body.errors?.length)
          code = String(res.body.errors[0]!.extensions?.code ?? 'UNKNOWN');
        else if (!res.body.data?.product) code = 'NO_DATA';
      } catch {
        code = 'HTTP';
      }
      samples.push({ ms: performance.now() - start, code });
      // A pause keeps the load steady rather than saturating the two cores
      // (other test files run beside this one).
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  const report = (): LoadReport => {
    const list = samples;
    samples = [];
    const sorted = list.map((s) => s.ms).sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) /
      10;
    const codes: Record<string, number> = {};
    for (const s of list) if (s.code) codes[s.code] = (codes[s.code] ?? 0) + 1;
    return {
      requests: list.length,
      errors: list.filter((s) => s.code).length,
      codes,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: at(1),
    };
  };
  return {
    /** Samples since the last call. */
    window: report,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return report();
    },
  };
}

/**
 * Writes spread over `durationMs`: updates through the API, alternating
 * between the instances, on products 1..apiWrites, and `psqlWrites` updates
 * by plain SQL on the products after those. Returns how many API writes
 * were acknowledged.
 */
export async function writeDuring(
  world: FaultWorld,
  durationMs: number,
  apiWrites = 20,
  psqlWrites = 5,
): Promise<{ acknowledged: number; failed: number }> {
  const total = apiWrites + psqlWrites;
  let acknowledged = 0;
  let failed = 0;
  for (let i = 0; i < total; i++) {
    if (i < apiWrites) {
      const app = world.instances[i % world.instances.length]!;
      const res = await app
        .query(UPDATE, { id: String(i + 1), s: 1000 + i }, world.admin)
        .catch(() => undefined);
      if (res?.body.data) acknowledged++;
      else failed++;
    } else {
      await sql(world.db.url, 'UPDATE "Product" SET stock = stock + 1 WHERE id = $1', [i + 1]);
    }
    await new Promise((r) => setTimeout(r, durationMs / total));
  }
  return { acknowledged, failed };
}

export interface ConsistencyReport {
  reads: number;
  stale: number;
  errors: number;
  /** Stale reads as `instance:id:seen<db`. */
  examples: string[];
}

/**
 * Reads every product from each instance (and a fresh one) in rounds, and
 * counts reads older than the database's version read just before. Keeps
 * going until every instance is back on Redis and `rounds` more rounds ran,
 * so the moment an instance trusts L2 again is covered.
 */
export async function checkConsistency(
  world: FaultWorld,
  rounds = 3,
  maxMs = 8000,
): Promise<ConsistencyReport> {
  const fresh = await world.startInstance();
  const instances = [...world.instances, fresh];
  const report: ConsistencyReport = { reads: 0, stale: 0, errors: 0, examples: [] };
  const deadline = performance.now() + maxMs;
  let after = 0;
  while (after < rounds) {
    const back = instances.every((i) => i.app.cache.l2.available);
    if (back || performance.now() > deadline) after++;
    const rows = await sql<{ id: number; version: number }>(
      world.db.url,
      'SELECT id, version FROM "Product" WHERE id = ANY($1)',
      [PRODUCT_IDS],
    );
    const truth = new Map(rows.map((r) => [r.id, r.version]));
    await Promise.all(
      instances.map(async (app, n) => {
        for (const id of PRODUCT_IDS) {
          const res = await app.query<{ product: { version: number } | null }>(READ, {
            id: String(id),
          });
          report.reads++;
          const seen = res.body.data?.product?.version;
          if (seen === undefined) report.errors++;
          else if (seen < truth.get(id)!) {
            report.stale++;
            if (report.examples.length < 10)
              report.examples.push(`${n}:${id}:${seen}<${truth.get(id)}`);
          }
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
  }
  return report;
}

/** Waits `ms` (the fault's length, or the time instances get to notice its end). */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface FaultOutcome {
  during: LoadReport;
  writes: { acknowledged: number; failed: number };
  consistency: ConsistencyReport;
}

/**
 * Runs one fault: warm both instances, start the read load, `begin` the
 * fault, write through both instances and by psql while it lasts
 * (`durationMs`), `end` it, give the instances 1 s to notice, then check.
 */
export async function runFault(
  world: FaultWorld,
  fault: { begin(): Promise<void> | void; end(): Promise<void> | void; durationMs: number },
): Promise<FaultOutcome> {
  await warm(world);
  const load = startLoad(world);
  await sleep(300);
  load.window();
  await fault.begin();
  const writes = await writeDuring(world, fault.durationMs);
  await fault.end();
  const during = load.window();
  await sleep(1000);
  await load.stop();
  const consistency = await checkConsistency(world);
  return { during, writes, consistency };
}
