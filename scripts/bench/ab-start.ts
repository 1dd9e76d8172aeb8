/**
 * A/B of start to birth for two agent bundles, interleaved: spawn `node <bundle> agent` to the
 * birth message a subscriber receives, and `node -e ""` to exit as the floor. For checking a
 * start-up change against the code before it (build the old bundle from a worktree first).
 * Run: npx tsx scripts/bench/ab-start.ts <bundle-a> <bundle-b> [runs=9]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { unitTopic } from '../../sdk/index.js';
import { provisionAgent, stopChild } from './agent-proc.js';
import { loadNote, machine } from './harness.js';
import { startMosquitto } from './mosquitto.js';
import { makePki, unitCode } from './pki.js';

const [a, b] = [process.argv[2]!, process.argv[3]!];
const runs = Number(process.argv[4] ?? 9);
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const dir = mkdtempSync(join(tmpdir(), 'rid-ab-start-'));
const broker = await startMosquitto();
try {
  const pki = await makePki(join(dir, 'pki'));
  const unit = await provisionAgent(pki.enterprise, dir, unitCode(1), broker.url);
  const sub = connect(broker.url, { clientId: 'ab-sub' });
  await new Promise((r) => sub.once('connect', r));
  await sub.subscribeAsync(unitTopic(unit.code, 'birth'));
  const startOnce = async (bundle: string): Promise<number> => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bundle, 'agent', '--config', unit.configFile], { stdio: 'ignore' });
    await new Promise((r) => sub.once('message', r));
    const ms = performance.now() - t0;
    await stopChild(child);
    return ms;
  };
  const floor = (): number => {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '']);
    return performance.now() - t0;
  };
  const res: Record<string, number[]> = { a: [], b: [], node: [] };
  await startOnce(a);
  for (let i = 0; i < runs; i++) {
    res.a!.push(await startOnce(a));
    res.b!.push(await startOnce(b));
    res.node!.push(floor());
  }
  const f = median(res.node!);
  console.log(`start to birth, ${runs} interleaved runs; ${machine()}; ${loadNote()}`);
  for (const [k, name] of [['a', a], ['b', b], ['node', 'node -e ""']] as const) {
    const xs = res[k]!;
    console.log(`  ${name.padEnd(36)} ${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})  ${(median(xs) / f).toFixed(2)}x node -e ""`);
  }
  await sub.endAsync();
} finally {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
