/**
 * The structured logger (pino). Built by the composition root, never at module load.
 *
 * JSON lines go to stdout through LogStream (log-stream.ts) when
 * `bufferBytes` > 0: lines are gathered and written in chunks of about that
 * size, and at least every 250 ms, so a quiet server's lines are never late
 * by more than that; what is gathered is written synchronously when the
 * process exits. Writing each request's line on its own cost ~15% of a warm
 * read (one write(2) per request; measured with `node --cpu-prof`). A crash
 * that kills the process outright (SIGKILL, power) can lose the last chunk.
 *
 * `pretty` output uses pino-pretty, a development-only dependency: when it is
 * not installed (a production image without dev dependencies) the logger
 * falls back to JSON lines instead of failing.
 */
import { createRequire } from 'node:module';
import { type DestinationStream, pino, type Logger } from 'pino';
import { LogStream } from './log-stream.js';

export type { Logger };

export interface LoggerOptions {
  level: string;
  format?: 'json' | 'pretty';
  name?: string;
  /** JSON only: write in chunks of about this many bytes (0: every line at once). */
  bufferBytes?: number;
  /** JSON only: where lines go instead of stdout (tests read them from memory). */
  destination?: DestinationStream;
  /** Called with the number of lines dropped because stdout does not keep up or failed (chunked output only). */
  onDrop?: (lines: number) => void;
}

/** Loggers built here as plain JSON lines: nothing customizes how pino serializes a line. */
const plainJson = new WeakSet<Logger>();

export function createLogger(options: LoggerOptions): Logger {
  const { level, format = 'json', name = 'catalog-api', bufferBytes = 0 } = options;
  if (format === 'pretty' && prettyAvailable()) {
    return pino({
      name,
      level,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name' },
      },
    });
  }
  if (options.destination) return plain(pino({ name, level }, options.destination));
  if (bufferBytes <= 0) return plain(pino({ name, level }));
  return plain(
    pino({ name, level }, new LogStream({ chunkBytes: bufferBytes, onDrop: options.onDrop })),
  );
}

function plain(logger: Logger): Logger {
  plainJson.add(logger);
  return logger;
}

/** Writes one line whose fields are already JSON: `"key":value,...` (no braces), ending with `"msg"`. */
export type LineWriter = (level: 'debug' | 'info' | 'warn' | 'error', fields: string) => void;

/**
 * A writer of lines built by the caller, for the one line every request
 * logs: against LOG_LEVEL=warn, a reused read's line cost about 13 µs of
 * CPU built by pino's serializer and 6 to 8 µs built from a template (the
 * rest is the stream's writes). The line is the one pino writes for
 * `logger[level](fields, msg)`: level, time, the logger's bindings (pid,
 * hostname, name), then the fields, to the logger's own
 * stream. Only for loggers built by createLogger as JSON lines (nothing
 * customizes their serialization); undefined for any other logger (pretty
 * output, a logger passed in), whose callers use the logger itself.
 */
export function lineWriter(logger: Logger): LineWriter | undefined {
  if (!plainJson.has(logger)) return undefined;
  // pino.symbols: pino's documented handles on a logger's internals.
  const internals = logger as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as DestinationStream;
  const bindings = internals[pino.symbols.chindingsSym] as string;
  const values = logger.levels.values;
  return (level, fields) => {
    if (!logger.isLevelEnabled(level)) return;
    stream.write(`{"level":${values[level]},"time":${Date.now()}${bindings},${fields}}\n`);
  };
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
