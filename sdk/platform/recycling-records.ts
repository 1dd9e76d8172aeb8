/**
 * The recyclers' records the platform holds (`<ingest state>/recycling.jsonl`): one JSON line
 * per verified record, `{code, record}` with the signed bytes in base64, appended and
 * fdatasync'd before the command that took it answers. A torn last line (a crash mid-append)
 * is skipped; every record is verified again when read into a history.
 */
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const RECYCLING_FILE = 'recycling.jsonl';

export function appendRecyclingRecord(stateDir: string, code: string, bytes: Uint8Array): void {
  const fd = openSync(join(stateDir, RECYCLING_FILE), 'a', 0o640);
  try {
    const line = Buffer.from(JSON.stringify({ code, record: Buffer.from(bytes).toString('base64') }) + '\n');
    let off = 0;
    while (off < line.length) off += writeSync(fd, line, off);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function recyclingRecordsOf(stateDir: string, code: string): Uint8Array[] {
  const file = join(stateDir, RECYCLING_FILE);
  if (!existsSync(file)) return [];
  const out: Uint8Array[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const o = JSON.parse(line) as { code?: unknown; record?: unknown };
      if (o.code === code && typeof o.record === 'string') out.push(new Uint8Array(Buffer.from(o.record, 'base64')));
    } catch {
      // a torn last line
    }
  }
  return out;
}
