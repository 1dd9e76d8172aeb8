/**
 * One writer at a time for a platform state directory (the one-shot `recall publish` and a
 * running `recall republish --watch` share it). An O_EXCL lock file holding the owner's pid;
 * a lock left by a dead process is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { IndexError } from '../../../sdk/index.js';

const LOCK_FILE = 'state.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else; ESRCH: gone.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const owner = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) return false;
    if (owner === process.pid) return false;
    // A crashed owner: remove its lock and try once more.
    unlinkSync(path);
    return tryLock(path);
  }
}

export async function withStateLock<T>(dir: string, fn: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  while (!tryLock(path)) {
    if (Date.now() > deadline) throw new IndexError('INDEX_STATE_LOCKED', `${dir}: still locked by another process after ${timeoutMs} ms (${path})`);
    await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
  }
  try {
    return await fn();
  } finally {
    unlinkSync(path);
  }
}
