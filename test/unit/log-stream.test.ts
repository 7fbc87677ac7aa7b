/**
 * The logger's chunked output (src/observability/log-stream.ts): every line
 * arrives whole and in order, across chunk boundaries, for long and
 * multi-byte lines, after partial writes and EAGAIN, written synchronously to
 * a file and from the thread pool to a pipe; a quiet stream writes
 * within FLUSH_EVERY_MS; output that does not keep up bounds what waits and
 * counts what it drops; a failed output drops and never throws; lines
 * gathered when the process exits are written (a real child process, real
 * pipe). The slow or failing outputs wrap the real file-system calls.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FLUSH_EVERY_MS, type LogOutput, LogStream } from '../../src/observability/log-stream.js';

let dir: string;
let file: string;
let fd: number;
const streams: LogStream[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'log-stream-'));
  file = path.join(dir, 'out.log');
  fd = fs.openSync(file, 'w');
});

afterEach(() => {
  for (const s of streams.splice(0)) s.end();
  fs.closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

function open(options: Partial<ConstructorParameters<typeof LogStream>[0]> = {}): LogStream {
  const stream = new LogStream({ fd, chunkBytes: 4096, ...options });
  streams.push(stream);
  return stream;
}

const flushed = (stream: LogStream) =>
  new Promise<void>((resolve) => stream.flush(() => resolve()));
const written = () => readFileSync(file, 'utf8');

/** Real writes, at most `max` bytes per call, with an EAGAIN before every other call. */
function trickle(max: number): LogOutput {
  let calls = 0;
  const eagain = () => calls++ % 2 === 0;
  const error = () => Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
  return {
    writev: (target, chunks, done) => {
      if (eagain()) return done(error(), 0);
      fs.write(target, Buffer.concat(chunks).subarray(0, max), (e, n) => done(e, n));
    },
    writevSync: (target, chunks) => {
      if (eagain()) throw error();
      return fs.writeSync(target, Buffer.concat(chunks).subarray(0, max));
    },
    writeSync: (target, chunk) => fs.writeSync(target, chunk),
  };
}

