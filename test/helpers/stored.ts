/** Reads an ingest's store file and counts how often each (code, stream, seq) was stored. */
import { join } from 'node:path';
import type { StoredStream } from '../../sdk/index.js';
import { scanStore, STORE_FILE } from '../../platform/index.js';

export function storedCounts(ingestDir: string, code: string, stream: StoredStream): Map<number, number> {
  const counts = new Map<number, number>();
  scanStore(join(ingestDir, STORE_FILE), 0, (r) => {
    if (r.code === code && r.stream === stream) counts.set(r.seq, (counts.get(r.seq) ?? 0) + 1);
  });
  return counts;
}

/** Every seq 1..n stored exactly once, nothing else. Returns the problems found. */
export function exactlyOnceProblems(counts: Map<number, number>, n: number): string[] {
  const problems: string[] = [];
  for (let s = 1; s <= n; s++) {
    const c = counts.get(s) ?? 0;
    if (c !== 1) problems.push(`seq ${s} stored ${c} times`);
  }
  for (const s of counts.keys()) if (s < 1 || s > n) problems.push(`unexpected seq ${s}`);
  return problems.slice(0, 20);
}
