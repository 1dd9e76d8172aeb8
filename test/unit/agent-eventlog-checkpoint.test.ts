// The event log's checkpoint (agent/eventlog/checkpoint.ts): a start decodes only the entries
// appended since, and learns exactly what a full scan would; a checkpoint that no longer
// describes the log (edited, another unit's, an older copy of the log, damage before it) is
// ignored for a full scan. Real files, real fsync, real Ed25519.
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes32, seedSigner, toHex, type Signer } from '../../sdk/index.js';
import { crc32 } from '../../agent/storage/index.js';
import { EventLog, type EventLogOptions } from '../../agent/eventlog/index.js';

const CODE = '86123456789012345678901234567';
let dir: string;
let signer: Signer;
let t: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rid-evcp-'));
  signer = seedSigner(randomBytes32());
  t = 1_700_000_000;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const logPath = () => join(dir, 'events.log');
const cpPath = () => join(dir, 'events.checkpoint.json');

function opts(extra: Partial<EventLogOptions> = {}): EventLogOptions {
  return { path: logPath(), quarantineDir: join(dir, 'q'), code: CODE, signer, maxBytes: 1 << 24, reserveBytes: 4096, now: () => t++, signingThread: false, checkpointPath: cpPath(), ...extra };
}

/** What an open learned: compared between a checkpointed open and a full scan. */
function learned(log: EventLog): unknown {
  return {
    head: { seq: log.head.seq, hash: toHex(log.head.hash) },
    lastTime: log.lastTimeOnOpen,
    lifecycle: log.lifecycleEntries.map((e) => ({ ...e, order: e.order && toHex(e.order) })),
    breaks: log.breaks.map((b) => ({ ...b, damageHash: b.damageHash && toHex(b.damageHash) })),
  };
}

async function fullScan(): Promise<unknown> {
  const log = await EventLog.open(opts({ checkpointPath: undefined }));
  const l = learned(log);
  expect(log.scanned).toBe(log.read(0, 1e6).length);
  await log.close();
  return l;
}

async function fill(log: EventLog, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await log.append({ kind: 'maintenance', note: `job ${i}` });
}

