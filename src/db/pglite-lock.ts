/**
 * One process per embedded data directory. PGlite has no lock of its own, and
 * two processes writing one directory corrupt it for good (issue 9: a lingering
 * `prisma migrate deploy` and the seed). The lock is a file next to the
 * directory holding the owner's pid; a lock whose process is gone (killed,
 * crashed) is taken over.
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';

export class EmbeddedDatabaseBusyError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock for `dataDir` or throws naming the process that holds it; returns the release function. */
export function lockDataDir(dataDir: string, pid = process.pid): () => void {
  const lockPath = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(pid));
      closeSync(fd);
      const release = () => {
        process.off('exit', release);
        try {
          if (readFileSync(lockPath, 'utf8') === String(pid)) rmSync(lockPath);
        } catch {
          // already gone
        }
      };
      // A process that exits without closing the database still frees the directory.
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: number;
    try {
      owner = Number(readFileSync(lockPath, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== pid && alive(owner)) {
      throw new EmbeddedDatabaseBusyError(
        `The embedded database in ${dataDir} is in use by process ${owner} (another \`npm run dev\`, seed or API). ` +
          'Stop that process first: PGlite allows one process per data directory.',
      );
    }
    rmSync(lockPath, { force: true }); // stale: its owner is gone
  }
  throw new EmbeddedDatabaseBusyError(
    `Could not take the lock ${lockPath}; remove it if no process uses ${dataDir}.`,
  );
}
