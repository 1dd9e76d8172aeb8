// Frames and CRC-32: the known answer, round trips, and a scan over hostile images.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, encodeFrame, scanFrames } from '../../agent/storage/index.js';
import { crc32Table, frameCrc } from '../../agent/storage/crc32.js';

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new TextEncoder().encode('1234'), new TextEncoder().encode('56789'))).toBe(0xcbf43926);
    expect(crc32Table(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('the native and the table version agree on any split of any bytes (frames written by either read by the other)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, cut) => {
        const a = bytes.subarray(0, Math.min(cut, bytes.length));
        const b = bytes.subarray(Math.min(cut, bytes.length));
        expect(crc32(a, b)).toBe(crc32Table(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("a frame's CRC read in place equals the CRC of its header bytes then its payload", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ maxLength: 300 }), fc.nat(20), (head, payload, gap) => {
        // The 12 header bytes at 3, `gap` other bytes, then the payload.
        const buf = new Uint8Array(3 + 12 + gap + payload.length + 5).fill(0xa5);
        buf.set(head, 3);
        buf.set(payload, 3 + 12 + gap);
        expect(frameCrc(buf, 3, 15 + gap, payload.length)).toBe(crc32Table(head, payload));
      }),
      { numRuns: 500 },
    );
  });
});

describe('frames', () => {
  it('scans what it encodes, and classifies a torn tail and a damaged middle', () => {
    const frames = [1, 2, 3].map((s) => encodeFrame(s, new Uint8Array(10 + s).fill(s)));
    const image = Buffer.concat(frames);
    expect(scanFrames(image).frames.map((f) => f.seq)).toEqual([1, 2, 3]);
    const torn = scanFrames(image.subarray(0, image.length - 3));
    expect(torn.frames.map((f) => f.seq)).toEqual([1, 2]);
    expect(torn.tornTail).toEqual({ offset: frames[0]!.length + frames[1]!.length, size: frames[2]!.length - 3 });
    const bad = Buffer.from(image);
    bad[frames[0]!.length + 21] ^= 0x80;
    const mid = scanFrames(bad);
    expect(mid.frames.map((f) => f.seq)).toEqual([1, 3]);
    expect(mid.damaged).toEqual([{ offset: frames[0]!.length, size: frames[1]!.length }]);
  });

  it('never throws on random bytes, and every byte is accounted for', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const r = scanFrames(bytes);
        const covered = r.frames.reduce((n, f) => n + f.size, 0) + r.damaged.reduce((n, d) => n + d.size, 0) + (r.tornTail?.size ?? 0);
        expect(covered).toBe(bytes.length);
      }),
    );
  });
});
