/**
 * Runs `npm run dev` the way a developer does, waits until the API answers a
 * real query, and stops it with SIGTERM (as Ctrl+C would), reporting how it went.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { REDIS_URL } from './env.js';

export interface DevRun {
  /** npm re-raises the signal it forwarded, so a clean stop is exit code 0 or "SIGTERM". */
  exitCode: number | string | null;
  output: string;
  /** Seconds from spawning `npm run dev` to the first answered query; null if it never answered. */
  readySeconds: number | null;
  totalCount: number | null;
}

const QUERY = JSON.stringify({
  query: '{ products(first: 1) { totalCount edges { node { name category { name } } } } }',
});

async function answer(url: string): Promise<number | null> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: QUERY,
    });
    const body = (await res.json()) as { data?: { products?: { totalCount: number } } };
    return body.data?.products?.totalCount ?? null;
  } catch {
    return null;
  }
}

export interface DevRunOptions {
  pgliteDir: string;
  args?: string[];
  timeoutMs?: number;
  /** The repository folder to run in (default: this one). */
  cwd?: string;
  /** Runs once the API answered, before the stop; `output()` is everything printed so far. */
  whileRunning?: (output: () => string) => Promise<void>;
}

/** Polls the newest "API listening" URL in `output` until it answers the query. */
export async function waitForAnswer(
  output: () => string,
  timeoutMs: number,
  skip = 0,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const urls = [...output().matchAll(/"url":"(http:\/\/127\.0\.0\.1:\d+\/graphql)"/g)].map(
      (m) => m[1]!,
    );
    const url = urls.length > skip ? urls.at(-1) : undefined;
    if (url) {
      const count = await answer(url);
      if (count !== null) return count;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

export async function runDev(options: DevRunOptions): Promise<DevRun> {
  const started = performance.now();
  const child = spawn(
    'npm',
    ['run', '--silent', 'dev', ...(options.args?.length ? ['--', ...options.args] : [])],
    {
      env: {
        ...process.env,
        DATABASE_URL: '',
        PGLITE_DIR: options.pgliteDir,
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL,
        CACHE_PREFIX: `devtest${randomBytes(3).toString('hex')}`,
        NODE_ENV: 'development',
        // One JSON object per log line, so the "API listening" URL can be read.
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.cwd,
      // Its own process group, signalled as a whole like a terminal's Ctrl+C:
      // npm exits on SIGTERM without passing it on to the script.
      detached: true,
    },
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close', not 'exit': npm may exit as soon as it forwarded the signal; the
  // pipes close only once the dev script and the server have exited too.
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal)),
  );
  let done = false;
  void exited.then(() => (done = true));

  let readySeconds: number | null = null;
  let totalCount: number | null = null;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!done && Date.now() < deadline) {
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/graphql)"/.exec(output)?.[1];
    if (url) {
      totalCount = await answer(url);
      if (totalCount !== null) {
        readySeconds = (performance.now() - started) / 1000;
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!done && totalCount !== null && options.whileRunning)
    await options.whileRunning(() => output);
  if (!done) signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 20_000);
  const exitCode = await exited;
  clearTimeout(timer);
  return { exitCode, output, readySeconds, totalCount };
}
