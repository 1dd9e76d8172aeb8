// The signed event log on real files with real fsync: crash safety (every byte offset, injected
// crash points), group commit, mid-log damage, the disk cap.
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  decodeChainBreak,
  entryHash,
  eventKind,
  nodeEd25519,
  openSign1,
  randomBytes32,
  seedSigner,
  toHex,
  verifyOpened,
  type Signer,
} from '../../sdk/index.js';
import { EventLog, type EventLogOptions, type LoggedEvent } from '../../agent/eventlog/index.js';
import { FRAME_HEADER_BYTES } from '../../agent/storage/index.js';
import { isRobotIdError } from '../../sdk/index.js';

const CODE = '86123456789012345678901234567';
let dir: string;
let signer: Signer;
/** Each test runs twice: every signature on the event loop, and every one on the signing thread. */
let signingThread: EventLogOptions['signingThread'];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rid-evlog-'));
  signer = seedSigner(randomBytes32());
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function opts(path: string, extra: Partial<EventLogOptions> = {}): EventLogOptions {
  let t = 1_700_000_000;
  return { path, quarantineDir: join(dir, 'quarantine'), code: CODE, signer, maxBytes: 1 << 24, reserveBytes: 4096, now: () => t++, signingThread, ...extra };
}

/** Decodes every record, checks signatures, seq continuity and the hash chain; returns the payloads. */
function readChain(log: EventLog): { seq: number; kind: string; hash: string; data?: Uint8Array }[] {
  const out: { seq: number; kind: string; hash: string; data?: Uint8Array }[] = [];
  let prev: Uint8Array = GENESIS_HASH;
  for (const r of log.read(0, 1e6)) {
    const opened = openSign1(eventKind, r.bytes);
    expect(verifyOpened(opened, signer.publicKey, nodeEd25519)).toBe(true);
    expect(opened.value.seq).toBe(r.seq);
    // Consecutive entries must link; a gap in seq is a break the caller checks is recorded.
    const prevSeq = out.at(-1)?.seq ?? 0;
    if (r.seq === prevSeq + 1) expect(toHex(opened.value.prevHash)).toBe(toHex(prev));
    prev = entryHash(r.bytes);
    out.push({ seq: r.seq, kind: opened.value.kind, hash: toHex(prev), data: opened.value.data });
  }
  return out;
}

async function fill(path: string, n: number): Promise<LoggedEvent[]> {
  const log = await EventLog.open(opts(path));
  const acked: LoggedEvent[] = [];
  for (let i = 0; i < n; i++) acked.push(await log.append({ kind: 'maintenance', note: `job ${i}` }));
  await log.close();
  return acked;
}

