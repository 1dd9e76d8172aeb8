/**
 * Boot-time recovery of a framed log (docs/protocol.md §"Event log format", docs/threat-model.md
 * §"Power loss"). Nothing is destroyed: every byte removed from the log is first copied,
 * fsynced, into the quarantine directory.
 *   - A torn tail (bytes after the last sound frame that do not form one) is cut off.
 *   - A damaged stretch with sound frames after it is never "repaired" by truncation: the log
 *     is rewritten (atomically: new file, fsync, rename, fsync dir) with the sound frames of
 *     both sides, byte for byte.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sha256, toHex, writeFileAtomicSync } from '../../sdk/index.js';
import { crc32Continue } from './crc32.js';
import { scanFrames, walkFrames, type Damage, type FrameAt } from './frame.js';
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
  image: Buffer;
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

/**
 * The frames of a prefix that is byte for byte what a checkpoint covered (one CRC-32 over it,
 * no frame's own), then every frame after it checked as usual. Undefined when the prefix does
 * not match or anything after it is damaged: then everything is checked (recoverLog).
 */
function fromTrustedPrefix(image: Buffer, trusted: TrustedPrefix): { index: FrameIndex; tornTail?: Damage; checksum: number } | undefined {
  if (trusted.end > image.length || crc32Continue(0, image.subarray(0, trusted.end)) !== trusted.crc) return undefined;
  const index = new FrameIndex();
  const walked = walkFrames(image, trusted.end, index);
  if (!walked) return undefined;
  const rest = scanFrames(image, trusted.end, walked.lastSeq);
  if (rest.damaged.length > 0) return undefined;
  for (const f of rest.frames) index.push(f.seq, f.offset, f.size);
  const soundEnd = rest.tornTail ? rest.tornTail.offset : image.length;
  return { index, tornTail: rest.tornTail, checksum: crc32Continue(trusted.crc, image.subarray(trusted.end, soundEnd)) };
}

export function recoverLog(path: string, quarantineDir: string, trusted?: TrustedPrefix): Recovered {
  let image: Buffer = readFileSync(path);
  const quick = trusted ? fromTrustedPrefix(image, trusted) : undefined;
  if (quick) {
    const report: RecoveryReport = { damaged: [], trustedBytes: trusted!.end };
    if (quick.tornTail) {
      const t = quick.tornTail;
      report.tornTail = quarantine(quarantineDir, path, image.subarray(t.offset), t, quick.index.length ? quick.index.seq(quick.index.length - 1) : 0);
      cutTail(path, t.offset);
      image = image.subarray(0, t.offset);
    }
    return { image, index: quick.index, report, checksum: quick.checksum };
  }
  const scan = scanFrames(image);
  const report: RecoveryReport = { damaged: [] };
  if (scan.tornTail) {
    const t = scan.tornTail;
    report.tornTail = quarantine(quarantineDir, path, image.subarray(t.offset), t, seqBefore(scan.frames, t.offset));
    cutTail(path, t.offset);
    image = image.subarray(0, t.offset);
  }
  if (scan.damaged.length === 0) return { image, index: FrameIndex.from(scan.frames), report, checksum: crc32Continue(0, image) };
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
  return { image: sound, index, report, checksum: crc32Continue(0, sound) };
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
