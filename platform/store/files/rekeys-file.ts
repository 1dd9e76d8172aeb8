/**
 * The device rekeys a files store keeps (docs/protocol.md §"Device rekey", §"Fleet ingest"):
 * `<dir>/rekeys.jsonl`, one JSON line per rekey, appended and fdatasync'd right after the
 * messages log's own sync, so a rekey is never durable without its `rekeyed` event. A crash
 * between the two loses the line, never the event: the unit resends the announcement (no
 * receipt named it) and the ingest learns the rekey again.
 */
import { appendFileSync, closeSync, existsSync, fdatasyncSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredRekey } from '../../../sdk/index.js';

export const REKEYS_FILE = 'rekeys.jsonl';

/** One line of the file (the format since rekeys.jsonl first existed). */
interface RekeyLine {
  code: string;
  seq: number;
  /** Base64 of the record in force before the rekey, and of the new one. */
  previous: string;
  record: string;
  ackSeq: number;
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** Every rekey kept in `dir`, in the order written. */
export function readRekeys(dir: string): StoredRekey[] {
  const file = join(dir, REKEYS_FILE);
  if (!existsSync(file)) return [];
  const out: StoredRekey[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let l: RekeyLine;
    try {
      l = JSON.parse(line) as RekeyLine;
    } catch {
      // A torn last line (a crash inside the append): its rekey was not durable, and the unit
      // resends the event, which is learned again.
      continue;
    }
    if (typeof l.code !== 'string' || !Number.isSafeInteger(l.seq) || typeof l.previous !== 'string' || typeof l.record !== 'string' || !Number.isSafeInteger(l.ackSeq)) continue;
    out.push({ code: l.code, seq: l.seq, previous: b64(l.previous), record: b64(l.record), ackSeq: l.ackSeq });
  }
  return out;
}

/** Appends `rekeys` in one write and fdatasyncs the file. */
export function appendRekeys(dir: string, rekeys: readonly StoredRekey[]): void {
  if (rekeys.length === 0) return;
  const line = (r: StoredRekey): string =>
    JSON.stringify({ code: r.code, seq: r.seq, previous: Buffer.from(r.previous).toString('base64'), record: Buffer.from(r.record).toString('base64'), ackSeq: r.ackSeq } satisfies RekeyLine) + '\n';
  const file = join(dir, REKEYS_FILE);
  appendFileSync(file, rekeys.map(line).join(''), { mode: 0o644 });
  const fd = openSync(file, 'r+');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
