/**
 * A tiny benchmark harness: runs a function for a fixed time after a warm-up and reports
 * operations per second. Every benchmark compares against a baseline measured in the same run
 * on the same machine, so ratios are meaningful even where absolute numbers are not.
 */
import { cpus, loadavg } from 'node:os';

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

/** "target met" / "TARGET MISSED" in capitals so a missed target cannot hide in a table. */
export const verdict = (met: boolean, target: string): string => (met ? `ok (${target})` : `TARGET MISSED (${target})`);

/** Ratio against a baseline, e.g. "0.85x raw". */
export const ratioText = (value: number, base: number, label = 'raw'): string => `${(value / base).toFixed(2)}x ${label}`;

/**
 * Measures several functions in interleaved rounds (A B C A B C ...) and keeps each one's best
 * round. The machine is shared: load from other processes comes and goes, and interleaving
 * exposes every candidate to the same noise, so the ratios stay honest when the absolute
 * figures wobble.
 */
export function compareInterleaved(fns: { name: string; fn: () => void }[], rounds = 8, roundSeconds = 0.3): Result[] {
  const best = new Map<string, Result>();
  for (const f of fns) measure(f.name, f.fn, 0.05);
  for (let r = 0; r < rounds; r++) {
    for (const f of fns) {
      const res = measure(f.name, f.fn, roundSeconds);
      const prev = best.get(f.name);
      if (!prev || res.opsPerSec > prev.opsPerSec) best.set(f.name, res);
    }
  }
  return fns.map((f) => best.get(f.name)!);
}

/** The 1-minute load average and the core count, to print next to every figure. */
export function loadNote(): string {
  const [one] = loadavg();
  return `load ${one!.toFixed(2)} on ${cpus().length} cores`;
}

export interface Spread {
  name: string;
  median: number;
  min: number;
  max: number;
}

/**
 * Like compareInterleaved, but keeps every round and reports the median ops/s with the min and
 * max, so a reader sees how much the shared machine moved the figure while it was taken.
 */
export function spreadInterleaved(fns: { name: string; fn: () => void }[], rounds = 9, roundSeconds = 0.3): Spread[] {
  const all = new Map<string, number[]>(fns.map((f) => [f.name, []]));
  for (const f of fns) measure(f.name, f.fn, 0.05);
  for (let r = 0; r < rounds; r++) for (const f of fns) all.get(f.name)!.push(measure(f.name, f.fn, roundSeconds).opsPerSec);
  return fns.map((f) => {
    const xs = [...all.get(f.name)!].sort((a, b) => a - b);
    return { name: f.name, median: xs[Math.floor(xs.length / 2)]!, min: xs[0]!, max: xs[xs.length - 1]! };
  });
}
