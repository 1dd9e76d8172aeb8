/**
 * Scrapping ends the identity (docs/key-handling.md §"Scrapping"): once the unit's final
 * `scrapped` event is confirmed by the platform, its device key is overwritten with random
 * bytes, synced, unlinked, and the directory synced, so nothing on the unit can sign as it
 * again. A copy taken before is beyond this; the platform's revocation of the code covers it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { STATE_FILES, fsyncDirectory } from '../../sdk/index.js';

export function deviceKeyPath(stateDir: string): string {
  return join(stateDir, STATE_FILES.deviceKey);
}

/** Destroys the key file at `path`; returns false when there was none. */
export function destroyKeyFile(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const noise = randomBytes(Math.max(size, 1));
    let off = 0;
    while (off < noise.length) off += writeSync(fd, noise, off, noise.length - off, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(path);
  fsyncDirectory(dirname(path));
  return true;
}
