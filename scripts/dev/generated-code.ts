/**
 * `prisma generate` and GraphQL codegen, run only when their inputs changed.
 * A fingerprint (SHA-256 of the generator's version and every input file) is
 * stored next to the output; an equal fingerprint and an existing output mean
 * there is nothing to do, which keeps a second `npm run dev` fast.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Generator {
  name: string;
  /** Input files, relative to the repository root. */
  inputs(): string[];
  /** The folder whose existence (plus the stamp) means "generated". */
  outputs: string[];
  stamp: string;
  command: string[];
}

function filesIn(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => pattern.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

export const PRISMA_CLIENT: Generator = {
  name: 'Prisma client (prisma generate)',
  inputs: () => ['prisma/schema.prisma', 'node_modules/prisma/package.json'],
  outputs: ['src/generated/prisma'],
  stamp: 'src/generated/prisma/.inputs.sha256',
  command: ['npx', 'prisma', 'generate'],
};

export const GRAPHQL_CODEGEN: Generator = {
  name: 'GraphQL types and typed client (graphql-codegen)',
  inputs: () => [
    'codegen.yml',
    'node_modules/@graphql-codegen/cli/package.json',
    ...filesIn('schema', /\.graphql$/),
    ...filesIn('client/operations', /\.tsx?$/),
  ],
  outputs: ['src/graphql/generated', 'client/generated'],
  stamp: 'src/graphql/generated/.inputs.sha256',
  command: ['npm', 'run', '--silent', 'codegen', '--', '--silent'],
};

export function fingerprint(generator: Generator): string {
  const hash = createHash('sha256');
  for (const file of generator.inputs())
    hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

export function isUpToDate(generator: Generator): boolean {
  if (!generator.outputs.every((dir) => existsSync(dir))) return false;
  try {
    return readFileSync(generator.stamp, 'utf8').trim() === fingerprint(generator);
  } catch {
    return false;
  }
}

function run(command: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const [bin, ...args] = command as [string, ...string[]];
    const child = spawn(bin, args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      shell: process.platform === 'win32',
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `\`${command.join(' ')}\` failed (${signal ?? `exit code ${code}`}); see its output above.`,
            ),
          ),
    );
  });
}

/** Runs the generator unless its output is current; returns whether it ran. */
export async function generateIfChanged(
  generator: Generator,
  log: (message: string) => void,
): Promise<boolean> {
  if (isUpToDate(generator)) {
    log(`${generator.name}: up to date`);
    return false;
  }
  log(`${generator.name}: generating`);
  const before = fingerprint(generator);
  await run(generator.command);
  writeFileSync(generator.stamp, `${before}\n`);
  return true;
}
