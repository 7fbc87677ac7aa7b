/**
 * Runs the API in a child process (`node --import tsx src/server/main.ts`)
 * and, in watch mode, restarts it when a file under src/ or schema/ changes.
 *
 * A restart stops the old server (SIGTERM) and waits for it to exit before the
 * new one starts, so two servers never share the embedded database. (tsx's
 * and Node's own watch modes either kill a slow server with SIGKILL or do not
 * pass SIGTERM on under Node 20, so the loop is kept here.)
 *
 * The child gets its own process group: a Ctrl+C in the terminal reaches only
 * this process, which forwards one signal and waits, instead of the server
 * receiving it twice (once from the terminal, once relayed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { watch } from 'node:fs';

const WATCHED = ['src', 'schema'];
/** Written by codegen, type declarations only (erased at run time): no restart for them. */
const IGNORED = /^graphql[\\/]generated(?:[\\/]|$)/;
const DEBOUNCE_MS = 200;

function start(): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    stdio: 'inherit',
    detached: process.platform !== 'win32',
  });
}

function exited(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child.exitCode ?? 1);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 143))),
  );
}

/** Runs the server until this process is asked to stop; resolves with the exit code to use. */
export function runServer(options: {
  watch: boolean;
  onCrash?: (code: number) => void;
}): Promise<number> {
  let child = start();
  let stopping = false;
  let restarting: Promise<void> | undefined;

  const killOrphan = () => {
    // If this process dies first, do not leave the server holding the database.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', killOrphan);

  return new Promise((resolve) => {
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      console.log(`API stopped (exit code ${code}).`);
      process.off('exit', killOrphan);
      resolve(code);
    };
    const onChildExit = (which: ChildProcess) =>
      void exited(which).then((code) => {
        if (which !== child || restarting) return; // replaced by a restart
        if (!stopping && code !== 0) options.onCrash?.(code);
        if (stopping || !options.watch) finish(code);
        else
          console.error(
            `\n✖ The API stopped (exit code ${code}); it starts again when you save a file under src/ or schema/.`,
          );
      });
    onChildExit(child);

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (stopping) return; // one stop request is enough; the server is draining
        stopping = true;
        void (restarting ?? Promise.resolve()).then(async () => {
          child.kill(signal);
          finish(await exited(child));
        });
      });
    }
    if (!options.watch) return;

    let timer: NodeJS.Timeout | undefined;
    const restart = () => {
      if (stopping || restarting) return;
      restarting = (async () => {
        console.log('\n▸ A source file changed: restarting the API');
        child.kill('SIGTERM');
        await exited(child);
        if (!stopping) {
          child = start();
          onChildExit(child);
        }
      })().finally(() => (restarting = undefined));
    };
    for (const dir of WATCHED) {
      watch(dir, { recursive: true }, (_event, file) => {
        if (dir === 'src' && file && IGNORED.test(file)) return;
        clearTimeout(timer);
        timer = setTimeout(restart, DEBOUNCE_MS);
      }).unref();
    }
  });
}
