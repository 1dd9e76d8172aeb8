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
import { scanFrames, type Damage, type FrameAt } from './frame.js';

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
}

export interface Recovered {
  image: Buffer;
  frames: FrameAt[];
  report: RecoveryReport;
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

export function recoverLog(path: string, quarantineDir: string): Recovered {
  let image: Buffer = readFileSync(path);
  const scan = scanFrames(image);
  const report: RecoveryReport = { damaged: [] };
  if (scan.tornTail) {
    const t = scan.tornTail;
    report.tornTail = quarantine(quarantineDir, path, image.subarray(t.offset), t, seqBefore(scan.frames, t.offset));
    truncateSync(path, t.offset);
    const fd = openSync(path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    image = image.subarray(0, t.offset);
  }
  if (scan.damaged.length === 0) return { image, frames: scan.frames, report };
  for (const d of scan.damaged) {
    const next = scan.frames.find((f) => f.offset >= d.offset + d.size);
    report.damaged.push(quarantine(quarantineDir, path, image.subarray(d.offset, d.offset + d.size), d, seqBefore(scan.frames, d.offset), next?.seq));
  }
  // Rewrite with the sound frames only, in order, byte for byte.
  const sound = Buffer.concat(scan.frames.map((f) => image.subarray(f.offset, f.offset + f.size)));
  writeFileAtomicSync(path, sound, { mode: 0o640 });
  const frames: FrameAt[] = [];
  let offset = 0;
  for (const f of scan.frames) {
    frames.push({ seq: f.seq, offset, size: f.size });
    offset += f.size;
  }
  return { image: sound, frames, report };
}
