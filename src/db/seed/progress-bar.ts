/**
 * Progress display for the seed on a terminal. On a TTY a cli-progress bar;
 * elsewhere (CI logs, pipes) nothing until the caller prints its final line,
 * because a redrawn bar turns into thousands of lines in a log file.
 */
import cliProgress from 'cli-progress';
import type { SeedProgress } from './seed-catalog.js';

export interface ProgressReporter {
  onProgress(progress: SeedProgress): void;
  /** Finishes the bar (if any) so later output starts on a fresh line. */
  stop(): void;
}

/** A reporter that draws on `stream` when it is a TTY and stays silent otherwise. */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'Seeding {table} [{bar}] {percentage}% | {value}/{total} rows | ETA {eta_formatted}',
      etaBuffer: 20,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: ({ table, done, total }) => {
      if (!started) {
        bar.start(total, done, { table: table.padEnd(10) });
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, { table: table.padEnd(10) });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
