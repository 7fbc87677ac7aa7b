/**
 * Where the JSON logger's lines go: a file descriptor (stdout), written in
 * chunks. Each line is encoded straight into a reused buffer; once a chunk
 * holds `chunkBytes` (or FLUSH_EVERY_MS after its first line, or when the
 * process exits) it is written with one `writev`, while the next lines fill
 * another buffer.
 *
 * Why not pino's own asynchronous destination (sonic-boom 4 and 5): it keeps
 * the pending lines as one growing string and measures that string's UTF-8
 * length on every write, which flattens it each time, so every line copies
 * the chunk gathered so far. Measured on this machine with a warm read's
 * 250-byte line: 1.2 µs per line on its own and ~3.5 µs per request in the
 * server (a sixth of a reused read), against 0.2 µs here; larger chunks made
 * it worse, not better.
 *
 * A file or a terminal is written synchronously, as Node writes
 * `process.stdout` there (such a write never waits for a reader); handing a
 * chunk to libuv's thread pool instead cost ~1 µs more per request on one
 * core. A pipe or a socket, which blocks while its reader lags, is written
 * from the thread pool, so the event loop never waits for it:
 * - Output that does not keep up (a blocked pipe) queues chunks up to
 *   `maxPendingBytes`; further lines are dropped and counted (`onDrop`),
 *   as sonic-boom's `maxLength` does, rather than growing without bound.
 * - A partial write continues where it stopped; EAGAIN is retried.
 * - Any other write error (EPIPE: nobody reads stdout) stops the output:
 *   it is reported once on stderr and later lines are dropped and counted.
 *   Nothing is ever thrown into a caller.
 * - On exit (normal, `process.exit`, an uncaught exception) what is queued
 *   is written synchronously. A process killed outright (SIGKILL) loses it.
 */
import fs from 'node:fs';

/** The file-system calls used, so a test can slow them down or fail them. */
export interface LogOutput {
  writev(fd: number, chunks: Buffer[], done: (error: Error | null, written: number) => void): void;
  writevSync(fd: number, chunks: Buffer[]): number;
  writeSync(fd: number, chunk: Buffer): number;
}

export interface LogStreamOptions {
  /** Default 1 (stdout). */
  fd?: number;
  /** A chunk is written once it holds this many bytes (and at least every FLUSH_EVERY_MS). */
  chunkBytes: number;
  /** Bytes waiting to be written beyond which new lines are dropped. Default 16 MiB. */
  maxPendingBytes?: number;
  /** Called with the number of lines dropped, each time some are. */
  onDrop?: (lines: number) => void;
  /** Write synchronously; default: when `fd` is a file or a terminal (not a pipe or a socket). */
  sync?: boolean;
  output?: LogOutput;
}

export const FLUSH_EVERY_MS = 250;
const DEFAULT_MAX_PENDING = 16 * 1024 * 1024;
const RETRY_EAGAIN_MS = 10;
/** Spare buffers kept for reuse once written. */
const SPARES = 2;

const nodeOutput: LogOutput = {
  writev: (fd, chunks, done) => fs.writev(fd, chunks, (error, written) => done(error, written)),
  writevSync: (fd, chunks) => fs.writevSync(fd, chunks),
  writeSync: (fd, chunk) => fs.writeSync(fd, chunk),
};

/** Whether writes to `fd` never wait for a reader: a regular file or a character device (a terminal, /dev/null). */
function neverWaits(fd: number): boolean {
  try {
    const stat = fs.fstatSync(fd);
    return stat.isFile() || stat.isCharacterDevice();
  } catch {
    return false;
  }
}

export class LogStream {
  private readonly fd: number;
  private readonly chunkBytes: number;
  private readonly capacity: number;
  private readonly maxPending: number;
  private readonly output: LogOutput;
  private readonly sync: boolean;
  private readonly onDrop: ((lines: number) => void) | undefined;
  /** The chunk being filled. */
  private buffer: Buffer;
  private used = 0;
  /** Filled chunks, oldest first, each a view of a buffer (`owners` holds the buffers to reuse). */
  private queue: Buffer[] = [];
  private owners: Buffer[] = [];
  private queuedBytes = 0;
  /** What the write in flight holds (its buffers return to `spares` once written). */
  private inFlight: Buffer[] = [];
  private inFlightOwners: Buffer[] = [];
  private readonly spares: Buffer[] = [];
  private writing = false;
  private broken = false;
  private timer: NodeJS.Timeout | undefined;
  private waiting: Array<() => void> = [];
  /** Lines dropped so far (blocked or broken output). */
  dropped = 0;

  constructor(options: LogStreamOptions) {
    this.fd = options.fd ?? 1;
    this.chunkBytes = Math.max(1, options.chunkBytes);
    // Room for a chunk plus one long line, so a chunk rarely ends early.
    this.capacity = Math.max(2 * this.chunkBytes, 64 * 1024);
    this.maxPending = options.maxPendingBytes ?? DEFAULT_MAX_PENDING;
    this.output = options.output ?? nodeOutput;
    this.sync = options.sync ?? neverWaits(this.fd);
    this.onDrop = options.onDrop;
    this.buffer = Buffer.allocUnsafe(this.capacity);
    atExit.add(new WeakRef(this));
    installExitHook();
  }

