/**
 * Steady heartbeats through FleetIngest.handle in one process with the two ways of holding the
 * units' device keys, interleaved round by round on the same messages: `nodeEd25519` (a
 * KeyObject kept per key, about 1.2 KiB per unit) and `nodeEd25519Unkept` (the ingest's
 * default: the key given to OpenSSL as a JWK with each verification, nothing kept). Each
 * round hands every unit's next heartbeat to both ingests, one after the other (which goes
 * first alternates); round 1 is the first heartbeat (records verified) and is not counted.
 * Median of the rounds with min and max.
 * Run: npx tsx scripts/bench/ingest-keys.ts [units=10000] [rounds=7]
 */
import { FleetIngest } from '../../sdk/index.js';
import { nodeEd25519 } from '../../sdk/crypto/ed25519-node.js';
import { loadNote, machine } from './harness.js';
import { prepare } from './ingest.js';

const N = Number(process.argv[2] ?? 10000);
const ROUNDS = Number(process.argv[3] ?? 7);
const input = await prepare(N, ROUNDS);
const registry = input.units.map((u) => ({ code: u.code, identity: new Uint8Array(u.identity.bytes) }));
const sides = [
  { name: 'kept KeyObject per unit (nodeEd25519)', ingest: new FleetIngest({ trust: input.trustStore, registry, backend: nodeEd25519 }), rates: [] as number[] },
  { name: 'no key kept (nodeEd25519Unkept, default)', ingest: new FleetIngest({ trust: input.trustStore, registry }), rates: [] as number[] },
];
let rejected = 0;
for (const s of sides) s.ingest.on('rejected', () => rejected++);
for (let r = 0; r < ROUNDS; r++) {
  const msgs = input.messages.slice(r * N, (r + 1) * N);
  for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
    const t0 = performance.now();
    for (const m of msgs) s.ingest.handle(m.topic, m.bytes);
    if (r > 0) s.rates.push(N / ((performance.now() - t0) / 1000));
  }
}
if (rejected > 0) throw new Error(`${rejected} heartbeats rejected`);
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`steady heartbeats, ${N} units, ${ROUNDS - 1} rounds; ${machine()}; ${loadNote()}`);
const base = med(sides[0]!.rates);
for (const s of sides) {
  console.log(`  ${s.name.padEnd(44)} ${med(s.rates).toFixed(0)}/s (${Math.min(...s.rates).toFixed(0)}-${Math.max(...s.rates).toFixed(0)})  ${(med(s.rates) / base).toFixed(3)}x`);
}
