/**
 * Durable file replacement: write `<path>.new`, fsync it, rename over `path`, fsync the
 * directory. After a crash the file is either the old one or the new one, never a mix; after
 * a failed write (a full disk) it is the old one and no `.new` is left.
 */
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode for the file, e.g. 0o600 for private keys. */
  mode?: number;
}

export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function openTemp(tmp: string, mode: number): number {
  try {
    return openSync(tmp, 'w', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // Only a missing directory costs a mkdir; the common path is one open.
    mkdirSync(dirname(tmp), { recursive: true });
    return openSync(tmp, 'w', mode);
  }
}

export function writeFileAtomicSync(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const tmp = `${path}.new`;
  const mode = options.mode ?? 0o644;
  const fd = openTemp(tmp, mode);
  try {
    try {
      // A `.new` left by a crash keeps its old mode when reopened: set the mode explicitly.
      fchmodSync(fd, mode);
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    // A full disk (or any failure) leaves no half-written `.new` behind: the file is the old one.
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirectory(dirname(path));
}
