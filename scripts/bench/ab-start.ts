/**
 * A/B of start to birth for two agent bundles, interleaved: spawn `node <bundle> agent` to the
 * birth message a subscriber receives, and `node -e ""` to exit as the floor. For checking a
 * start-up change against the code before it (build the old bundle from a worktree first).
 * Also the CPU time each agent had used when its birth arrived (/proc, all threads), which the
 * machine's load moves less than the wall-clock time.
 * Either side may also be a single executable (a path not ending in .cjs or .js), run directly.
 * Run: npx tsx scripts/bench/ab-start.ts <bundle-a> <bundle-b> [runs=9]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    const [cmd, args] = /\.c?js$/.test(bundle) ? [process.execPath, [bundle]] : [bundle, []];
    const child = spawn(cmd, [...args, 'agent', '--config', unit.configFile], { stdio: 'ignore' });
    await new Promise((r) => sub.once('message', r));
    const ms = performance.now() - t0;
    cpu.get(bundle)?.push(cpuMs(child.pid!));
    await stopChild(child);
    return ms;
  };
  // CPU time the process had used when its birth arrived (all threads): less moved by the
  // machine's load than the wall-clock time.
  const cpu = new Map<string, number[]>([[a, []], [b, []]]);
  const cpuMs = (pid: number): number => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000; // utime + stime, clock ticks of 10 ms
  };
  const floor = (): number => {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '']);
    return performance.now() - t0;
  };
  const res: Record<string, number[]> = { a: [], b: [], node: [] };
  await startOnce(a);
  cpu.get(a)!.length = 0;
  for (let i = 0; i < runs; i++) {
    res.a!.push(await startOnce(a));
    res.b!.push(await startOnce(b));
    res.node!.push(floor());
  }
  const f = median(res.node!);
  console.log(`start to birth, ${runs} interleaved runs; ${machine()}; ${loadNote()}`);
  for (const [k, name] of [['a', a], ['b', b], ['node', 'node -e ""']] as const) {
    const xs = res[k]!;
    const c = k === 'node' ? undefined : cpu.get(name);
    // Ticks are 10 ms: the mean over the runs resolves finer than the median.
    const cpuNote = c ? `; CPU to birth ${median(c).toFixed(0)} ms (${Math.min(...c).toFixed(0)}-${Math.max(...c).toFixed(0)}), mean ${(c.reduce((x, y) => x + y, 0) / c.length).toFixed(1)}` : '';
    console.log(`  ${name.padEnd(36)} ${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})  ${(median(xs) / f).toFixed(2)}x node -e ""${cpuNote}`);
  }
  await sub.endAsync();
} finally {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
