// Entries lost at the end of the event log (a cut or damaged tail) never give their seqs to new
// entries when the checkpoint or the platform's receipts name them; the loss is recorded as a
// signed `lost-entries` chain-break. Real files, real fsync, real signatures.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeChainBreak, eventKind, openSign1, randomBytes32, seedSigner, sha256, toHex, type Signer } from '../../sdk/index.js';
import { EventLog, type EventLogOptions } from '../../agent/eventlog/index.js';
import { FRAME_HEADER_BYTES } from '../../agent/storage/index.js';

const CODE = '86123456789012345678901234567';
let dir: string;
let signer: Signer;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rid-evlost-'));
  signer = seedSigner(randomBytes32());
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const path = (): string => join(dir, 'events.log');
const checkpointPath = (): string => join(dir, 'events.checkpoint.json');

function opts(extra: Partial<EventLogOptions> = {}): EventLogOptions {
  let t = 1_700_000_000;
  return { path: path(), quarantineDir: join(dir, 'quarantine'), code: CODE, signer, maxBytes: 1 << 24, reserveBytes: 4096, now: () => t++, signingThread: false, ...extra };
}

/** Ten entries, closed cleanly; returns where each frame ends. */
async function tenEntries(extra: Partial<EventLogOptions> = {}): Promise<number[]> {
  const log = await EventLog.open(opts(extra));
  for (let i = 0; i < 10; i++) await log.append({ kind: 'maintenance', note: `job ${i + 1}` });
  const ends: number[] = [];
  let end = 0;
  for (const r of log.read(0, 100)) ends.push((end += FRAME_HEADER_BYTES + r.bytes.length));
  await log.close();
  return ends;
}

function kindsAndSeqs(log: EventLog): [number, string][] {
  return log.read(0, 1000).map((r) => [r.seq, openSign1(eventKind, r.bytes).value.kind]);
}

describe('event log: entries lost at the end', () => {
  it('a log cut after entry 5 whose checkpoint names 10: the loss is recorded as entry 11, new entries start at 12', async () => {
    const ends = await tenEntries({ checkpointPath: checkpointPath() });
    truncateSync(path(), ends[4]! + 7); // frame 5 and a few bytes of frame 6
    const log = await EventLog.open(opts({ checkpointPath: checkpointPath() }));
    expect(log.head.seq).toBe(5);
    const lost = log.breaks.find((b) => b.reason === 'lost-entries');
    expect(lost).toMatchObject({ afterSeq: 5, beforeSeq: 11, lostBytes: 7 });
    const recorded = await log.recordBreaks();
    expect(recorded.map((e) => e.seq)).toEqual([11]);
    const data = openSign1(eventKind, recorded[0]!.bytes).value.data!;
    expect(decodeChainBreak(data)).toMatchObject({ afterSeq: 5, beforeSeq: 11, reason: 'lost-entries', lostBytes: 7 });
    const next = await log.append({ kind: 'maintenance', note: 'after the loss' });
    expect(next.seq).toBe(12);
    await log.close();

    // Reopened: the break is known recorded, nothing is recorded twice, seqs go on.
    const again = await EventLog.open(opts({ checkpointPath: checkpointPath() }));
    expect(await again.recordBreaks()).toEqual([]);
    expect(kindsAndSeqs(again).map(([s]) => s)).toEqual([1, 2, 3, 4, 5, 11, 12]);
    expect((await again.append({ kind: 'maintenance' })).seq).toBe(13);
    await again.close();
  });

  it('without a checkpoint, the platform-confirmed seq (knownSeq) is the floor', async () => {
    const ends = await tenEntries();
    truncateSync(path(), ends[4]!);
    const log = await EventLog.open(opts({ knownSeq: 10 }));
    expect(log.breaks).toEqual([expect.objectContaining({ afterSeq: 5, beforeSeq: 11, reason: 'lost-entries', lostBytes: 0 })]);
    expect((await log.recordBreaks()).map((e) => e.seq)).toEqual([11]);
    expect((await log.append({ kind: 'maintenance' })).seq).toBe(12);
    await log.close();
  });

  it('a bit flip inside the last complete frame named by the checkpoint is quarantined and recorded, not cut silently', async () => {
    const ends = await tenEntries({ checkpointPath: checkpointPath() });
    const bytes = readFileSync(path());
    bytes[ends[8]! + FRAME_HEADER_BYTES + 10]! ^= 0x04;
    writeFileSync(path(), bytes);
    const damaged = Buffer.from(bytes.subarray(ends[8]!, ends[9]!));
    const log = await EventLog.open(opts({ checkpointPath: checkpointPath() }));
    expect(log.head.seq).toBe(9);
    const lost = log.breaks.find((b) => b.reason === 'lost-entries')!;
    expect(lost).toMatchObject({ afterSeq: 9, beforeSeq: 11, lostBytes: ends[9]! - ends[8]! });
    expect(toHex(lost.damageHash!)).toBe(toHex(sha256(damaged)));
    // The removed bytes are kept in the quarantine directory.
    const q = readdirSync(join(dir, 'quarantine'));
    expect(q.some((f) => readFileSync(join(dir, 'quarantine', f)).equals(damaged))).toBe(true);
    expect((await log.recordBreaks()).map((e) => e.seq)).toEqual([11]);
    await log.close();
  });

  it('a torn write past the last entry anything names stays a torn tail: no break, the seq is free', async () => {
    const ends = await tenEntries();
    truncateSync(path(), ends[9]! - 3); // entry 10 never completely written, nothing names it
    const log = await EventLog.open(opts({ knownSeq: 9 }));
    expect(log.recovery.tornTail?.size).toBe(ends[9]! - ends[8]! - 3);
    expect(log.breaks).toEqual([]);
    expect((await log.append({ kind: 'maintenance' })).seq).toBe(10);
    await log.close();
  });

  it('the chain-break naming the loss is itself checkpointed, so losing it too never reuses its seq', async () => {
    const ends = await tenEntries({ checkpointPath: checkpointPath() });
    truncateSync(path(), ends[4]!);
    const log = await EventLog.open(opts({ checkpointPath: checkpointPath() }));
    await log.recordBreaks();
    // Named at once, before any close: a crash right now still leaves seq 11 on record.
    expect(existsSync(checkpointPath())).toBe(true);
    expect(JSON.parse(readFileSync(checkpointPath(), 'utf8')).seq).toBe(11);
    await log.close();
    truncateSync(path(), ends[4]!); // the chain-break entry is lost too
    const again = await EventLog.open(opts({ checkpointPath: checkpointPath() }));
    expect(again.breaks.find((b) => b.reason === 'lost-entries')).toMatchObject({ afterSeq: 5, beforeSeq: 12 });
    expect((await again.recordBreaks()).map((e) => e.seq)).toEqual([12]);
    await again.close();
  });
});
