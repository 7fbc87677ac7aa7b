/**
 * `npm run dev` as a new user meets it: five first runs in a row, each from
 * nothing, then a second start on the same folder; a damaged embedded
 * database is reported with the command that resets it, and that command works.
 * Each run waits until the API answers a real query and stops it with SIGTERM.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDev, waitForAnswer, type DevRun } from '../helpers/dev-run.js';

const root = mkdtempSync(path.join(tmpdir(), 'catalog-dev-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const timings: string[] = [];
afterAll(() =>
  console.log(`npm run dev, seconds until the first answered query:\n  ${timings.join('\n  ')}`),
);

function expectReadyAndStoppedCleanly(run: DevRun, dir: string): void {
  expect(run.totalCount, run.output).toBe(1000);
  expect([0, 'SIGTERM'], run.output).toContain(run.exitCode);
  expect(run.output).toContain('API stopped (exit code 0).');
  // The server closed the database: its one-process lock is released.
  expect(existsSync(`${dir}.lock`)).toBe(false);
}

describe('npm run dev', { timeout: 600_000 }, () => {
  it('starts from nothing five times in a row, each run migrating, seeding and answering, then stopping cleanly', async () => {
    for (let i = 1; i <= 5; i++) {
      const dir = path.join(root, `first-${i}`, 'pglite');
      const run = await runDev({ pgliteDir: dir });
      timings.push(`first run ${i}: ${run.readySeconds?.toFixed(1)}`);
      expectReadyAndStoppedCleanly(run, dir);
      expect(run.output).toContain('applied 20261123063302_init');
      expect(run.output).toMatch(/seeded 1000 products/);
    }
  });

  it('starts again on the same folder without generating, migrating or seeding anything', async () => {
    const dir = path.join(root, 'first-5', 'pglite');
    const run = await runDev({ pgliteDir: dir });
    timings.push(`second start on the same folder: ${run.readySeconds?.toFixed(1)}`);
    expectReadyAndStoppedCleanly(run, dir);
    expect(run.output).toContain('Prisma client (prisma generate): up to date');
    expect(run.output).toContain('(graphql-codegen): up to date');
    expect(run.output).toContain('nothing to do');
    expect(run.output).not.toMatch(/seeded \d+ products/);
  });

  it('reports a damaged embedded database with the exact command that resets it, and that command recovers', async () => {
    const dir = path.join(root, 'first-4', 'pglite');
    // A process that died holding the database (its lock left behind) and a damaged control file.
    const deadPid = Number(execFileSync(process.execPath, ['-p', 'process.pid']).toString());
    writeFileSync(`${dir}.lock`, String(deadPid));
    truncateSync(path.join(dir, 'global', 'pg_control'), 0);

    const broken = await runDev({ pgliteDir: dir });
    expect(broken.exitCode).toBe(1);
    expect(broken.totalCount).toBeNull();
    expect(broken.output).toContain('cannot be opened');
    expect(broken.output).toContain('npm run dev -- --reset');

    const reset = await runDev({ pgliteDir: dir, args: ['--reset'] });
    timings.push(`--reset and start over: ${reset.readySeconds?.toFixed(1)}`);
    expectReadyAndStoppedCleanly(reset, dir);
    expect(reset.output).toMatch(/seeded 1000 products/);
  });

  it('refuses to open an embedded database that another running process holds', async () => {
    const dir = path.join(root, 'first-3', 'pglite');
    writeFileSync(`${dir}.lock`, String(process.pid)); // this test process: alive
    rmSync(`${dir}.ready`, { force: true });
    try {
      const run = await runDev({ pgliteDir: dir });
      expect(run.exitCode).toBe(1);
      expect(run.output).toContain(`is in use by process ${process.pid}`);
    } finally {
      rmSync(`${dir}.lock`, { force: true });
    }
  });
});

describe('npm run dev watch mode', { timeout: 300_000 }, () => {
  it('restarts the API when a schema or source file changes, the old server gone before the new one opens the database', async () => {
    // A copy of the repository's sources, so the test can edit files without touching the real ones.
    const repo = path.join(root, 'repo');
    for (const entry of [
      'src',
      'schema',
      'scripts',
      'prisma',
      'client',
      'package.json',
      'tsconfig.json',
      'codegen.yml',
      'prisma.config.ts',
    ]) {
      cpSync(entry, path.join(repo, entry), { recursive: true });
    }
    symlinkSync(path.resolve('node_modules'), path.join(repo, 'node_modules'));
    const dir = path.join(root, 'watch', 'pglite');
    const run = await runDev({
      pgliteDir: dir,
      cwd: repo,
      whileRunning: async (output) => {
        for (const [i, file] of ['schema/catalog.graphql', 'src/graphql/args.ts'].entries()) {
          appendFileSync(path.join(repo, file), '\n');
          // Each change: the API restarts and answers again on its new port.
          await expect(waitForAnswer(output, 60_000, i + 1)).resolves.toBe(1000);
        }
      },
    });
    expectReadyAndStoppedCleanly(run, dir);
    expect(run.output.match(/restarting the API/g)?.length).toBe(2);
    // The lock would have refused a new server opening the database while the old one held it.
    expect(run.output).not.toContain('is in use by process');
    expect(run.output.match(/"msg":"API listening"/g)?.length).toBe(3);
    // A schema edit also reran codegen (its fingerprint changed).
    expect(run.output).toMatch(/graphql-codegen\): generating/);
  });
});
