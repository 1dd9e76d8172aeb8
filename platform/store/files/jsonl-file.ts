/**
 * The JSON-lines files a files store keeps beside its messages log (rekeys.jsonl,
 * identities.jsonl): appended in one write and fdatasync'd at each commit, read back line by
 * line. A line that does not parse is a torn last line (a crash inside the append): what it
 * held was not durable, and the ingest learns it again, so it is passed over.
 */
import { appendFileSync, closeSync, existsSync, fdatasyncSync, openSync, readFileSync } from 'node:fs';

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

/** Appends `lines` (JSON values) in one write and fdatasyncs the file. */
export function appendJsonLines(file: string, lines: readonly object[]): void {
  if (lines.length === 0) return;
  appendFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''), { mode: 0o644 });
  const fd = openSync(file, 'r+');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
