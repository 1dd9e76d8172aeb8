// The framed log serves records just made durable from memory (bounded) and older ones from the
// file: whichever way a record is read, it is the bytes that were appended, the same as after a
// reopen (file only), including across the cache's record cap.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FramedLog } from '../../agent/storage/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rid-framed-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function record(seq: number): Uint8Array {
  // Varying sizes so a wrong offset or a view into the wrong batch shows.
  const b = new Uint8Array(10 + (seq % 37));
  for (let i = 0; i < b.length; i++) b[i] = (seq * 31 + i) & 0xff;
  return b;
}

async function open(): Promise<FramedLog> {
  return FramedLog.open({ path: join(dir, 'x.log'), quarantineDir: join(dir, 'q'), maxBytes: 1 << 24, reserveBytes: 0, what: 'test log' });
}

describe('FramedLog recent-record cache', () => {
  it('reads back every record byte for byte before and after a reopen, beyond the cache cap', async () => {
    const n = 5000; // more than the 4,096 records kept in memory
    const log = await open();
    let next = 1;
    // Concurrent appenders, so batches of many records share one buffer.
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next <= n) {
        next++;
        await log.append((seq) => record(seq));
      }
    }));
    const live = log.records(0, n + 10);
    expect(live.length).toBe(n);
    for (const r of live) expect(Buffer.from(r.bytes).equals(Buffer.from(record(r.seq)))).toBe(true);
    expect(Buffer.from(log.get(1)!).equals(Buffer.from(record(1)))).toBe(true);
    expect(Buffer.from(log.get(n)!).equals(Buffer.from(record(n)))).toBe(true);
    await log.close();

    const again = await open();
    const fromFile = again.records(0, n + 10);
    expect(fromFile.map((r) => r.seq)).toEqual(live.map((r) => r.seq));
    for (let i = 0; i < n; i++) expect(Buffer.from(fromFile[i]!.bytes).equals(Buffer.from(live[i]!.bytes))).toBe(true);
    await again.close();
  });
});
