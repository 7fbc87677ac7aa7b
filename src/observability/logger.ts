/**
 * The structured logger (pino). Built by the composition root, never at module load.
 *
 * `pretty` output uses pino-pretty, a development-only dependency: when it is
 * not installed (a production image without dev dependencies) the logger
 * falls back to JSON lines instead of failing.
 */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level: string;
  format?: 'json' | 'pretty';
  name?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const { level, format = 'json', name = 'catalog-api' } = options;
  if (format === 'pretty' && prettyAvailable()) {
    return pino({ name, level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name' } } });
  }
  return pino({ name, level });
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
