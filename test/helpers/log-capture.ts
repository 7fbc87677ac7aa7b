/**
 * The app's JSON logger (createLogger) with its lines kept in memory, so tests can read
 * what the app logged (request lines, warnings) exactly as production would
 * write them.
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/logger.js';

export interface CapturedLog {
  logger: Logger;
  /** Every line so far, parsed. */
  readonly lines: Array<Record<string, unknown>>;
  /** Every line so far, as written. */
  readonly text: string;
}

export function captureLog(level = 'info'): CapturedLog {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: createLogger({ level, destination: stream }),
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    get text() {
      return raw.join('\n');
    },
  };
}