  /** Takes one line (pino's DestinationStream). */
  write(line: string): boolean {
    if (this.broken || this.queuedBytes + this.used > this.maxPending) {
      this.drop(1);
      return true;
    }
    // Encoded straight into the chunk when it surely fits (UTF-8: at most 3 bytes per UTF-16 unit).
    if (line.length * 3 > this.capacity - this.used) {
      const bytes = Buffer.byteLength(line);
      if (bytes > this.capacity - this.used) {
        this.seal();
        if (bytes > this.capacity) {
          this.enqueue(Buffer.from(line), undefined);
          this.kick();
          return true;
        }
      }
    }
    const first = this.used === 0;
    this.used += this.buffer.write(line, this.used);
    if (this.used >= this.chunkBytes) {
      this.seal();
      this.kick();
    } else if (first && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.seal();
        this.kick();
      }, FLUSH_EVERY_MS);
      this.timer.unref();
    }
    return true;
  }

  /** Writes what is gathered now; `done` runs once it has been written (or dropped). */
  flush(done?: (error?: Error) => void): void {
    this.seal();
    if (done) {
      if (!this.writing && this.queue.length === 0) done();
      else this.waiting.push(() => done());
    }
    this.kick();
  }

  /** Writes everything gathered, synchronously (exit); a write already in flight is left to finish. */
  flushSync(): void {
    this.seal();
    if (this.broken) return;
    for (const chunk of this.queue) {
      let rest = chunk;
      for (let tries = 0; rest.length > 0 && tries < 1000; tries++) {
        try {
          rest = rest.subarray(this.output.writeSync(this.fd, rest));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
        }
      }
    }
    this.queue = [];
    this.owners = [];
    this.queuedBytes = 0;
  }

  /** Flushes and stops (no more exit hook). */
  end(): void {
    this.flushSync();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const ref of atExit) if (ref.deref() === this) atExit.delete(ref);
  }

  /** Moves the chunk being filled to the queue and starts a new one. */
  private seal(): void {
    if (this.used === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.enqueue(this.buffer.subarray(0, this.used), this.buffer);
    this.buffer = this.spares.pop() ?? Buffer.allocUnsafe(this.capacity);
    this.used = 0;
  }

  private enqueue(chunk: Buffer, owner: Buffer | undefined): void {
    this.queue.push(chunk);
    if (owner) this.owners.push(owner);
    this.queuedBytes += chunk.length;
  }

  /** Starts a write of every queued chunk unless one is in flight. */
  private kick(): void {
    if (this.writing || this.queue.length === 0 || this.broken) return;
    this.writing = true;
    this.inFlight = this.queue;
    this.inFlightOwners = this.owners;
    this.queue = [];
    this.owners = [];
    this.send();
  }

  private send(): void {
    if (!this.sync) {
      this.output.writev(this.fd, this.inFlight, (error, written) => this.sent(error, written));
      return;
    }
    let written: number;
    try {
      written = this.output.writevSync(this.fd, this.inFlight);
    } catch (error) {
      return this.sent(error as Error, 0);
    }
    this.sent(null, written);
  }

  private sent(error: Error | null, written: number): void {
    if (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        setTimeout(() => this.send(), RETRY_EAGAIN_MS).unref();
        return;
      }
      return this.fail(error);
    }
    this.queuedBytes -= written;
    this.inFlight = skip(this.inFlight, written);
    if (this.inFlight.length > 0) return this.send();
    for (const owner of this.inFlightOwners)
      if (this.spares.length < SPARES) this.spares.push(owner);
    this.inFlightOwners = [];
    this.writing = false;
    if (this.queue.length > 0) this.kick();
    else this.settle();
  }

  private fail(error: Error): void {
    this.broken = true;
    this.writing = false;
    const lines = [...this.inFlight, ...this.queue].reduce((n, c) => n + countLines(c), 0);
    this.inFlight = [];
    this.queue = [];
    this.owners = [];
    this.queuedBytes = 0;
    this.drop(lines);
    this.settle();
    try {
      process.stderr.write(
        `catalog-api: log output failed (${error.message}); further log lines are dropped\n`,
      );
    } catch {
      // stderr is gone as well: nothing left to tell.
    }
  }

  private drop(lines: number): void {
    if (lines === 0) return;
    this.dropped += lines;
    this.onDrop?.(lines);
  }

  private settle(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const done of waiting) done();
  }
}

/** Streams to flush on exit, held weakly so a dropped logger can be collected. */
const atExit = new Set<WeakRef<LogStream>>();
let exitHookInstalled = false;

function installExitHook(): void {
  for (const ref of atExit) if (!ref.deref()) atExit.delete(ref);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const ref of atExit) ref.deref()?.flushSync();
  });
}

/** The chunks left after the first `bytes` of them were written. */
function skip(chunks: Buffer[], bytes: number): Buffer[] {
  let i = 0;
  while (i < chunks.length && bytes >= chunks[i]!.length) bytes -= chunks[i++]!.length;
  if (i === chunks.length) return [];
  const rest = chunks.slice(i);
  rest[0] = rest[0]!.subarray(bytes);
  return rest;
}

function countLines(chunk: Buffer): number {
  let n = 0;
  for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) n++;
  return n;
}
