/**
 * `npm run bench`: the API against local PostgreSQL and Redis, loaded with
 * the demo catalog, side by side with a ceiling (this SDL served by Apollo
 * Server from in-memory Maps, no I/O: scripts/bench/ceiling.ts) in the same
 * run: cache off (DataLoader only), L2 only, L1 and L2 with response reuse
 * off, and L1 and L2 with it on. For the product page, the catalog page and
 * the nested catalog query it prints requests/s with its ratio to the
 * ceiling, p50 and p99 latency, and SQL statements and Redis round trips per
 * request (from the API's own counters), after checking that every system
 * answers the ceiling's data. It also prints MessagePack against JSON on real
 * entities.
 *
 * Options: --seconds N (per mode and query, default 5), --concurrency N
 * (default 32), --products N (catalog size if the database is empty, default 1000).
 * --checker instead runs the consistency checker (scripts/bench/consistency-checker.ts) over two
 * API processes for --seconds and prints its report: operations, stale reads,
 * and the cross-instance L1 lag distribution. --abuse times the refusal of
 * each abusive request in scripts/bench/abuse-cases.ts (goal: < 50 ms).
 * --instances N runs N API processes behind client-side round robin and
 * prints throughput on 1 and on N instances and the cross-instance
 * invalidation lag (scripts/bench/instances.ts).
 * DATABASE_URL defaults to a `catalog_bench` database on 127.0.0.1.
 *
 * Rate limits are off here (all load comes from one IP); the cache is measured alone.
 * The load generator runs in the same process as the server (2 cores here),
 * so absolute figures understate a dedicated server; compare the modes.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { jsonCodec, msgpackCodec, type Codec } from '../src/cache/index.js';
import { loadConfig } from '../src/config/config.js';
import { isDatabaseEmpty, seedCatalog } from '../src/db/seed/index.js';
import { createApp } from '../src/server/app.js';
import { createHttpServer } from '../src/server/http.js';
import { startCeiling } from './bench/ceiling.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    products: { type: 'string', default: '1000' },
    checker: { type: 'boolean', default: false },
    abuse: { type: 'boolean', default: false },
    instances: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
if (!(seconds > 0 && seconds <= 600) || !(concurrency >= 1 && concurrency <= 1024)) {
  throw new Error(
    `--seconds must be 1..600 and --concurrency 1..1024 (got ${values.seconds}, ${values.concurrency})`,
  );
}

const databaseUrl =
  process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/catalog_bench';

/** The product page and catalog page are ../shared/bench's W1 and W2, so the two benches read alike. */
const QUERIES = {
  'product page': {
    query: `query($id:ID!){ product(id:$id){ id name priceCents stock category{ id name } reviews(first:5){ rating body author{ id name } } reviewCount averageRating } }`,
    variables: () => ({ id: String(1 + Math.floor(Math.random() * 200)) }),
  },
  'catalog page (20)': {
    query: `query($n:Int!){ products(first:$n){ edges { node { id name category { id name } reviews(first:5){ rating author { id name } } } } } }`,
    variables: () => ({ n: 20 }),
  },
  'nested catalog (50)': {
    query: `{ products(first: 50) { edges { node { name priceCents category { name } reviews(first: 5) { rating author { name } } } } } }`,
    variables: () => ({}),
  },
};

/** The systems of one run: the ceiling first, then the API in each cache setting. */
const SYSTEMS = [
  { name: 'ceiling (no I/O)', env: null },
  { name: 'off', env: { CACHE_MODE: 'off' } },
  { name: 'l2', env: { CACHE_MODE: 'l2' } },
  { name: 'l1+l2, reuse off', env: { CACHE_MODE: 'l1+l2', RESPONSE_REUSE_MAX_BYTES: '0' } },
  { name: 'l1+l2, reuse on', env: { CACHE_MODE: 'l1+l2' } },
] as const;

