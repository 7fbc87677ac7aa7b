/**
 * Progress display for the seed on a terminal. On a TTY a cli-progress bar;
 * elsewhere (CI logs, pipes) nothing until the caller prints its final line,
 * because a redrawn bar turns into thousands of lines in a log file.
 *
 * The ETA is computed here, not by cli-progress: its own estimate shows `NFs`
 * while the rate is unknown and `3m60s` when 239.6 s is split into minutes and
 * rounded seconds separately.
 */
import cliProgress from 'cli-progress';
import type { SeedProgress } from './seed-catalog.js';

export interface ProgressReporter {
  onProgress(progress: SeedProgress): void;
  /** Finishes the bar (if any) so later output starts on a fresh line. */
  stop(): void;
}

/** Seconds left at the average rate so far; null while there is no rate to go by. */
export function estimateSecondsLeft(done: number, total: number, elapsedMs: number): number | null {
  if (done <= 0 || elapsedMs <= 0 || !Number.isFinite(done / elapsedMs)) return null;
  return (Math.max(0, total - done) * elapsedMs) / done / 1000;
}

/** `12s`, `4m00s`, `1h02m`: rounded once, then split, so it never shows 60 in a field. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '…';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A reporter that draws on `stream` when it is a TTY and stays silent otherwise. */
export function createProgressReporter(
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = performance.now.bind(performance),
): ProgressReporter {
  if (!stream.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'Seeding {table} [{bar}] {percentage}% | {value}/{total} rows | ETA {eta_text}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedAt: number | undefined;
  return {
    onProgress: ({ table, done, total }) => {
      const payload = { table: table.padEnd(10), eta_text: '…' };
      if (startedAt === undefined) {
        startedAt = now();
        bar.start(total, done, payload);
      }
      payload.eta_text = formatEta(estimateSecondsLeft(done, total, now() - startedAt));
      bar.setTotal(total);
      bar.update(done, payload);
    },
    stop: () => {
      if (startedAt !== undefined) bar.stop();
    },
  };
}
