/**
 * The frame around every record of an append-only log (docs/protocol.md §"Event log format"):
 *
 *   offset  size  field
 *        0     4  magic "RIDF"
 *        4     4  payload length L, big-endian
 *        8     8  record sequence number, big-endian (< 2^53)
 *       16     4  CRC-32 of bytes 4..16 and of the payload, big-endian
 *       20     L  payload (for the event log: the signed event exactly as published)
 *
 * The magic lets a scanner find the next sound frame after a damaged stretch; the CRC covers
 * the length, so a flipped length byte cannot make a frame swallow its neighbours.
 */
import { readSync } from 'node:fs';
import { frameCrc } from './crc32.js';

export const FRAME_MAGIC = new Uint8Array([0x52, 0x49, 0x44, 0x46]);
export const FRAME_HEADER_BYTES = 20;
/** No record is larger; a length above this is damage. */
export const FRAME_MAX_PAYLOAD = 1024 * 1024;

export function encodeFrame(seq: number, payload: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  encodeFrameInto(buf, 0, seq, payload);
  return buf;
}

/** Writes the frame of `payload` into `buf` at `offset` (room for header + payload). */
export function encodeFrameInto(buf: Buffer, offset: number, seq: number, payload: Uint8Array): void {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`frame seq: expected a positive safe integer, got ${seq}`);
  if (payload.length > FRAME_MAX_PAYLOAD) throw new RangeError(`frame payload: expected at most ${FRAME_MAX_PAYLOAD} bytes, got ${payload.length}`);
  buf.set(FRAME_MAGIC, offset);
  buf.writeUInt32BE(payload.length, offset + 4);
  buf.writeUInt32BE(Math.floor(seq / 2 ** 32), offset + 8);
  buf.writeUInt32BE(seq >>> 0, offset + 12);
  buf.set(payload, offset + FRAME_HEADER_BYTES);
  buf.writeUInt32BE(frameCrc(buf, offset + 4, offset + FRAME_HEADER_BYTES, payload.length), offset + 16);
}

export interface FrameAt {
  seq: number;
  /** Offset of the frame in the file. */
  offset: number;
  /** Frame size including the header. */
  size: number;
}

/** The sound frame starting at `offset`, or undefined when there is none. */
export function frameAt(buf: Uint8Array, offset: number): FrameAt | undefined {
  const h = frameHeaderAt(buf, offset);
  if (!h || offset + FRAME_HEADER_BYTES + h.length > buf.length) return undefined;
  if (frameCrc(buf, offset + 4, offset + FRAME_HEADER_BYTES, h.length) !== u32(buf, offset + 16)) return undefined;
  return { seq: h.seq, offset, size: FRAME_HEADER_BYTES + h.length };
}

/** Big-endian uint32 at `at` (no Buffer view needed: recovery calls this for every frame). */
function u32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

export interface Damage {
  offset: number;
  size: number;
}

export interface ScanResult {
  frames: FrameAt[];
  /** Damaged stretches with sound frames after them. */
  damaged: Damage[];
  /** Bytes after the last sound frame that do not form one (a torn write). */
  tornTail?: Damage;
}

/**
 * Splits a log image into sound frames, damaged stretches between them, and a torn tail; from
 * `start` on, where the frames must come after `afterSeq` (what follows a prefix known sound,
 * recover.ts).
 */
export function scanFrames(buf: Uint8Array, start = 0, afterSeq = 0): ScanResult {
  const frames: FrameAt[] = [];
  const damaged: Damage[] = [];
  let pos = start;
  while (pos < buf.length) {
    const f = frameAt(buf, pos);
    if (f && f.seq > (frames.length ? frames[frames.length - 1]!.seq : afterSeq)) {
      frames.push(f);
      pos += f.size;
      continue;
    }
    const next = findNextFrame(buf, pos + 1, frames.length ? frames[frames.length - 1]!.seq : afterSeq);
    if (next === undefined) return { frames, damaged, tornTail: { offset: pos, size: buf.length - pos } };
    damaged.push({ offset: pos, size: next - pos });
    pos = next;
  }
  return { frames, damaged };
}

function findNextFrame(buf: Uint8Array, from: number, afterSeq: number): number | undefined {
  let i = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).indexOf(FRAME_MAGIC, from);
  while (i !== -1) {
    const f = frameAt(buf, i);
    if (f && f.seq > afterSeq) return i;
    i = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).indexOf(FRAME_MAGIC, i + 1);
  }
  return undefined;
}

/**
 * The length and seq a frame header at `at` announces, or undefined when it is not one (magic,
 * length cap, seq). Does not check the CRC: frameAt does, and a prefix of the log known sound
 * as a whole needs only this.
 */
export function frameHeaderAt(buf: Uint8Array, at: number): { length: number; seq: number } | undefined {
  if (at + FRAME_HEADER_BYTES > buf.length) return undefined;
  for (let i = 0; i < 4; i++) if (buf[at + i] !== FRAME_MAGIC[i]) return undefined;
  const length = u32(buf, at + 4);
  const seq = u32(buf, at + 8) * 2 ** 32 + u32(buf, at + 12);
  if (length > FRAME_MAX_PAYLOAD || seq < 1 || !Number.isSafeInteger(seq)) return undefined;
  return { length, seq };
}

/**
 * Reads exactly `length` bytes at `position` into `buf`; false when the file ends first.
 * Boot recovery and the log's reads of older records both need the whole of what they ask for.
 */
export function readExactly(fd: number, buf: Uint8Array, length: number, position: number): boolean {
  for (let off = 0; off < length; ) {
    const n = readSync(fd, buf, off, length - off, position + off);
    if (n === 0) return false;
    off += n;
  }
  return true;
}
