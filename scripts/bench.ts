/**
 * `npm run bench`: the API against local PostgreSQL and Redis, loaded with
 * the demo catalog, for three cache modes side by side (cache off = DataLoader
 * only, L2 only, L1 and L2). For the nested catalog query and a single-product
 * query it prints requests/s, p50 and p99 latency, and SQL statements and
 * Redis round trips per request (from the API's own counters). It also prints
 * MessagePack against JSON on real entities.
 *
 * Options: --seconds N (per mode and query, default 5), --concurrency N
 * (default 32), --products N (catalog size if the database is empty, default 1000).
 * --checker instead runs the consistency checker (test/consistency) over two
 * API processes for --seconds and prints its report: operations, stale reads,
 * and the cross-instance L1 lag distribution. --abuse times the refusal of
 * each abusive request in test/protection/abuse-cases.ts (goal: < 50 ms).
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
import { jsonCodec, msgpackCodec, type Codec } from '../src/cache/codec.js';
import { loadConfig } from '../src/config/config.js';
import { isDatabaseEmpty, seedCatalog } from '../src/db/seed/index.js';
import { createApp } from '../src/server/app.js';
import { createHttpServer } from '../src/server/http.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    products: { type: 'string', default: '1000' },
    checker: { type: 'boolean', default: false },
    abuse: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
if (!(seconds > 0 && seconds <= 600) || !(concurrency >= 1 && concurrency <= 1024)) {
  throw new Error(`--seconds must be 1..600 and --concurrency 1..1024 (got ${values.seconds}, ${values.concurrency})`);
}

const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/catalog_bench';

const QUERIES = {
  'nested catalog (first: 50)': {
    query: `{ products(first: 50) { edges { node { name priceCents category { name } reviews(first: 5) { rating author { name } } } } } }`,
    variables: () => ({}),
  },
  'single product': {
    query: `query($id: ID!) { product(id: $id) { id name priceCents stock reviewCount averageRating } }`,
    variables: () => ({ id: String(1 + Math.floor(Math.random() * 200)) }),
  },
};

async function ensureDatabase(): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  await admin.end();
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'ignore', 'inherit'] });
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  sql: number;
  redis: number;
  errors: number;
}

async function load(url: string, query: { query: string; variables: () => Record<string, unknown> }): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latencies: number[] = [];
  let sql = 0;
  let redis = 0;
  let errors = 0;
  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'x-debug-stats': '1' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  // Warm-up: fill the cache tiers before measuring.
  for (let i = 0; i < 300; i++) await post(JSON.stringify({ query: query.query, variables: query.variables() }));
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const t0 = process.hrtime.bigint();
        const res = await post(JSON.stringify({ query: query.query, variables: query.variables() }));
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const body = JSON.parse(res.text) as { errors?: unknown; extensions?: { stats?: { sqlStatements: number; redisRoundTrips: number } } };
        if (res.status !== 200 || body.errors) errors++;
        sql += body.extensions?.stats?.sqlStatements ?? 0;
        redis += body.extensions?.stats?.redisRoundTrips ?? 0;
      }
    }),
  );
  agent.destroy();
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const n = latencies.length;
  return { rps: n / elapsed, p50: at(0.5), p99: at(0.99), sql: sql / n, redis: redis / n, errors };
}

function codecFigures(codec: Codec, rows: unknown[]): { encodeUs: number; decodeUs: number; bytes: number } {
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
  const { runChecker } = await import('../test/consistency/checker.js');
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
  console.log(`  operations ${report.operations} (reads ${report.reads}, writes ${report.writes}), errors ${report.errors}`);
  console.log(`  stale reads after acknowledgement (L2, database, own L1): ${report.violations}`);
  console.log(`  reads lagging on another instance's L1: ${report.laggingReads}`);
  console.log(`  observed lag of those reads ms: p50 ${report.lagMs.p50.toFixed(2)}  p99 ${report.lagMs.p99.toFixed(2)}  max ${report.lagMs.max.toFixed(2)}`);
  console.log(
    `  invalidation delivery between instances (${report.deliveryMs.count} messages, histogram bucket bounds): p50 <= ${report.deliveryMs.p50} ms  p99 <= ${report.deliveryMs.p99} ms`,
  );
}

async function abuse(): Promise<void> {
  const { ABUSE } = await import('../test/protection/abuse-cases.js');
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', CACHE_PREFIX: `abuse${Date.now()}` });
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
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
      const json = (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (json.errors?.[0]?.extensions?.code !== code) wrong++;
    }
    times.sort((a, b) => a - b);
    console.log(`  ${name.padEnd(28)} ${code.padEnd(26)} p50 ${times[25]!.toFixed(2)} ms  max ${times[49]!.toFixed(2)} ms${wrong ? `  (${wrong} wrong codes)` : ''}`);
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await app.close();
}

async function main(): Promise<void> {
  await ensureDatabase();
  if (values.abuse) return abuse();
  if (values.checker) {
    const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', CACHE_MODE: 'off' });
    const app = await createApp(config);
    if (await isDatabaseEmpty(app.prisma)) await seedCatalog(app.prisma, { products: Number(values.products) });
    await app.close();
    return checker();
  }
  const modes = ['off', 'l2', 'l1+l2'] as const;
  const results: Array<{ mode: string; query: string; r: Result }> = [];
  let seeded = false;
  for (const mode of modes) {
    const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATABASE_URL: databaseUrl, CACHE_MODE: mode, CACHE_PREFIX: `bench${Date.now()}`, LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false' });
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
        console.log(`  ${codec.name.padEnd(8)} encode ${f.encodeUs.toFixed(2)} µs  decode ${f.decodeUs.toFixed(2)} µs  ${f.bytes.toFixed(0)} bytes`);
      }
      seeded = true;
    }
    for (let i = 0; i < 100 && mode !== 'off' && !app.redis.available; i++) await new Promise((r) => setTimeout(r, 20));
    const server = createHttpServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    for (const [name, query] of Object.entries(QUERIES)) results.push({ mode, query: name, r: await load(url, query) });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
  }

  console.log(`\n${concurrency} concurrent clients, ${seconds} s per mode and query, in-process load generator\n`);
  const header = ['query', 'mode', 'req/s', 'p50 ms', 'p99 ms', 'SQL/req', 'Redis RT/req', 'errors'];
  const rows = results.map(({ mode, query, r }) => [query, mode, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.sql.toFixed(2), r.redis.toFixed(2), String(r.errors)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

await main();