describe('LogStream', () => {
  it('writes to a file synchronously, to a pipe from the thread pool', async () => {
    const calls: string[] = [];
    const spy: LogOutput = {
      writev: (target, chunks, done) => {
        calls.push('writev');
        fs.writev(target, chunks, (e, n) => done(e, n));
      },
      writevSync: (target, chunks) => {
        calls.push('writevSync');
        return fs.writevSync(target, chunks);
      },
      writeSync: (target, chunk) => fs.writeSync(target, chunk),
    };
    const toFile = open({ chunkBytes: 10, output: spy });
    toFile.write('{"to":"file"}\n');
    expect(written()).toBe('{"to":"file"}\n');
    expect(calls).toEqual(['writevSync']);

    const fifo = path.join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // Read and write ends in one descriptor: opening it never waits for a reader.
    const pipe = fs.openSync(fifo, 'r+');
    try {
      const toPipe = new LogStream({ fd: pipe, chunkBytes: 10, output: spy });
      streams.push(toPipe);
      toPipe.write('{"to":"pipe"}\n');
      await flushed(toPipe);
      expect(calls).toEqual(['writevSync', 'writev']);
      const got = Buffer.alloc(64);
      expect(got.toString('utf8', 0, fs.readSync(pipe, got))).toBe('{"to":"pipe"}\n');
      toPipe.end();
    } finally {
      fs.closeSync(pipe);
    }
  });

  it.each([true, false])(
    'writes every line whole and in order, across chunks, for long and multi-byte lines (sync: %s)',
    async (sync) => {
      const stream = open({ chunkBytes: 1000, sync });
      const lines: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const text =
          i % 97 === 0 ? 'é€😀'.repeat(20) : i === 500 ? 'x'.repeat(200_000) : `line ${i}`;
        lines.push(`{"i":${i},"t":"${text}"}\n`);
      }
      for (const line of lines) stream.write(line);
      await flushed(stream);
      expect(written()).toBe(lines.join(''));
      expect(stream.dropped).toBe(0);
    },
  );

  it.each([true, false])('continues after partial writes and EAGAIN (sync: %s)', async (sync) => {
    const stream = open({ chunkBytes: 512, output: trickle(100), sync });
    const lines = Array.from({ length: 120 }, (_, i) => `{"n":${i},"msg":"ünïcode ${i}"}\n`);
    for (const line of lines) stream.write(line);
    await flushed(stream);
    expect(written()).toBe(lines.join(''));
  });

  it('a quiet stream writes what it has within FLUSH_EVERY_MS', async () => {
    const stream = open({ chunkBytes: 1 << 20 });
    stream.write('{"quiet":true}\n');
    expect(written()).toBe('');
    await new Promise((resolve) => setTimeout(resolve, FLUSH_EVERY_MS + 150));
    expect(written()).toBe('{"quiet":true}\n');
  });

  it('output that does not keep up: what waits is bounded, the rest is dropped and counted, what was kept arrives in order', async () => {
    let release: (() => void) | undefined;
    let blocked = true;
    const held: LogOutput = {
      writev: (target, chunks, done) => {
        const write = () => fs.writev(target, chunks, (error, n) => done(error, n));
        // Writes hang (a blocked pipe) until released.
        if (!blocked) return write();
        release = () => {
          blocked = false;
          write();
        };
      },
      writevSync: () => {
        throw new Error('a pipe is written from the thread pool');
      },
      writeSync: (target, chunk) => fs.writeSync(target, chunk),
    };
    const drops: number[] = [];
    const stream = open({
      sync: false,
      chunkBytes: 100,
      maxPendingBytes: 10_000,
      output: held,
      onDrop: (n) => drops.push(n),
    });
    const line = (i: number) => `{"i":${String(i).padStart(5, '0')}}\n`; // 12 bytes
    for (let i = 0; i < 2000; i++) stream.write(line(i));
    expect(written()).toBe('');
    expect(stream.dropped).toBeGreaterThan(1000);
    expect(drops.reduce((a, b) => a + b, 0)).toBe(stream.dropped);
    const done = flushed(stream);
    release!();
    await done;
    const lines = written().split('\n').filter(Boolean);
    expect(lines.length).toBe(2000 - stream.dropped);
    expect(lines.length * 12).toBeLessThanOrEqual(10_000 + 200);
    // The oldest lines were kept, in order.
    expect(lines).toEqual(Array.from({ length: lines.length }, (_, i) => line(i).trim()));
  });

  it('a failed output (nobody reads it) drops lines and never throws', async () => {
    const failing: LogOutput = {
      writev: (_target, _chunks, done) =>
        done(Object.assign(new Error('EPIPE: broken pipe'), { code: 'EPIPE' }), 0),
      writevSync: () => {
        throw Object.assign(new Error('EPIPE: broken pipe'), { code: 'EPIPE' });
      },
      writeSync: () => {
        throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      },
    };
    const stderr = process.stderr.write;
    const told: string[] = [];
    process.stderr.write = ((chunk: string) => told.push(String(chunk)) > 0) as typeof stderr;
    try {
      const stream = open({ chunkBytes: 10, output: failing, sync: false });
      for (let i = 0; i < 50; i++) expect(stream.write(`{"i":${i}}\n`)).toBe(true);
      await flushed(stream);
      expect(stream.dropped).toBe(50);
      expect(() => stream.flushSync()).not.toThrow();
    } finally {
      process.stderr.write = stderr;
    }
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/log output failed \(EPIPE/);
  });

  it('writes what is gathered when the process exits (process.exit right after logging)', () => {
    const module = path.resolve('src/observability/log-stream.ts');
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { LogStream } = await import(${JSON.stringify(module)});
         const s = new LogStream({ chunkBytes: 1 << 20 });
         for (let i = 0; i < 5000; i++) s.write('{"n":' + i + '}\\n');
         process.exit(0);`,
      ],
      { encoding: 'utf8' },
    );
    expect(child.status).toBe(0);
    const lines = child.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(5000);
    expect(lines.at(-1)).toBe('{"n":4999}');
  });
});
