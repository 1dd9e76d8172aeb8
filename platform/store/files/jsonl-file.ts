/**
 * The JSON-lines files a files store keeps beside its messages log (rekeys.jsonl,
 * identities.jsonl): appended in one write and fdatasync'd at each commit, read back line by
 * line. A line that does not parse is a torn last line (a crash inside the append): what it
 * held was not durable, and the ingest learns it again, so it is passed over.
 */
import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Every line of `file` that parses and that `accept` takes, in the order written. */
export function readJsonLines<T>(file: string, accept: (line: Record<string, unknown>) => T | undefined): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      // A torn last line: see above.
      continue;
    }
    if (typeof line !== 'object' || line === null) continue;
    const value = accept(line as Record<string, unknown>);
    if (value !== undefined) out.push(value);
  }
  return out;
}

/**
 * Appends `lines` (JSON values) in one write and fdatasyncs the file, off the event loop. A
 * file ending in a torn line (a crash inside an earlier append) gets a newline first, so the
 * torn line stays the only one lost.
 */
export async function appendJsonLines(file: string, lines: readonly object[]): Promise<void> {
  if (lines.length === 0) return;
  const fh = await open(file, 'a+', 0o644);
  try {
    const { size } = await fh.stat();
    const last = Buffer.alloc(1);
    const torn = size > 0 && (await fh.read(last, 0, 1, size - 1)).bytesRead === 1 && last[0] !== 0x0a;
    await fh.appendFile((torn ? '\n' : '') + lines.map((l) => JSON.stringify(l) + '\n').join(''));
    await fh.datasync();
  } finally {
    await fh.close();
  }
}
