/**
 * Boot-time recovery of a framed log (docs/protocol.md §"Event log format", docs/threat-model.md
 * §"Power loss"). Nothing is destroyed: every byte removed from the log is first copied,
 * fsynced, into the quarantine directory.
 *   - A torn tail (bytes after the last sound frame that do not form one) is cut off.
 *   - A damaged stretch with sound frames after it is never "repaired" by truncation: the log
 *     is rewritten (atomically: new file, fsync, rename, fsync dir) with the sound frames of
 *     both sides, byte for byte.
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sha256, toHex, writeFileAtomicSync } from '../../sdk/index.js';
import { crc32Continue } from './crc32.js';
import { FRAME_HEADER_BYTES, frameHeaderAt, readExactly, scanFrames, type Damage, type FrameAt } from './frame.js';
import { FrameIndex } from './frame-index.js';

export interface Quarantined extends Damage {
  /** File in the quarantine directory holding the removed bytes. */
  file: string;
  sha256: string;
  /** Sequence of the last sound frame before the damage (0: none). */
  afterSeq: number;
  /** Sequence of the first sound frame after it (undefined for a torn tail). */
  beforeSeq?: number;
}

export interface RecoveryReport {
  tornTail?: Quarantined;
  damaged: Quarantined[];
  /** Bytes at the start whose frames were not checked one by one: a trusted prefix that matched (0: every frame checked). */
  trustedBytes?: number;
}

export interface Recovered {
  /** Bytes in the recovered file. */
  size: number;
  index: FrameIndex;
  report: RecoveryReport;
  /** CRC-32 of the whole recovered file. */
  checksum: number;
}

/** A prefix of the file known sound: its length and its CRC-32 (from a checkpoint). */
export interface TrustedPrefix {
  end: number;
  crc: number;
}

function quarantine(dir: string, logPath: string, bytes: Uint8Array, d: Damage, afterSeq: number, beforeSeq?: number): Quarantined {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const file = join(dir, `${basename(logPath)}.${Date.now()}.${d.offset}.bin`);
  writeFileAtomicSync(file, bytes, { mode: 0o640 });
  return { ...d, file, sha256: toHex(sha256(bytes)), afterSeq, beforeSeq };
}

function seqBefore(frames: FrameAt[], offset: number): number {
  let seq = 0;
  for (const f of frames) if (f.offset < offset) seq = f.seq;
  return seq;
}

const CHUNK = 1 << 20;

function readFully(fd: number, buf: Buffer, length: number, position: number): void {
  if (!readExactly(fd, buf, length, position)) throw new Error(`short read at ${position}`);
}

/**
 * A prefix that is byte for byte what a checkpoint covered: its CRC-32 computed over 1 MiB
 * reads (the whole file never sits in memory) while the frame headers are walked, no frame's
 * own CRC checked; then the bytes after it, to be checked frame by frame. Undefined when the
 * prefix does not match or its headers do not line up to its end.
 */
function readTrustedPrefix(path: string, trusted: TrustedPrefix, chunk: number): { index: FrameIndex; lastSeq: number; rest: Buffer } | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (trusted.end > size) return undefined;
    const index = new FrameIndex();
    const buf = Buffer.allocUnsafe(Math.min(chunk, Math.max(trusted.end, FRAME_HEADER_BYTES)));
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    let crc = 0;
    let next = 0; // where the next frame header starts
    let lastSeq = 0;
    for (let off = 0; off < trusted.end; ) {
      const n = Math.min(buf.length, trusted.end - off);
      readFully(fd, buf, n, off);
      const view = buf.subarray(0, n);
      crc = crc32Continue(crc, view);
      for (; next < off + n; ) {
        if (next + FRAME_HEADER_BYTES > trusted.end) return undefined;
        let h = frameHeaderAt(view, next - off);
        if (!h && next + FRAME_HEADER_BYTES > off + n) {
          // The header straddles two reads: read it on its own.
          readFully(fd, header, FRAME_HEADER_BYTES, next);
          h = frameHeaderAt(header, 0);
        }
        if (!h || h.seq <= lastSeq || next + FRAME_HEADER_BYTES + h.length > trusted.end) return undefined;
        index.push(h.seq, next, FRAME_HEADER_BYTES + h.length);
        lastSeq = h.seq;
        next += FRAME_HEADER_BYTES + h.length;
      }
      off += n;
    }
    if (crc !== trusted.crc || next !== trusted.end) return undefined;
    const rest = Buffer.allocUnsafe(size - trusted.end);
    readFully(fd, rest, rest.length, trusted.end);
    return { index, lastSeq, rest };
  } finally {
    closeSync(fd);
  }
}

