/**
 * The units' identity records a files store keeps (docs/protocol.md §"Fleet ingest"):
 * `<dir>/identities.jsonl`, one JSON line per record kept, in the registry's format (`code`,
 * `identity` in base64) plus `recordVersion`, appended and fdatasync'd at each commit after the
 * messages log's own sync. Read back, the last line of a code with the highest version wins; a
 * torn last line (a crash inside the append) is passed over: the record is learned again.
 */
import { appendFileSync, closeSync, existsSync, fdatasyncSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredIdentity } from '../../../sdk/index.js';

export const IDENTITIES_FILE = 'identities.jsonl';

interface IdentityLine {
  code: string;
  /** Base64 of the record as signed. */
  identity: string;
  recordVersion: number;
}

/** Every record kept in `dir`, in the order written. */
export function readIdentities(dir: string): StoredIdentity[] {
  const file = join(dir, IDENTITIES_FILE);
  if (!existsSync(file)) return [];
  const out: StoredIdentity[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let l: IdentityLine;
    try {
      l = JSON.parse(line) as IdentityLine;
    } catch {
      // A torn last line: that record was not durable (see above).
      continue;
    }
    if (typeof l.code !== 'string' || typeof l.identity !== 'string' || !Number.isSafeInteger(l.recordVersion)) continue;
    out.push({ code: l.code, record: new Uint8Array(Buffer.from(l.identity, 'base64')), recordVersion: l.recordVersion });
  }
  return out;
}

/** Appends `identities` in one write and fdatasyncs the file. */
export function appendIdentities(dir: string, identities: readonly StoredIdentity[]): void {
  if (identities.length === 0) return;
  const line = (i: StoredIdentity): string => JSON.stringify({ code: i.code, identity: Buffer.from(i.record).toString('base64'), recordVersion: i.recordVersion } satisfies IdentityLine) + '\n';
  const file = join(dir, IDENTITIES_FILE);
  appendFileSync(file, identities.map(line).join(''), { mode: 0o644 });
  const fd = openSync(file, 'r+');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
