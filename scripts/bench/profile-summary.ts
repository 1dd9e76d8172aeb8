/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the top frames by self time and by
 * inclusive time, so docs/performance.md can say where the time goes.
 * Run: npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top=15]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export function summarise(file: string, top = 15): string {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i]!, (self.get(prof.samples[i]!) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const label = (n: Node): string => {
    const f = n.callFrame;
    const file = f.url.replace(/^file:\/\//, '').replace(/.*\/(node_modules\/)/, '$1').replace(/.*\/work\/main\//, '');
    return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
  };
  const selfBy = new Map<string, number>();
  const inclBy = new Map<string, number>();
  let total = 0;
  for (const [id, t] of self) {
    total += t;
    const n = byId.get(id)!;
    selfBy.set(label(n), (selfBy.get(label(n)) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclBy.set(l, (inclBy.get(l) ?? 0) + t);
    }
  }
  // The busy span: first to last sample that is neither idle nor (program).
  let at = prof.startTime;
  let first: number | undefined;
  let last = 0;
  let busy = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    at += prof.timeDeltas[i] ?? 0;
    const name = byId.get(prof.samples[i]!)!.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') continue;
    first ??= at;
    last = at;
    busy += prof.timeDeltas[i] ?? 0;
  }
  const span = first === undefined ? 'no busy samples' : `busy from +${((first - prof.startTime) / 1000).toFixed(0)} ms to +${((last - prof.startTime) / 1000).toFixed(0)} ms, ${(busy / 1000).toFixed(0)} ms on the CPU`;
  const pct = (t: number): string => `${((t / total) * 100).toFixed(1).padStart(5)}%`;
  const rows = (m: Map<string, number>): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, t]) => `  ${pct(t)}  ${l}`);
  return [`profile ${file}: ${(total / 1000).toFixed(0)} ms sampled; ${span}`, 'self time:', ...rows(selfBy), 'inclusive time:', ...rows(inclBy)].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(summarise(process.argv[2]!, Number(process.argv[3] ?? 15)));
}