describe.each([
  ['every signature on the event loop', false],
  ['every signature on the signing thread', { backlog: 0, idleMs: 200 }],
] as const)('event log, %s', (_name, mode) => {
  beforeEach(() => {
    signingThread = mode;
  });

  it('appends, survives reopen, and chains every entry to the one before', async () => {
    const path = join(dir, 'events.log');
    const acked = await fill(path, 5);
    const log = await EventLog.open(opts(path));
    const chain = readChain(log);
    expect(chain.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(chain.map((c) => c.hash)).toEqual(acked.map((a) => toHex(a.hash)));
    expect(log.head.seq).toBe(5);
    expect(log.breaks).toEqual([]);
    const next = await log.append({ kind: 'fault' });
    expect(next.seq).toBe(6);
    expect(toHex(openSign1(eventKind, next.bytes).value.prevHash)).toBe(toHex(acked[4]!.hash));
    await log.close();
  });

  it('cut at every byte offset of its last entries: every entry before the cut is kept, the chain stays sound', async () => {
    const path = join(dir, 'events.log');
    const acked = await fill(path, 6);
    const full = readFileSync(path);
    // Frame end offsets: entry i ends at ends[i].
    const ends: number[] = [];
    let off = 0;
    for (const a of acked) {
      off += FRAME_HEADER_BYTES + a.bytes.length;
      ends.push(off);
    }
    expect(off).toBe(full.length);
    const from = ends[2]!; // every offset within the last three entries
    for (let cut = from; cut <= full.length; cut++) {
      // Each reopen starts a signing thread (about 25 ms) in that mode: there, every frame
      // end and every 29th offset; the loop mode covers every offset.
      if (mode !== false && !ends.includes(cut) && cut % 29 !== 0) continue;
      const p = join(dir, `cut.log`);
      writeFileSync(p, full.subarray(0, cut));
      const log = await EventLog.open(opts(p));
      const kept = ends.filter((e) => e <= cut).length;
      const chain = readChain(log);
      expect(chain.map((c) => c.hash)).toEqual(acked.slice(0, kept).map((a) => toHex(a.hash)));
      expect(log.breaks).toEqual([]);
      expect(Boolean(log.recovery.tornTail)).toBe(!ends.includes(cut));
      if (log.recovery.tornTail) expect(log.recovery.tornTail.size).toBe(cut - ends[kept - 1]!);
      // And the log goes on from there, linked to the last kept entry.
      const next = await log.append({ kind: 'fault' });
      expect(next.seq).toBe(kept + 1);
      expect(toHex(openSign1(eventKind, next.bytes).value.prevHash)).toBe(toHex(acked[kept - 1]!.hash));
      await log.close();
      rmSync(p);
    }
  });

  it.each(['beforeWrite', 'beforeFsync', 'afterFsync'] as const)('a crash %s loses nothing acknowledged', async (point) => {
    const path = join(dir, 'events.log');
    const acked: LoggedEvent[] = [];
    let armed = false;
    const faults = {
      [point]: (batch: { path: string; offset: number; bytes: Buffer }) => {
        if (!armed) return;
        // Power cut between write and fsync: only part of the batch reached the disk.
        if (point === 'beforeFsync') truncateSync(batch.path, batch.offset + Math.floor(batch.bytes.length / 2));
        throw new Error(`simulated crash ${point}`);
      },
    };
    const log = await EventLog.open(opts(path, { faults }));
    for (let i = 0; i < 4; i++) acked.push(await log.append({ kind: 'maintenance', note: `ok ${i}` }));
    armed = true;
    const results = await Promise.allSettled([1, 2, 3].map((i) => log.append({ kind: 'fault', note: `lost ${i}` })));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(isRobotIdError((r as PromiseRejectedResult).reason, 'EVENT_LOG_IO')).toBe(true);
    }
    // The log refuses everything after a failed write: the page cache cannot be trusted.
    await expect(log.append({ kind: 'fault' })).rejects.toMatchObject({ code: 'EVENT_LOG_IO' });
    await log.close();
    // "Restart": reopen the same file.
    const again = await EventLog.open(opts(path));
    const chain = readChain(again);
    expect(chain.slice(0, 4).map((c) => c.hash)).toEqual(acked.map((a) => toHex(a.hash)));
    expect(again.breaks).toEqual([]);
    if (point === 'beforeWrite') expect(chain).toHaveLength(4);
    if (point === 'beforeFsync') expect(again.recovery.tornTail).toBeDefined();
    const next = await again.append({ kind: 'maintenance' });
    expect(next.seq).toBe(chain.length + 1);
    await again.close();
  });

  it('a crash writing the batch after a durable one: that one is acknowledged, everything after refused', async () => {
    // The next batch is written before the durable one is announced (framed-log.ts flush):
    // a failure there must not take the durable batch's acknowledgements with it.
    const path = join(dir, 'events.log');
    let writes = 0;
    const faults = {
      beforeWrite: () => {
        if (++writes === 2) throw new Error('simulated crash beforeWrite');
      },
    };
    const log = await EventLog.open(opts(path, { faults }));
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => log.append({ kind: 'maintenance', note: `burst ${i}` })));
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length).toBeLessThan(40);
    expect(ok.map((a) => a.seq)).toEqual(Array.from({ length: ok.length }, (_, i) => i + 1));
    for (const r of results) if (r.status === 'rejected') expect(isRobotIdError(r.reason, 'EVENT_LOG_IO')).toBe(true);
    await log.close();
    const again = await EventLog.open(opts(path));
    expect(readChain(again).map((c) => c.hash)).toEqual(ok.map((a) => toHex(a.hash)));
    await again.close();
  });

  it('group commit: concurrent appends share writes and fsyncs, each gets its own seq', async () => {
    const path = join(dir, 'events.log');
    let fsyncs = 0;
    const log = await EventLog.open(opts(path, { faults: { beforeFsync: () => void fsyncs++ } }));
    const n = 300;
    const all = await Promise.all(Array.from({ length: n }, (_, i) => log.append({ kind: 'maintenance', note: String(i) })));
    expect(all.map((a) => a.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // Fewer fsyncs than events: appends arriving during a flush were batched into the next one.
    expect(fsyncs).toBeLessThan(n);
    await log.close();
    const again = await EventLog.open(opts(path));
    expect(readChain(again)).toHaveLength(n);
    await again.close();
  });

  it('a flipped byte mid-log: entries on both sides kept, damage quarantined, a signed chain-break appended once', async () => {
    const path = join(dir, 'events.log');
    const acked = await fill(path, 10);
    const image = readFileSync(path);
    let start = 0;
    for (let i = 0; i < 4; i++) start += FRAME_HEADER_BYTES + acked[i]!.bytes.length;
    const size5 = FRAME_HEADER_BYTES + acked[4]!.bytes.length;
    const flipAt = start + 40;
    image[flipAt] ^= 0x01;
    writeFileSync(path, image);

    const log = await EventLog.open(opts(path));
    expect(log.recovery.damaged).toHaveLength(1);
    const d = log.recovery.damaged[0]!;
    expect(d).toMatchObject({ offset: start, size: size5, afterSeq: 4, beforeSeq: 6 });
    expect(readFileSync(d.file)).toEqual(image.subarray(start, start + size5));
    const recorded = await log.recordBreaks();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.seq).toBe(11);
    const chain = readChain(log);
    expect(chain.map((c) => c.seq)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
    expect(chain.slice(0, 4).map((c) => c.hash)).toEqual(acked.slice(0, 4).map((a) => toHex(a.hash)));
    expect(chain.slice(4, 9).map((c) => c.hash)).toEqual(acked.slice(5).map((a) => toHex(a.hash)));
    const brk = decodeChainBreak(chain[9]!.data!);
    expect(brk).toMatchObject({ afterSeq: 4, beforeSeq: 6, reason: 'damaged-bytes', lostBytes: size5 });
    // The chain-break itself links to the head (seq 10).
    expect(toHex(openSign1(eventKind, recorded[0]!.bytes).value.prevHash)).toBe(toHex(acked[9]!.hash));
    await log.close();
    expect(readdirSync(join(dir, 'quarantine'))).toHaveLength(1);

    // Next boot: the break is known and recorded; nothing new is appended.
    const again = await EventLog.open(opts(path));
    expect(again.recovery.damaged).toHaveLength(0);
    expect(again.breaks).toHaveLength(1);
    expect(await again.recordBreaks()).toHaveLength(0);
    expect(again.head.seq).toBe(11);
    await again.close();
  });

  it('disk cap: new events refused with EVENT_LOG_FULL, nothing accepted lost, the reserve still takes a chain-break', async () => {
    const path = join(dir, 'events.log');
    const log = await EventLog.open(opts(path, { maxBytes: 8 * 1024, reserveBytes: 2 * 1024 }));
    const acked: LoggedEvent[] = [];
    let refused: unknown;
    for (let i = 0; i < 1000 && !refused; i++) {
      try {
        acked.push(await log.append({ kind: 'maintenance', note: 'x'.repeat(100) }));
      } catch (err) {
        refused = err;
      }
    }
    expect(isRobotIdError(refused, 'EVENT_LOG_FULL')).toBe(true);
    expect((refused as Error).message).toMatch(/full/);
    expect(statSync(path).size).toBeLessThanOrEqual(8 * 1024 - 2 * 1024);
    // Refusal consumed no sequence number; the reserve is there for reserved appends.
    const reserved = await log.append({ kind: 'fault', note: 'reserved' }, { reserve: true });
    expect(reserved.seq).toBe(acked.length + 1);
    await log.close();
    copyFileSync(path, join(dir, 'copy.log'));
    const again = await EventLog.open(opts(path, { maxBytes: 8 * 1024, reserveBytes: 2 * 1024 }));
    expect(readChain(again).map((c) => c.hash)).toEqual([...acked, reserved].map((a) => toHex(a.hash)));
    await again.close();
  });
});

