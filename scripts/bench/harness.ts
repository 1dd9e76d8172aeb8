/**
 * A tiny benchmark harness: runs a function for a fixed time after a warm-up and reports
 * operations per second. Every benchmark compares against a baseline measured in the same run
 * on the same machine, so ratios are meaningful even where absolute numbers are not.
 */
import { cpus } from 'node:os';

export interface Result {
  name: string;
  opsPerSec: number;
  ops: number;
  ms: number;
}

export function measure(name: string, fn: () => void, seconds = 1.5): Result {
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 32; i++) fn();
    ops += 32;
  }
  const ms = performance.now() - start;
  return { name, ops, ms, opsPerSec: (ops / ms) * 1000 };
}

export async function measureAsync(name: string, fn: () => Promise<void>, seconds = 1.5): Promise<Result> {
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) await fn();
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    await fn();
    ops++;
  }
  const ms = performance.now() - start;
  return { name, ops, ms, opsPerSec: (ops / ms) * 1000 };
}

export function machine(): string {
  const c = cpus();
  return `${c.length} x ${c[0]?.model ?? 'unknown cpu'}, Node ${process.version}`;
}

export function table(title: string, rows: { name: string; value: string; ratio?: string }[]): void {
  console.log(`\n${title}`);
  const w = Math.max(...rows.map((r) => r.name.length));
  const v = Math.max(...rows.map((r) => r.value.length));
  for (const r of rows) console.log(`  ${r.name.padEnd(w)}  ${r.value.padStart(v)}  ${r.ratio ?? ''}`);
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