async function ensureDatabase(): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  await admin.end();
  execFileSync('npm', ['run', '--silent', 'migrate'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  sql: number;
  redis: number;
  errors: number;
}

async function load(
  url: string,
  query: { query: string; variables: () => Record<string, unknown> },
): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latencies: number[] = [];
  let sql = 0;
  let redis = 0;
  let errors = 0;
  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-debug-stats': '1' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  // Warm-up: fill the cache tiers before measuring.
  for (let i = 0; i < 1000; i++)
    await post(JSON.stringify({ query: query.query, variables: query.variables() }));
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const t0 = process.hrtime.bigint();
        const res = await post(
          JSON.stringify({ query: query.query, variables: query.variables() }),
        );
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const body = JSON.parse(res.text) as {
          errors?: unknown;
          extensions?: { stats?: { sqlStatements: number; redisRoundTrips: number } };
        };
        if (res.status !== 200 || body.errors) errors++;
        sql += body.extensions?.stats?.sqlStatements ?? 0;
        redis += body.extensions?.stats?.redisRoundTrips ?? 0;
      }
    }),
  );
  agent.destroy();
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const n = latencies.length;
  return { rps: n / elapsed, p50: at(0.5), p99: at(0.99), sql: sql / n, redis: redis / n, errors };
}

function codecFigures(
  codec: Codec,
  rows: unknown[],
): { encodeUs: number; decodeUs: number; bytes: number } {
  const rounds = 200;
  const encoded = rows.map((r) => codec.encode(r));
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) for (const r of rows) codec.encode(r);
  const encodeUs = Number(process.hrtime.bigint() - t0) / 1e3 / (rounds * rows.length);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) for (const b of encoded) codec.decode(b);
  const decodeUs = Number(process.hrtime.bigint() - t0) / 1e3 / (rounds * rows.length);
  return { encodeUs, decodeUs, bytes: encoded.reduce((s, b) => s + b.length, 0) / encoded.length };
}

async function checker(): Promise<void> {
  const { runChecker } = await import('./bench/consistency-checker.js');
  const { DEMO_ADMIN } = await import('../src/db/seed/index.js');
  const report = await runChecker({
    databaseUrl,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: `checker${Date.now()}`,
    instances: 2,
    clients: concurrency,
    durationMs: seconds * 1000,
    productIds: Array.from({ length: 20 }, (_, i) => i + 1),
    adminEmail: DEMO_ADMIN.email,
    adminPassword: DEMO_ADMIN.password,
    writeRatio: 0.1,
  });
  console.log(`\nconsistency checker, 2 instances, ${concurrency} clients, ${seconds} s`);
  console.log(
    `  operations ${report.operations} (reads ${report.reads}, writes ${report.writes}), errors ${report.errors}`,
  );
  console.log(`  stale reads after acknowledgement (L2, database, own L1): ${report.violations}`);
  console.log(`  reads lagging on another instance's L1: ${report.laggingReads}`);
  console.log(
    `  observed lag of those reads ms: p50 ${report.lagMs.p50.toFixed(2)}  p99 ${report.lagMs.p99.toFixed(2)}  max ${report.lagMs.max.toFixed(2)}`,
  );
  console.log(
    `  invalidation delivery between instances (${report.deliveryMs.count} messages, histogram bucket bounds): p50 <= ${report.deliveryMs.p50} ms  p99 <= ${report.deliveryMs.p99} ms`,
  );
}

