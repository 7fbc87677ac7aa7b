/**
 * The API as a real child process (`node --import tsx src/server/main.ts`),
 * as an operator runs it, for what only a process shows: signals, exit codes
 * and everything it prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ApiProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  readonly output: string;
  readonly stderr: string;
  /** Resolves when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the port once the API logged that it listens; rejects if it exits first. */
  listening(timeoutMs?: number): Promise<number>;
}

export function spawnApi(env: Record<string, string>): ApiProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    // Only what the test gives, plus PATH: no secrets from the outer environment.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    get output() {
      return stdout + stderr;
    },
    get stderr() {
      return stderr;
    },
    exited,
    listening: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      let done = false;
      void exited.then(() => (done = true));
      while (Date.now() < deadline && !done) {
        const m = /"msg":"API listening"/.test(stdout) && /"port":(\d+)/.exec(stdout);
        if (m) return Number(m[1]);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      throw new Error(`the API did not start:\n${stdout}${stderr}`);
    },
  };
}