describe('event log checkpoint', () => {
  it('a start decodes only the entries since the checkpoint, and learns what a full scan learns', async () => {
    const first = await EventLog.open(opts());
    expect(first.scanned).toBe(0);
    await fill(first, 20);
    await first.append({ kind: 'commissioned' });
    await first.append({ kind: 'decommissioned', order: Uint8Array.of(1, 2, 3) });
    await fill(first, 10);
    await first.close(); // checkpoint at the durable head

    const second = await EventLog.open(opts());
    expect(second.scanned).toBe(0);
    expect(learned(second)).toEqual(await fullScan());
    expect(second.lifecycleEntries.map((e) => e.kind)).toEqual(['commissioned', 'decommissioned']);
    expect(second.lastTimeOnOpen).toBe(t - 1);
    // Ten more, then a crash: no close, so the newest checkpoint is the one at 32.
    await fill(second, 9);
    await second.append({ kind: 'recommissioned', order: Uint8Array.of(4) });

    const third = await EventLog.open(opts());
    expect(third.scanned).toBe(10);
    expect(third.head.seq).toBe(42);
    expect(learned(third)).toEqual(await fullScan());
    expect(third.lifecycleEntries.map((e) => e.kind)).toEqual(['commissioned', 'decommissioned', 'recommissioned']);
    await third.close();
  });

  it.each([
    ['on the event loop', false],
    ['on the signing thread', { backlog: 0, idleMs: 200 }],
  ] as const)('checkpoints while the log grows (signed %s), so a crash after a long run scans only the last stretch', async (_name, signingThread) => {
    const log = await EventLog.open(opts({ checkpointEveryBytes: 16 << 10, signingThread }));
    await Promise.all(Array.from({ length: 400 }, (_, i) => log.append({ kind: 'maintenance', note: `burst ${i}` })));
    await log.append({ kind: 'maintenance-started' });
    // No close: a crash. 401 entries of about 230 bytes, a checkpoint every 16 KiB.
    const again = await EventLog.open(opts());
    expect(again.head.seq).toBe(401);
    expect(again.scanned).toBeGreaterThan(0);
    expect(again.scanned).toBeLessThan(100);
    expect(learned(again)).toEqual(await fullScan());
    await again.close();
    await log.close();
  });

  it('the frames it covers are read by their headers only, those after it are checked: a torn tail is cut, damage after it found', async () => {
    const log = await EventLog.open(opts());
    await fill(log, 30);
    await log.close(); // checkpoint at 30, with the CRC of the file up to there
    const cp = JSON.parse(readFileSync(cpPath(), 'utf8')) as { crc?: number; end: number };
    expect(cp.crc).toEqual(expect.any(Number));
    expect(cp.end).toBe(readFileSync(logPath()).length);

    // A torn write after it: cut, quarantined; nothing before it checked again.
    writeFileSync(logPath(), Buffer.concat([readFileSync(logPath()), Buffer.from('RIDF\x00\x00\x01')]));
    const torn = await EventLog.open(opts());
    expect(torn.recovery.tornTail?.size).toBe(7);
    expect(torn.recovery.trustedBytes).toBe(cp.end);
    expect(torn.scanned).toBe(0);
    expect(torn.head.seq).toBe(30);
    await fill(torn, 10); // 31..40, no checkpoint (no close: a crash)

    // A flipped byte in entry 35, after the checkpoint: found by its frame's CRC.
    const image = readFileSync(logPath());
    let at = cp.end;
    for (let i = 0; i < 4; i++) at += 20 + image.readUInt32BE(at + 4); // frames of 31..34
    image[at + 100] = image[at + 100]! ^ 0x40;
    writeFileSync(logPath(), image);
    const damaged = await EventLog.open(opts());
    expect(damaged.recovery.damaged).toHaveLength(1);
    expect(damaged.recovery.trustedBytes).toBeUndefined(); // damage after the prefix: every frame checked
    expect(damaged.breaks.map((b) => [b.reason, b.afterSeq, b.beforeSeq])).toEqual([['damaged-bytes', 34, 36]]);
    expect(damaged.scanned).toBe(39); // damage cut out: the whole chain checked again
    expect(damaged.head.seq).toBe(40);
    await damaged.close();
    await torn.close();
  });

  it('a checkpoint that cannot be written is reported, and the log goes on', async () => {
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const log = await EventLog.open(opts({ checkpointPath: join(dir, 'not-a-dir', 'events.checkpoint.json') }));
    await fill(log, 5);
    await log.close();
    expect(log.checkpointError?.message).toMatch(/ENOTDIR/);
    const again = await EventLog.open(opts({ checkpointPath: join(dir, 'not-a-dir', 'events.checkpoint.json') }));
    expect(again.scanned).toBe(5);
    expect(again.head.seq).toBe(5);
    await again.close();
  });

  it('clean stops and starts keep the checkpoint trusted: its CRC is that of the file up to it', async () => {
    for (let i = 0; i < 3; i++) {
      const log = await EventLog.open(opts());
      if (i > 0) {
        expect(log.recovery.trustedBytes).toBe(readFileSync(logPath()).length);
        expect(log.scanned).toBe(0);
      }
      await fill(log, i === 1 ? 0 : 4); // the second start appends nothing before it stops
      await log.close();
      const cp = JSON.parse(readFileSync(cpPath(), 'utf8')) as { crc: number; end: number };
      expect(cp.crc).toBe(crc32(readFileSync(logPath()).subarray(0, cp.end)));
    }
  });

  describe('a checkpoint that no longer describes the log: a full scan', () => {
    it('an entry before it replaced, its frame sound: the break is found and recorded', async () => {
      const log = await EventLog.open(opts());
      await fill(log, 8);
      await log.close();
      // Entry 5's last signature byte changed and its frame's CRC fixed up: every frame is
      // sound, the prefix is not the one the checkpoint covered, the chain breaks after 5.
      const image = readFileSync(logPath());
      let at = 0;
      for (let i = 0; i < 4; i++) at += 20 + image.readUInt32BE(at + 4);
      const len = image.readUInt32BE(at + 4);
      image[at + 20 + len - 1] = image[at + 20 + len - 1]! ^ 1;
      image.writeUInt32BE(crc32(image.subarray(at + 4, at + 16), image.subarray(at + 20, at + 20 + len)), at + 16);
      writeFileSync(logPath(), image);
      const again = await EventLog.open(opts());
      expect(again.recovery.damaged).toEqual([]);
      expect(again.recovery.trustedBytes).toBeUndefined();
      expect(again.scanned).toBe(8);
      expect(again.breaks.map((b) => [b.reason, b.afterSeq, b.beforeSeq])).toEqual([['hash-mismatch', 5, 6]]);
      expect(await again.recordBreaks()).toHaveLength(1);
      await again.close();
      // And it stays found: the next checkpoint does not bless the replaced entry.
      const third = await EventLog.open(opts());
      expect(third.breaks.map((b) => [b.reason, b.afterSeq, b.beforeSeq])).toEqual([['hash-mismatch', 5, 6]]);
      expect(await third.recordBreaks()).toHaveLength(0);
      await third.close();
    });

    it('entries of the wrong shape: a full scan, and the start goes on', async () => {
      const log = await EventLog.open(opts());
      await fill(log, 6);
      await log.close();
      const cp = JSON.parse(readFileSync(cpPath(), 'utf8')) as Record<string, unknown>;
      for (const bad of [{ breaks: [{ afterSeq: 2 }] }, { lifecycle: [{ seq: 1, time: 1, kind: 'no-such-kind' }] }, { lastTime: 'soon' }, { crc: -1 }]) {
        writeFileSync(cpPath(), JSON.stringify({ ...cp, ...bad }));
        const again = await EventLog.open(opts());
        expect(again.scanned, JSON.stringify(bad)).toBe(6);
        expect(await again.recordBreaks()).toEqual([]);
        await again.close();
      }
    });

    async function written(): Promise<unknown> {
      const log = await EventLog.open(opts());
      await fill(log, 12);
      await log.append({ kind: 'scrapped', order: Uint8Array.of(9) });
      await log.close();
      return fullScan();
    }

    async function expectFullScan(): Promise<EventLog> {
      const log = await EventLog.open(opts());
      expect(log.scanned).toBe(log.read(0, 1e6).length); // every entry in the file
      return log;
    }

    it('edited: another hash', async () => {
      const want = await written();
      const cp = JSON.parse(readFileSync(cpPath(), 'utf8')) as { hash: string };
      writeFileSync(cpPath(), JSON.stringify({ ...cp, hash: '00'.repeat(32) }));
      const log = await expectFullScan();
      expect(learned(log)).toEqual(want);
      await log.close();
    });

    it('unreadable, or of another unit', async () => {
      const want = await written();
      const cp = readFileSync(cpPath(), 'utf8');
      writeFileSync(cpPath(), '{"v": 1, "seq": ');
      let log = await expectFullScan();
      expect(learned(log)).toEqual(want);
      await log.close();
      writeFileSync(cpPath(), cp.replace(CODE, '86123456789012345678901234568'));
      log = await expectFullScan();
      expect(learned(log)).toEqual(want);
      await log.close();
    });

    it('the log is an older copy, shorter than the checkpoint', async () => {
      await written();
      const cp = JSON.parse(readFileSync(cpPath(), 'utf8')) as { end: number };
      const full = readFileSync(logPath());
      truncateSync(logPath(), 0);
      writeFileSync(logPath(), full.subarray(0, 5 * 250)); // a torn copy of the first entries
      const log = await EventLog.open(opts());
      expect(log.head.seq).toBeLessThan(13);
      expect(log.scanned).toBe(log.head.seq);
      expect(log.lifecycleEntries).toEqual([]);
      expect(cp.end).toBeGreaterThan(5 * 250);
      await log.close();
    });

    it('damage before it: the break is found, recorded once, and stays counted', async () => {
      await written();
      const image = readFileSync(logPath());
      image[300] = image[300]! ^ 0xff; // inside the second entry
      writeFileSync(logPath(), image);
      const log = await expectFullScan();
      expect(log.breaks.map((b) => b.reason)).toEqual(['damaged-bytes']);
      const recorded = await log.recordBreaks();
      expect(recorded).toHaveLength(1);
      await log.close();
      const again = await EventLog.open(opts());
      expect(again.scanned).toBe(0);
      expect(again.breaks.map((b) => b.reason)).toEqual(['damaged-bytes']);
      expect(await again.recordBreaks()).toHaveLength(0);
      expect(again.lifecycleEntries.map((e) => e.kind)).toEqual(['scrapped']);
      await again.close();
    });
  });
});
