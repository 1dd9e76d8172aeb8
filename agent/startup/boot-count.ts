/**
 * The boot count: incremented durably once per agent start. Heartbeats are sequenced by
 * (boot count, counter) so they need no disk write each (docs/protocol.md §"Heartbeats").
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../sdk/index.js';

export function nextBootCount(path: string): number {
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
  writeFileAtomicSync(path, JSON.stringify({ bootCount }) + '\n', { mode: 0o640 });
  return bootCount;
}
