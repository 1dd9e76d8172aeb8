// A durable-batch listener that throws (the outbox's reads can: EIO) must not cost the log
// anything. The next batch may already be written and in flight when listeners run; an
// exception there once left it without an owner, and the next flush wrote over it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FramedLog } from '../../agent/storage/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rid-framed-listener-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('a throwing listener is reported; every append settles and the file holds every record, in order', async () => {
  const errors: unknown[] = [];
  const options = { path: join(dir, 'x.log'), quarantineDir: join(dir, 'q'), maxBytes: 1 << 20, reserveBytes: 0, what: 'test log' };
  const log = await FramedLog.open({ ...options, onListenerError: (e) => errors.push(e) });
  let calls = 0;
  log.onDurable(() => {
    if (++calls === 1) throw new Error('listener failed (EIO)');
  });
  // A burst, so that batches queue up behind the first one, then more later.
  const first = await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(() => new Uint8Array(30).fill(i + 1))));
  const later = await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(() => new Uint8Array(30).fill(i + 41))));
  expect([...first, ...later].map((a) => a.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  expect(errors).toHaveLength(1);
  expect(calls).toBeGreaterThan(1); // the listener still hears later batches
  await log.close();

  const again = await FramedLog.open(options);
  expect(again.recovery.damaged).toEqual([]);
  expect(again.recovery.tornTail).toBeUndefined();
  const records = again.records(0, 100);
  expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  for (const r of records) expect(r.bytes.every((b) => b === r.seq)).toBe(true);
  await again.close();
});
