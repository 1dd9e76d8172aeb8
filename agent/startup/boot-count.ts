/**
 * The boot count: incremented durably once per agent start. Heartbeats are sequenced by
 * (boot count, counter) so they need no disk write each (docs/protocol.md §"Heartbeats").
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../sdk/index.js';
import { isNoSpace } from '../storage/no-space.js';
import type { PendingWrite } from '../storage-health/storage-health.js';

/** The next boot count; `unsaved` when it could not be stored yet (a full disk at start). */
export function nextBootCount(path: string): { bootCount: number; unsaved?: PendingWrite } {
  let previous = 0;
  if (existsSync(path)) {
    try {
      const v = (JSON.parse(readFileSync(path, 'utf8')) as { bootCount?: unknown }).bootCount;
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) previous = v;
    } catch {
      // An unreadable boot count cannot be trusted; continuing from 0 would repeat heartbeat
      // sequences, so we fall back to the time-derived value below instead.
      previous = Math.floor(Date.now() / 1000);
    }
  }
  const bootCount = previous + 1;
  try {
    writeFileAtomicSync(path, JSON.stringify({ bootCount }) + '\n', { mode: 0o640 });
  } catch (err) {
    if (!isNoSpace(err)) throw err;
    // A full disk: a count that cannot be stored could repeat at the next start, and heartbeats
    // would repeat their (boot, counter). Seconds since the epoch are above any stored count
    // and rise from start to start; the count is stored once there is space (PendingBootCount).
    const fallback = Math.max(bootCount, Math.floor(Date.now() / 1000));
    let pending = true;
    const unsaved: PendingWrite = {
      name: 'boot count',
      pending: () => pending,
      retry() {
        writeFileAtomicSync(path, JSON.stringify({ bootCount: fallback }) + '\n', { mode: 0o640 });
        pending = false;
      },
    };
    return { bootCount: fallback, unsaved };
  }
  return { bootCount };
}