async function abuse(): Promise<void> {
  const { ABUSE } = await import('./bench/abuse-cases.js');
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    CACHE_PREFIX: `abuse${Date.now()}`,
  });
  const app = await createApp(config);
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  console.log('\nabusive requests: refusal latency over 50 tries each (goal: < 50 ms)');
  for (const [name, { body, code }] of Object.entries(ABUSE)) {
    const text = JSON.stringify(body);
    const times: number[] = [];
    let wrong = 0;
    for (let i = 0; i < 50; i++) {
      const t0 = process.hrtime.bigint();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      });
      const json = (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (json.errors?.[0]?.extensions?.code !== code) wrong++;
    }
    times.sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(28)} ${code.padEnd(26)} p50 ${times[25]!.toFixed(2)} ms  max ${times[49]!.toFixed(2)} ms${wrong ? `  (${wrong} wrong codes)` : ''}`,
    );
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await app.close();
}

/** Seeds the bench database when it has no catalog yet (the multi-process modes start their own APIs). */
async function seedIfEmpty(): Promise<void> {
  const app = await createApp(
    loadConfig({ ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', CACHE_MODE: 'off' }),
  );
  try {
    if (await isDatabaseEmpty(app.prisma))
      await seedCatalog(app.prisma, { products: Number(values.products) });
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  await ensureDatabase();
  if (values.abuse) return abuse();
  if (values.instances !== undefined) {
    const instances = Number(values.instances);
    if (!(Number.isInteger(instances) && instances >= 2 && instances <= 16))
      throw new Error(`--instances must be 2..16 (got ${values.instances})`);
    await seedIfEmpty();
    const { DEMO_ADMIN } = await import('../src/db/seed/index.js');
    const { runInstances } = await import('./bench/instances.js');
    return runInstances({ databaseUrl, instances, seconds, concurrency, admin: DEMO_ADMIN });
  }
  if (values.checker) {
    await seedIfEmpty();
    return checker();
  }
  const results: Array<{ mode: string; query: string; r: Result }> = [];
  const reference = new Map<string, string>();
  let seeded = false;
  for (const system of SYSTEMS) {
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      CACHE_PREFIX: `bench${Date.now()}`,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      ...system.env,
    });
    const app = await createApp(config);
    if (!seeded) {
      if (await isDatabaseEmpty(app.prisma)) {
        console.log(`seeding ${values.products} products ...`);
        await seedCatalog(app.prisma, { products: Number(values.products) });
      }
      const rows = await app.prisma.product.findMany({ take: 500 });
      console.log('\nL2 codec on 500 real products (per value):');
      for (const codec of [msgpackCodec(), jsonCodec()]) {
        const f = codecFigures(codec, rows);
        console.log(
          `  ${codec.name.padEnd(8)} encode ${f.encodeUs.toFixed(2)} µs  decode ${f.decodeUs.toFixed(2)} µs  ${f.bytes.toFixed(0)} bytes`,
        );
      }
      seeded = true;
    }
    let url: string;
    let stop: () => Promise<void>;
    if (system.env === null) {
      const ceiling = await startCeiling(app.prisma);
      await app.close();
      ({ url } = ceiling);
      stop = () => ceiling.close();
    } else {
      for (let i = 0; i < 100 && config.cache.mode !== 'off' && !app.redis.available; i++)
        await new Promise((r) => setTimeout(r, 20));
      const server = createHttpServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      stop = async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await app.close();
      };
    }
    for (const [name, query] of Object.entries(QUERIES)) {
      // Same data as the ceiling for fixed variables, or the figures compare nothing.
      const check = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: query.query, variables: { id: '57', n: 20 } }),
      });
      const data = JSON.stringify(((await check.json()) as { data?: unknown }).data ?? null);
      if (!reference.has(name)) reference.set(name, data);
      else if (reference.get(name) !== data)
        throw new Error(`${system.name} answers "${name}" differently from the ceiling`);
      results.push({ mode: system.name, query: name, r: await load(url, query) });
    }
    await stop();
  }

  console.log(
    `\n${concurrency} concurrent clients, ${seconds} s per system and query, in-process load generator\n`,
  );
  const ceiling = new Map(
    results.filter((x) => x.mode === SYSTEMS[0].name).map((x) => [x.query, x.r.rps]),
  );
  const header = [
    'query',
    'system',
    'req/s',
    '× ceiling',
    'p50 ms',
    'p99 ms',
    'SQL/req',
    'Redis RT/req',
    'errors',
  ];
  const rows = results.map(({ mode, query, r }) => [
    query,
    mode,
    r.rps.toFixed(0),
    (r.rps / ceiling.get(query)!).toFixed(2),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    r.sql.toFixed(2),
    r.redis.toFixed(2),
    String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows])
    console.log(
      row.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
    );
}

await main();
