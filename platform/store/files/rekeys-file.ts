/**
 * The device rekeys a files store keeps (docs/protocol.md §"Device rekey", §"Fleet ingest"):
 * `<dir>/rekeys.jsonl`, one JSON line per rekey, appended and fdatasync'd right after the
 * messages log's own sync, so a rekey is never durable without its `rekeyed` event. A crash
 * between the two loses the line, never the event: the unit resends the announcement (no
 * receipt named it) and the ingest learns the rekey again.
 */
import { join } from 'node:path';
import type { StoredRekey } from '../../../sdk/index.js';
import { appendJsonLines, readJsonLines } from './jsonl-file.js';

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

/** Every rekey kept in `dir`, in the order written (a torn last line: the unit resends the event). */
export function readRekeys(dir: string): StoredRekey[] {
  return readJsonLines(join(dir, REKEYS_FILE), (l) => {
    const r = l as Partial<RekeyLine>;
    if (typeof r.code !== 'string' || !Number.isSafeInteger(r.seq) || typeof r.previous !== 'string' || typeof r.record !== 'string' || !Number.isSafeInteger(r.ackSeq)) return undefined;
    return { code: r.code, seq: r.seq!, previous: b64(r.previous), record: b64(r.record), ackSeq: r.ackSeq! };
  });
}

/** Appends `rekeys` in one write and fdatasyncs the file. */
export function appendRekeys(dir: string, rekeys: readonly StoredRekey[]): Promise<void> {
  return appendJsonLines(
    join(dir, REKEYS_FILE),
    rekeys.map((r): RekeyLine => ({ code: r.code, seq: r.seq, previous: Buffer.from(r.previous).toString('base64'), record: Buffer.from(r.record).toString('base64'), ackSeq: r.ackSeq })),
  );
}
