// Boot recovery with a trusted prefix (a checkpoint's length and CRC-32): the prefix is read in
// chunks with only its frame headers walked, so frame headers straddling two reads must come
// out exactly as a full check finds them; a prefix that does not match is checked frame by frame.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, encodeFrame } from '../../agent/storage/index.js';
import { recoverLog } from '../../agent/storage/recover.js';

const dir = mkdtempSync(join(tmpdir(), 'rid-recover-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A log of `n` frames with payloads of varied sizes; returns its path and frame ends. */
function log(name: string, n: number): { path: string; ends: number[]; image: Buffer } {
  const frames = Array.from({ length: n }, (_, i) => encodeFrame(i + 1, new Uint8Array(3 + ((i * 37) % 90)).fill(i & 0xff)));
  const image = Buffer.concat(frames);
  const path = join(dir, name);
  writeFileSync(path, image);
  const ends: number[] = [];
  let at = 0;
  for (const f of frames) ends.push((at += f.length));
  return { path, ends, image };
}

function entries(r: ReturnType<typeof recoverLog>): [number, number, number][] {
  return Array.from({ length: r.index.length }, (_, i) => [r.index.seq(i), r.index.offset(i), r.index.size(i)]);
}

describe('recovery with a trusted prefix', () => {
  it('finds every frame a full check finds, whatever the read size, and the same checksum', () => {
    const { path, ends, image } = log('a.log', 60);
    const full = recoverLog(path, join(dir, 'q'));
    expect(full.report.trustedBytes).toBeUndefined();
    for (const at of [0, 1, 17, 59]) {
      const end = at === 0 ? 0 : ends[at - 1]!;
      for (const chunk of [1, 7, 19, 20, 21, 33, 64, 1000, 1 << 20]) {
        const r = recoverLog(path, join(dir, 'q'), { end, crc: crc32(image.subarray(0, end)) }, chunk);
        expect(r.report.trustedBytes, `end ${end}, chunk ${chunk}`).toBe(end);
        expect(entries(r)).toEqual(entries(full));
        expect(r.checksum).toBe(full.checksum);
        expect(r.size).toBe(image.length);
      }
    }
  });

  it('a prefix that does not match, or does not end on a frame, means every frame is checked', () => {
    const { path, ends, image } = log('b.log', 20);
    const wrongCrc = recoverLog(path, join(dir, 'q'), { end: ends[9]!, crc: (crc32(image.subarray(0, ends[9]!)) ^ 1) >>> 0 }, 64);
    expect(wrongCrc.report.trustedBytes).toBeUndefined();
    const midFrame = recoverLog(path, join(dir, 'q'), { end: ends[9]! - 3, crc: crc32(image.subarray(0, ends[9]! - 3)) }, 64);
    expect(midFrame.report.trustedBytes).toBeUndefined();
    const longer = recoverLog(path, join(dir, 'q'), { end: image.length + 10, crc: 0 }, 64);
    expect(longer.report.trustedBytes).toBeUndefined();
    for (const r of [wrongCrc, midFrame, longer]) expect(r.index.length).toBe(20);
    // Nothing was cut or rewritten by any of them.
    expect(readFileSync(path).equals(image)).toBe(true);
  });
});
