/**
 * writeFileAtomicSync (atomic-file.ts: write `<path>.new`, fsync it, rename over `path`, fsync
 * the directory) with every step in the thread pool: for a file rewritten while the event loop
 * serves requests (the agent's outbox cursor at each receipt, the files ingest store's marks
 * snapshot), where three fsyncs on the loop stalled everything for as long as the disk took.
 * After a failure the file is the old one and no `.new` is left.
 */
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes in progress at once, per process. Each holds two descriptors for its whole course; a
 * process that runs many agents (the fleet simulation: thousands per worker, each confirming
 * its own cursor at a receipt) would otherwise open thousands at once and run out of
 * descriptors. The thread pool has four threads anyway.
 */
const MAX_CONCURRENT = 4;
let running = 0;
const queued: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => queued.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    queued.shift()?.();
  }
}

export function writeFileAtomic(path: string, data: Uint8Array | string, options: { mode?: number } = {}): Promise<void> {
  return slot(() => write(path, data, options));
}

async function write(path: string, data: Uint8Array | string, options: { mode?: number }): Promise<void> {
  const tmp = `${path}.new`;
  const mode = options.mode ?? 0o644;
  try {
    let fh: FileHandle;
    try {
      fh = await open(tmp, 'w', mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dirname(tmp), { recursive: true });
      fh = await open(tmp, 'w', mode);
    }
    try {
      // A `.new` left by a crash keeps its old mode when reopened: set the mode explicitly.
      await fh.chmod(mode);
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
