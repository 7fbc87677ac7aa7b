/**
 * `npm run bench -- --instances N`: N API processes on one PostgreSQL and one
 * Redis (whatever REDIS_URL / REDIS_CLUSTER_NODES / REDIS_SENTINELS name),
 * behind client-side round robin. Prints the warm product page's throughput
 * on 1 instance and on N, and the cross-instance invalidation lag: after an
 * update acknowledged by one instance, how long until each other instance
 * answers the new version (polled as fast as it answers).
 *
 * On a small machine the load generator and every instance share the cores,
 * so the scaling figure shows the ceiling of that machine, not of the design.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { freePort } from './free-port.js';

export interface InstancesOptions {
  databaseUrl: string;
  instances: number;
  seconds: number;
  concurrency: number;
  admin: { email: string; password: string };
  /** Lag samples (one update each). */
  writes?: number;
}

const PAGE = `query($id:ID!){ product(id:$id){ id name priceCents stock category{ id name } reviews(first:5){ rating body author{ id name } } reviewCount averageRating } }`;

interface Instance {
  url: string;
  process: ChildProcess;
}

async function startInstance(databaseUrl: string, prefix: string): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      CACHE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      async (r) => ((await r.json()) as { redis?: boolean }).redis === true,
      () => false,
    );
    if (ok) return { url: `http://127.0.0.1:${port}/graphql`, process: child };
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
): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Requests/s of the warm product page over `urls`, round robin per request. */
async function throughput(
  urls: string[],
  seconds: number,
  concurrency: number,
): Promise<{ rps: number; errors: number }> {
  const agents = urls.map(() => new http.Agent({ keepAlive: true, maxSockets: concurrency }));
  const post = (i: number, body: string) =>
    new Promise<number>((resolve) => {
      const target = new URL(urls[i]!);
      const req = http.request(
        {
          agent: agents[i],
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const body = () =>
    JSON.stringify({ query: PAGE, variables: { id: String(1 + Math.floor(Math.random() * 200)) } });
  // Warm every instance's tiers.
  for (let i = 0; i < urls.length; i++)
    for (let id = 1; id <= 200; id++)
      await post(i, JSON.stringify({ query: PAGE, variables: { id: String(id) } }));
  let done = 0;
  let errors = 0;
  let next = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const status = await post(next++ % urls.length, body());
        if (status === 200) done++;
        else errors++;
      }
    }),
  );
  for (const agent of agents) agent.destroy();
  return { rps: done / ((Date.now() - started) / 1000), errors };
}

/** After each update acknowledged by one instance: ms until every other instance answers that version. */
async function invalidationLag(
  urls: string[],
  admin: { email: string; password: string },
  writes: number,
): Promise<number[]> {
  const login = await gql<{ login: { token: string } }>(
    urls[0]!,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
    { e: admin.email, p: admin.password },
  );
  const auth = { authorization: `Bearer ${login.login.token}` };
  const lags: number[] = [];
  for (let n = 0; n < writes; n++) {
    const id = String(1 + (n % 20));
    const writer = n % urls.length;
    // Every instance holds the product in L1 before the write.
    for (const url of urls)
      await gql(url, 'query($id: ID!) { product(id: $id) { version } }', { id });
    const { updateProduct } = await gql<{ updateProduct: { version: number } }>(
      urls[writer]!,
      'mutation($id: ID!, $s: Int!) { updateProduct(id: $id, input: { stock: $s }) { version } }',
      { id, s: n },
      auth,
    );
    const acked = performance.now();
    await Promise.all(
      urls.map(async (url, i) => {
        if (i === writer) return;
        for (;;) {
          const { product } = await gql<{ product: { version: number } }>(
            url,
            'query($id: ID!) { product(id: $id) { version } }',
            { id },
          );
          if (product.version >= updateProduct.version) return lags.push(performance.now() - acked);
          if (performance.now() - acked > 35_000)
            throw new Error(
              `instance ${i} never saw version ${updateProduct.version} of product ${id}`,
            );
        }
      }),
    );
  }
  return lags.sort((a, b) => a - b);
}

export async function runInstances(options: InstancesOptions): Promise<void> {
  const prefix = `instances${Date.now()}`;
  const instances = await Promise.all(
    Array.from({ length: options.instances }, () => startInstance(options.databaseUrl, prefix)),
  );
  try {
    const urls = instances.map((i) => i.url);
    const one = await throughput(urls.slice(0, 1), options.seconds, options.concurrency);
    const all = await throughput(urls, options.seconds, options.concurrency);
    const lags = await invalidationLag(urls, options.admin, options.writes ?? 50);
    const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? NaN;
    console.log(
      `\nwarm product page, ${options.concurrency} concurrent clients, ${options.seconds} s, client-side round robin`,
    );
    console.log(`  1 instance:  ${one.rps.toFixed(0)} req/s (${one.errors} errors)`);
    console.log(
      `  ${options.instances} instances: ${all.rps.toFixed(0)} req/s (${all.errors} errors), ${(all.rps / one.rps).toFixed(2)}x`,
    );
    console.log(
      `cross-instance invalidation lag (${lags.length} samples: update acknowledged -> another instance answers it)`,
    );
    console.log(
      `  p50 ${at(0.5).toFixed(1)} ms  p99 ${at(0.99).toFixed(1)} ms  max ${(lags.at(-1) ?? NaN).toFixed(1)} ms`,
    );
  } finally {
    for (const instance of instances) instance.process.kill('SIGTERM');
  }
}