describe('event log, switching between the event loop and the signing thread', () => {
  it('single appends on the loop, bursts on the thread, through its idle stop and restart: one sound chain', async () => {
    signingThread = { backlog: 4, idleMs: 50 };
    const path = join(dir, 'events.log');
    const log = await EventLog.open(opts(path));
    const burst = (from: number) => Promise.all(Array.from({ length: 40 }, (_, i) => log.append({ kind: 'maintenance', note: `burst ${from + i}` })));
    await log.append({ kind: 'maintenance', note: 'single 1' });
    expect(log.signingThreadRunning).toBe(false);
    await burst(0);
    expect(log.signingThreadRunning).toBe(true);
    // Right after the burst (thread idle, still running): back on the loop, chained to the thread's last entry.
    await log.append({ kind: 'fault', note: 'single 2' });
    await expect.poll(() => log.signingThreadRunning, { timeout: 3000 }).toBe(false);
    await burst(100);
    await log.append({ kind: 'fault', note: 'single 3' });
    expect(log.head.seq).toBe(83);
    expect(toHex(log.head.hash)).toBe(toHex(entryHash(log.read(82, 1)[0]!.bytes)));
    await log.close();
    const again = await EventLog.open(opts(path));
    expect(again.breaks).toEqual([]);
    expect(readChain(again).map((c) => c.seq)).toEqual(Array.from({ length: 83 }, (_, i) => i + 1));
    await again.close();
  });
});
