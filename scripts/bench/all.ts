/**
 * `npm run bench`: every benchmark in sequence, each printing its figure and its ratio against
 * a baseline measured in the same run on the same machine, then a verdict per target.
 * The machine's load is printed with each table: on a shared machine, re-run when it is quiet.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { BINARY, BUNDLE } from './agent-proc.js';
import { loadavg } from 'node:os';
import { runAgentProcessBench } from './agent-process.js';
import { machine } from './harness.js';
import { runBundled } from './bundled.js';

console.log(`robot-id benchmarks on ${machine()}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
// The start-up and memory benchmarks run dist/: make sure the bundle is the current tree.
spawnSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
if (existsSync(BINARY) && statSync(BINARY).mtimeMs < statSync(BUNDLE).mtimeMs - 60_000) {
  console.log(`note: ${BINARY} is older than the tree's bundle; rebuild it with npm run build:binary -- --arch x64`);
}
// Sign/verify with both backends vs raw node:crypto (its own script, top-level code).
spawnSync(process.execPath, [...process.execArgv, 'scripts/bench/crypto.ts'], { stdio: 'inherit' });
// Bundled, as the product runs (bundled.ts): tsx's per-closure naming is not the product's cost.
await runBundled(new URL('./ingest.ts', import.meta.url).href, ['5000']);
// An SM2 fleet: the same ingest against sm2Verify (fewer units: SM2 signing dominates the set-up).
await runBundled(new URL('./ingest.ts', import.meta.url).href, ['1000', '--alg', 'sm2']);
await runBundled(new URL('./pipeline.ts', import.meta.url).href, ['20000']);
await runBundled(new URL('./eventlog-open.ts', import.meta.url).href, ['64']);
await runAgentProcessBench({ runs: 7, settleMs: 3000 });
// The paths users run: the local API from another process and the ingest as a process.
spawnSync(process.execPath, [...process.execArgv, 'scripts/bench/api-events.ts', '10000', '--rounds', '5', '--batch', '16'], { stdio: 'inherit' });
spawnSync(process.execPath, [...process.execArgv, 'scripts/bench/ingest-process.ts', '2500', '--rounds', '4'], { stdio: 'inherit' });
console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
