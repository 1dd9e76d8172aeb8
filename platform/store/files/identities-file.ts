/**
 * The units' identity records a files store keeps (docs/protocol.md §"Fleet ingest"):
 * `<dir>/identities.jsonl`, one JSON line per record kept, in the registry's format (`code`,
 * `identity` in base64) plus `recordVersion`, appended and fdatasync'd at each commit after the
 * messages log's own sync. Read back, the last line of a code with the highest version wins; a
 * torn last line (a crash inside the append) is passed over: the record is learned again.
 */
import { join } from 'node:path';
import type { StoredIdentity } from '../../../sdk/index.js';
import { appendJsonLines, readJsonLines } from './jsonl-file.js';

export const IDENTITIES_FILE = 'identities.jsonl';

interface IdentityLine {
  code: string;
  /** Base64 of the record as signed. */
  identity: string;
  recordVersion: number;
}

/** Every record kept in `dir`, in the order written. */
export function readIdentities(dir: string): StoredIdentity[] {
  return readJsonLines(join(dir, IDENTITIES_FILE), (l) => {
    const i = l as Partial<IdentityLine>;
    if (typeof i.code !== 'string' || typeof i.identity !== 'string' || !Number.isSafeInteger(i.recordVersion)) return undefined;
    return { code: i.code, record: new Uint8Array(Buffer.from(i.identity, 'base64')), recordVersion: i.recordVersion! };
  });
}

/** Appends `identities` in one write and fdatasyncs the file. */
export function appendIdentities(dir: string, identities: readonly StoredIdentity[]): Promise<void> {
  return appendJsonLines(
    join(dir, IDENTITIES_FILE),
    identities.map((i): IdentityLine => ({ code: i.code, identity: Buffer.from(i.record).toString('base64'), recordVersion: i.recordVersion })),
  );
}
