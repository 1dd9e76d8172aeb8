/** Percentiles and the summary table of the fleet simulation. */
export interface Dist {
  count: number;
  median: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `xs` (ms); undefined when empty. */
export function dist(xs: number[]): Dist | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { count: s.length, median: at(50), p99: at(99), max: s[s.length - 1]! };
}

export function printTable(title: string, header: string[], rows: string[][], align: 'numbers' | 'left' = 'numbers'): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || align === 'left' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  if (title) console.log(`\n${title}`);
  else console.log('');
  console.log(`  ${line(header)}`);
  console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(`  ${line(r)}`);
}

export const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
export const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`;
