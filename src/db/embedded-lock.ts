import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Lock files this process holds: its own pid in a lock it does not hold is a stale one. */
const held = new Set<string>();

function running(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists, under another user.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Takes DATA_DIR's embedded-database lock: a file created exclusively ('wx') holding our pid.
 * A lock left by a process that is gone is taken over; one held by a live process stops us.
 * Returns the function that releases it.
 */
export function lockDataDir(dataDir: string): () => void {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, 'embedded-database.lock');
  if (held.has(file)) throw new Error(`DATA_DIR ${dir}: the embedded database is already open in this process`);
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
      if (Number.isInteger(pid) && pid > 0 && running(pid))
        throw new Error(`DATA_DIR ${dir}: the embedded database is in use by process ${pid}; stop it or choose another DATA_DIR`);
      unlinkSync(file); // stale: its process is gone
    }
  }
  held.add(file);
  return () => {
    if (!held.delete(file)) return;
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  };
}
