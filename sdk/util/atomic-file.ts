/**
 * Durable file replacement: write `<path>.new`, fsync it, rename over `path`, fsync the
 * directory. After a crash the file is either the old one or the new one, never a mix.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode for a new file, e.g. 0o600 for private keys. */
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

export function writeFileAtomicSync(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const tmp = `${path}.new`;
  mkdirSync(dirname(path), { recursive: true });
  // A `.new` left by a crash keeps its old mode if reopened: remove it so `mode` applies.
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', options.mode ?? 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDirectory(dirname(path));
}
