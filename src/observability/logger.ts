/**
 * The structured logger (pino). Built by the composition root, never at module load.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'catalog-api'): Logger {
  return pino({ name, level });
}
