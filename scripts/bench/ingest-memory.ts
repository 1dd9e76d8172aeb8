/**
 * The fleet ingest's memory per unit in one process, after a full collection: FleetIngest with
 * a registry of N units (their records held before the first message, as `fleet watch
 * --registry` holds them), then the first heartbeat of every unit (its record verified then),
 * then two more each. Heap and resident size per unit between the phases. Needs --expose-gc.
 * Run: node --expose-gc --import tsx scripts/bench/ingest-memory.ts [units=10000]
 */
import { FleetIngest } from '../../sdk/index.js';
import { loadNote, machine } from './harness.js';
import { prepare } from './ingest.js';

const N = Number(process.argv[2] ?? 10000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const input = await prepare(N, 3);
const registry = input.units.map((u) => ({ code: u.code, identity: new Uint8Array(u.identity.bytes) }));
const snap = (): { heap: number; rss: number } => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
};
const ingest = new FleetIngest({ trust: input.trustStore, registry });
let rejected = 0;
ingest.on('rejected', () => rejected++);
const before = snap();
for (let i = 0; i < N; i++) ingest.handle(input.messages[i]!.topic, input.messages[i]!.bytes);
const first = snap();
for (let i = N; i < 3 * N; i++) ingest.handle(input.messages[i]!.topic, input.messages[i]!.bytes);
const steady = snap();
if (rejected > 0) throw new Error(`${rejected} heartbeats rejected`);
const per = (a: number, b: number): string => `${((b - a) / N).toFixed(0)} B`;
console.log(`ingest memory per unit, ${N} units; ${machine()}; ${loadNote()}`);
console.log(`  first heartbeat (record verified): heap ${per(before.heap, first.heap)}, rss ${per(before.rss, first.rss)}`);
console.log(`  two more heartbeats:               heap ${per(first.heap, steady.heap)}, rss ${per(first.rss, steady.rss)}`);
console.log(`  in all:                            heap ${per(before.heap, steady.heap)}, rss ${per(before.rss, steady.rss)}`);