/**
 * Recovery after a checkpoint: the trusted prefix by its headers, every frame after it checked.
 * Undefined (check everything) when the prefix does not match or anything after it is damaged.
 */
function recoverAfterPrefix(path: string, quarantineDir: string, trusted: TrustedPrefix, chunk: number): Recovered | undefined {
  const prefix = readTrustedPrefix(path, trusted, chunk);
  if (!prefix) return undefined;
  const scan = scanFrames(prefix.rest, 0, prefix.lastSeq);
  if (scan.damaged.length > 0) return undefined;
  for (const f of scan.frames) prefix.index.push(f.seq, trusted.end + f.offset, f.size);
  const report: RecoveryReport = { damaged: [], trustedBytes: trusted.end };
  let sound = prefix.rest.length;
  if (scan.tornTail) {
    const t = { offset: trusted.end + scan.tornTail.offset, size: scan.tornTail.size };
    report.tornTail = quarantine(quarantineDir, path, prefix.rest.subarray(scan.tornTail.offset), t, prefix.index.lastSeq);
    cutTail(path, t.offset);
    sound = scan.tornTail.offset;
  }
  return { size: trusted.end + sound, index: prefix.index, report, checksum: crc32Continue(trusted.crc, prefix.rest.subarray(0, sound)) };
}

/** `chunk`: how much of a trusted prefix is read at a time (tests make headers straddle reads). */
export function recoverLog(path: string, quarantineDir: string, trusted?: TrustedPrefix, chunk = CHUNK): Recovered {
  const quick = trusted ? recoverAfterPrefix(path, quarantineDir, trusted, chunk) : undefined;
  if (quick) return quick;
  let image: Buffer = readFileSync(path);
  const scan = scanFrames(image);
  const report: RecoveryReport = { damaged: [] };
  if (scan.tornTail) {
    const t = scan.tornTail;
    report.tornTail = quarantine(quarantineDir, path, image.subarray(t.offset), t, seqBefore(scan.frames, t.offset));
    cutTail(path, t.offset);
    image = image.subarray(0, t.offset);
  }
  if (scan.damaged.length === 0) return { size: image.length, index: FrameIndex.from(scan.frames), report, checksum: crc32Continue(0, image) };
  for (const d of scan.damaged) {
    const next = scan.frames.find((f) => f.offset >= d.offset + d.size);
    report.damaged.push(quarantine(quarantineDir, path, image.subarray(d.offset, d.offset + d.size), d, seqBefore(scan.frames, d.offset), next?.seq));
  }
  // Rewrite with the sound frames only, in order, byte for byte.
  const sound = Buffer.concat(scan.frames.map((f) => image.subarray(f.offset, f.offset + f.size)));
  writeFileAtomicSync(path, sound, { mode: 0o640 });
  const index = new FrameIndex();
  let offset = 0;
  for (const f of scan.frames) {
    index.push(f.seq, offset, f.size);
    offset += f.size;
  }
  return { size: sound.length, index, report, checksum: crc32Continue(0, sound) };
}

/** Cuts a torn tail off at `offset`, durably. */
function cutTail(path: string, offset: number): void {
  truncateSync(path, offset);
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
