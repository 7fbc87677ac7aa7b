/**
 * Start-up failures as an operator sees them: one line naming the setting
 * and what is wrong, exit code 2 for configuration (a bad setting, a port in
 * use), and never a secret — not JWT_SECRET, not the password inside
 * DATABASE_URL or REDIS_URL — in anything the process prints.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { spawnApi } from '../helpers/api-process.js';
import { freePort } from '../../scripts/bench/free-port.js';

const JWT_MARK = 'short-jwt-MARK';
const DB_PASSWORD = 'db-pw-MARK-93f1';
const REDIS_PASSWORD = 'redis-pw-MARK-7a2c';

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(JWT_MARK);
  expect(text).not.toContain(DB_PASSWORD);
  expect(text).not.toContain(REDIS_PASSWORD);
  expect(text).not.toMatch(/MARK/);
}

async function run(env: Record<string, string>) {
  const api = spawnApi(env);
  const exit = await api.exited;
  return { exit, output: api.output, stderr: api.stderr };
}

describe('start-up errors', () => {
  it('a bad JWT_SECRET and a DATABASE_URL with a password: one line naming JWT_SECRET, exit 2, neither secret printed', async () => {
    const closed = await freePort();
    const { exit, output, stderr } = await run({
      NODE_ENV: 'production',
      JWT_SECRET: JWT_MARK,
      DATABASE_URL: `postgresql://app:${DB_PASSWORD}@127.0.0.1:${closed}/catalog`,
      REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${closed}`,
    });
    expect(exit.code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/JWT_SECRET.*at least 32 characters/);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    expectNoSecrets(output);
  }, 60_000);

  it('an unparsable DATABASE_URL: named, its value hidden, exit 2', async () => {
    const { exit, output, stderr } = await run({
      NODE_ENV: 'production',
      JWT_SECRET: 'j'.repeat(40),
      DATABASE_URL: `postgresql://app:${DB_PASSWORD}@[not-a-host/catalog`,
    });
    expect(exit.code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/DATABASE_URL.*not a valid URL/);
    expectNoSecrets(output);
  }, 60_000);

  it('PostgreSQL unreachable with a password in DATABASE_URL: one line, exit 1, the password never printed', async () => {
    const closed = await freePort();
    const { exit, output, stderr } = await run({
      NODE_ENV: 'production',
      JWT_SECRET: 'j'.repeat(40),
      DATABASE_URL: `postgresql://app:${DB_PASSWORD}@127.0.0.1:${closed}/catalog`,
      REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${closed}`,
    });
    expect(exit.code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/DATABASE_URL/);
    expect(output).not.toMatch(/\n\s+at /);
    expectNoSecrets(output);
  }, 60_000);

  it('a port in use: one line naming PORT, exit 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { exit, output, stderr } = await run({
        NODE_ENV: 'test',
        PORT: String(port),
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
        REDIS_URL: 'redis://127.0.0.1:1',
        LOG_LEVEL: 'silent',
      });
      expect(exit.code).toBe(2);
      expect(stderr.trim()).toBe(
        `catalog-api: PORT=${port}: 127.0.0.1:${port} is already in use; stop the other process or choose another PORT`,
      );
      expect(output).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('loadConfig errors name each setting and why, with URL passwords masked and secrets hidden', () => {
    const attempt = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    const message = attempt({
      JWT_SECRET: JWT_MARK,
      REDIS_URL: `http://:${REDIS_PASSWORD}@x`,
      SHUTDOWN_TIMEOUT_MS: '-1',
    });
    expect(message).toMatch(/JWT_SECRET=\(value hidden\): must be at least 32 characters/);
    expect(message).toMatch(/REDIS_URL="http:\/\/:\*\*\*@x\/?": must start with redis:\/\//);
    expect(message).toMatch(/SHUTDOWN_TIMEOUT_MS="-1"/);
    expect(message.split('\n')).toHaveLength(1);
    expectNoSecrets(message);
  });
});
