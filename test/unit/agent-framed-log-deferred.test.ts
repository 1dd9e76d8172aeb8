// Deferred records (the event log's entries signed on a thread): the cap is checked against
// the announced length before a record is started, batches are written as their records
// arrive, in order, and a record that never arrives, or arrives with another length, stops the
// log like a failed write: what was durable stays, nothing after it is accepted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, FramedLog, type DeferredRecord } from '../../agent/storage/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rid-framed-deferred-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (seq: number, size = 20): Uint8Array => new Uint8Array(size).fill(seq & 0xff);

async function open(maxBytes = 1 << 20): Promise<FramedLog> {
  return FramedLog.open({ path: join(dir, 'x.log'), quarantineDir: join(dir, 'q'), maxBytes, reserveBytes: 0, what: 'test log' });
}

/** A record whose bytes arrive when `release` is called (or fail with `fail`). */
function later(length: number): DeferredRecord & { started: boolean; release(b: Uint8Array): void; fail(e: Error): void } {
  let release!: (b: Uint8Array) => void;
  let fail!: (e: Error) => void;
  const bytes = new Promise<Uint8Array>((res, rej) => {
    release = res;
    fail = rej;
  });
  const r = {
    length,
    started: false,
    start: () => {
      r.started = true;
      return bytes;
    },
    release,
    fail,
  };
  return r;
}

describe('FramedLog deferred records', () => {
  it('writes records in seq order as they arrive, plain and deferred mixed', async () => {
    const log = await open();
    const d2 = later(20);
    const d3 = later(20);
    const appends = [log.append((seq) => record(seq)), log.append(() => d2), log.append(() => d3), log.append((seq) => record(seq))];
    // Record 1 was there at once; 2 holds the rest back, so only 1 becomes durable (waited
    // for, not timed: an fdatasync on a loaded CI disk can take longer than any fixed sleep).
    await appends[0];
    await new Promise((r) => setTimeout(r, 20));
    expect(log.head).toBe(1);
    d3.release(record(3));
    await new Promise((r) => setTimeout(r, 20));
    expect(log.head).toBe(1);
    d2.release(record(2));
    const done = await Promise.all(appends);
    expect(done.map((a) => a.seq)).toEqual([1, 2, 3, 4]);
    await log.close();
    const again = await open();
    expect(again.records(0, 10).map((r) => [r.seq, r.bytes[0]])).toEqual([[1, 1], [2, 2], [3, 3], [4, 4]]);
    await again.close();
  });

  it('checks the cap against the announced length and never starts a refused record', async () => {
    const frame = FRAME_HEADER_BYTES + 20;
    const log = await open(2 * frame);
    await log.append((seq) => record(seq));
    const d = later(21); // one byte too many for what is left
    await expect(log.append(() => d)).rejects.toMatchObject({ code: 'EVENT_LOG_FULL' });
    expect(d.started).toBe(false);
    const fits = later(20);
    const p = log.append(() => fits);
    await new Promise((r) => setTimeout(r, 10));
    expect(fits.started).toBe(true);
    fits.release(record(2));
    expect((await p).seq).toBe(2);
    await log.close();
  });

  it.each([
    ['never arrives', (d: ReturnType<typeof later>) => d.fail(new Error('signing thread died'))],
    ['arrives with another length', (d: ReturnType<typeof later>) => d.release(record(2, 19))],
  ])('a record that %s stops the log: earlier records stay, nothing after it is accepted', async (_name, spoil) => {
    const log = await open();
    await log.append((seq) => record(seq));
    const d = later(20);
    const bad = log.append(() => d);
    const after = log.append((seq) => record(seq));
    spoil(d);
    await expect(bad).rejects.toMatchObject({ code: 'EVENT_LOG_IO' });
    await expect(after).rejects.toMatchObject({ code: 'EVENT_LOG_IO' });
    await expect(log.append((seq) => record(seq))).rejects.toMatchObject({ code: 'EVENT_LOG_IO' });
    expect(log.failure).toBeDefined();
    await log.close();
    const again = await open();
    expect(again.records(0, 10).map((r) => r.seq)).toEqual([1]);
    expect((await again.append((seq) => record(seq))).seq).toBe(2);
    await again.close();
  });
});
