/**
 * Two benchmarks of the agent as a process, with the node bundle and the single executable:
 *  - start-up: spawn to the birth message received by a subscriber on a local broker
 *    (target < 250 ms); baseline: spawn of `node -e ''` to exit, the floor for any Node start;
 *  - idle resident memory: RSS after settling, against a bare Node process holding one MQTT.js
 *    connection (target <= 1.2x); the executable with its page cache as found and dropped first.
 * Both also for a unit whose event log is full (60 MiB of the default 64 MiB cap, about 200,000
 * entries, all confirmed by the platform), as after years of service: the start and the memory
 * a robot in the field has. Its first start (a full scan that writes the log's checkpoint) is
 * run once before the timed ones.
 * Run: npx tsx scripts/bench/agent-process.ts [runs=7] | --profile <dir>
 */
import { fork, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { connect, type MqttClient } from 'mqtt';
import { STATE_FILES, readPrivateKeyFile, seedSigner, unitTopic } from '../../sdk/index.js';
import { fillEventLog } from './fill-log.js';
import { loadNote, machine, table, verdict } from './harness.js';
import { startMosquitto, type Broker } from './mosquitto.js';
import { makePki, unitCode } from './pki.js';
import { BINARY, provisionAgent, rssOf, runners, spawnAgent, stopChild, type AgentUnit, type Runner } from './agent-proc.js';
import { NODE_VERSION, cachedNodePath } from '../build-binary.mjs';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function subscriber(broker: Broker): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connect(broker.url, { clientId: 'bench-birth-watch', clean: true });
    c.once('connect', () => c.subscribe('rid/v1/u/+/birth', { qos: 1 }, (err) => (err ? reject(err) : resolve(c))));
    c.once('error', reject);
  });
}

async function timeToBirth(r: Runner, unit: AgentUnit, watch: MqttClient): Promise<number> {
  const topic = unitTopic(unit.code, 'birth');
  let onMsg!: (t: string) => void;
  const t0 = performance.now();
  const birth = new Promise<number>((resolve) => {
    onMsg = (t) => t === topic && resolve(performance.now() - t0);
    watch.on('message', onMsg);
  });
  const child = spawnAgent(r, unit);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (c) => reject(new Error(`${r.name} exited ${c} before birth: ${stderr.slice(0, 500)}`))));
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${r.name}: no birth within 10 s: ${stderr.slice(0, 500)}`)), 10_000));
  try {
    return await Promise.race([birth, exited, timeout]);
  } finally {
    watch.removeListener('message', onMsg);
    await stopChild(child);
  }
}

async function idleRss(r: Runner, unit: AgentUnit, watch: MqttClient, settleMs: number): Promise<number> {
  const topic = unitTopic(unit.code, 'birth');
  const child = spawnAgent(r, unit);
  try {
    await new Promise<void>((resolve) => {
      const on = (t: string): void => {
        if (t === topic) {
          watch.removeListener('message', on);
          resolve();
        }
      };
      watch.on('message', on);
    });
    await sleep(settleMs);
    return await medianRss(child.pid!);
  } finally {
    await stopChild(child);
  }
}

/** Median of five RSS samples 200 ms apart. */
async function medianRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++, await sleep(200)) samples.push(rssOf(pid));
  return median(samples);
}

/** The bare baseline from node_modules, and bundled by esbuild like the agent (the stricter one). */
async function bareScripts(dir: string): Promise<{ name: string; file: string }[]> {
  const fixture = 'scripts/bench/fixtures/bare-mqtt.mjs';
  const bundled = join(dir, 'bare-mqtt.bundle.cjs');
  await build({ entryPoints: [fixture], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundled, logLevel: 'error' });
  return [
    { name: 'baseline: bare node + one MQTT.js connection (bundled)', file: bundled },
    { name: 'bare node + one MQTT.js connection (node_modules)', file: fixture },
  ];
}

/**
 * The official Node build the single executable is made of (scripts/build-binary.mjs caches it):
 * the executable's baseline runs on it, since its file-backed pages (statically linked OpenSSL,
 * full ICU) differ from the system node's by about 10 MiB of RSS before any of our code runs.
 */
const SEA_NODE = cachedNodePath('x64');

/**
 * Drops a binary's clean pages from the page cache (posix_fadvise DONTNEED through dd), so that
 * its next run faults them in as after a reboot. A file the build has just written stays in the
 * cache in large blocks and is mapped that way: the same executable then shows about 12 MiB more
 * RSS, all clean file-backed pages (docs/performance.md, idle memory). Pages mapped by a running
 * process stay. Returns false when dd is missing or refused.
 */
function dropPageCache(file: string): boolean {
  return spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'], { stdio: 'ignore' }).status === 0;
}

async function bareRss(file: string, broker: Broker, settleMs: number, execPath = process.execPath): Promise<number> {
  const child = fork(file, [broker.url, 'bench-bare'], { execPath, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    await sleep(settleMs);
    return await medianRss(child.pid!);
  } finally {
    await stopChild(child);
  }
}

/** Fills the unit's event log with entries signed by its own device key, to `mib` MiB. */
async function fillUnitLog(unit: AgentUnit, mib: number): Promise<number> {
  const n = await fillEventLog(
    {
      path: join(unit.stateDir, 'events.log'),
      quarantineDir: join(unit.stateDir, 'quarantine'),
      code: unit.code,
      signer: seedSigner(readPrivateKeyFile(join(unit.stateDir, STATE_FILES.deviceKey)).seed),
      maxBytes: 1 << 30,
      reserveBytes: 0,
      now: () => Math.floor(Date.now() / 1000),
    },
    mib,
  );
  // As in the field, the platform has confirmed them all (outbox.json, the confirmed cursor):
  // a unit is not resending years of log at every start.
  writeFileSync(join(unit.stateDir, 'outbox.json'), JSON.stringify({ event: n, ack: 0 }));
  return n;
}

export async function runAgentProcessBench(options: { runs: number; settleMs: number }): Promise<void> {
  const rs = runners();
  if (rs.length === 0) {
    console.log('\nagent process: no dist/robot-id.cjs or dist/robot-id-linux-x64; run npm run build:bundle (and npm run build:binary -- --arch x64)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rid-bench-agent-'));
  const broker = await startMosquitto();
  const watch = await subscriber(broker);
  try {
    const pki = await makePki(dir);
    const unit = await provisionAgent(pki.enterprise, dir, unitCode(42), broker.url);
    const fullUnit = await provisionAgent(pki.enterprise, dir, unitCode(44), broker.url);
    const entries = await fillUnitLog(fullUnit, 60);
    const full = `event log full (${(entries / 1000).toFixed(0)}k entries, 60 MiB)`;
    // Baseline for start-up: the bare cost of starting and ending a Node process here.
    const nodeStarts: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
      nodeStarts.push(performance.now() - t0);
    }
    const nodeStart = median(nodeStarts);
    const startRows = [{ name: 'baseline: node -e "" (spawn to exit), median', value: `${nodeStart.toFixed(0)} ms`, ratio: '1.00x (baseline)' }];
    for (const r of rs) {
      const times: number[] = [];
      for (let i = 0; i < options.runs; i++) times.push(await timeToBirth(r, unit, watch));
      const med = median(times);
      startRows.push({
        name: `${r.name}: spawn to birth, median of ${options.runs}`,
        value: `${med.toFixed(0)} ms`,
        ratio: `${(med / nodeStart).toFixed(2)}x node start; min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}  ${verdict(med < 250, 'target < 250 ms')}`,
      });
    }
    const first = rs[0]!;
    const firstFull = await timeToBirth(first, fullUnit, watch); // the full scan, once: writes the checkpoint
    const fullTimes: number[] = [];
    for (let i = 0; i < options.runs; i++) fullTimes.push(await timeToBirth(first, fullUnit, watch));
    const fullMed = median(fullTimes);
    startRows.push({
      name: `${first.name}, ${full}: spawn to birth, median of ${options.runs}`,
      value: `${fullMed.toFixed(0)} ms`,
      ratio: `${(fullMed / nodeStart).toFixed(2)}x node start; min ${Math.min(...fullTimes).toFixed(0)}, max ${Math.max(...fullTimes).toFixed(0)}; its first start (full scan) ${firstFull.toFixed(0)} ms  ${verdict(fullMed < 250, 'target < 250 ms')}`,
    });
    table(`agent start-up: executable start to birth published on a local broker (${machine()}, ${loadNote()})`, startRows);

    const [strict, loose] = await bareScripts(dir);
    const bare = await bareRss(strict!.file, broker, options.settleMs);
    const bareLoose = await bareRss(loose!.file, broker, options.settleMs);
    const memRows = [
      { name: strict!.name, value: `${(bare / 1048576).toFixed(1)} MiB`, ratio: '1.00x (baseline)' },
      { name: loose!.name, value: `${(bareLoose / 1048576).toFixed(1)} MiB`, ratio: `${(bareLoose / bare).toFixed(2)}x bare` },
    ];
    const seaBare = existsSync(SEA_NODE) && dropPageCache(SEA_NODE) ? await bareRss(strict!.file, broker, options.settleMs, SEA_NODE) : undefined;
    if (seaBare !== undefined) {
      memRows.push({ name: `baseline for the executable: the same, on its own Node build (official ${NODE_VERSION})`, value: `${(seaBare / 1048576).toFixed(1)} MiB`, ratio: `${(seaBare / bare).toFixed(2)}x bare` });
    }
    for (const r of rs) {
      const base = r.command === BINARY && seaBare !== undefined ? seaBare : bare;
      const against = base === bare ? 'bare' : 'bare on its Node build';
      const row = (name: string, rss: number, judge: boolean) => ({
        name,
        value: `${(rss / 1048576).toFixed(1)} MiB`,
        ratio: `${(rss / base).toFixed(2)}x ${against}${judge ? `  ${verdict(rss / base <= 1.2, 'target <= 1.20x')}` : ''}`,
      });
      if (r.command !== BINARY) {
        memRows.push(row(`${r.name}: idle agent`, await idleRss(r, unit, watch, options.settleMs), true));
        memRows.push(row(`${r.name}: idle agent, ${full}`, await idleRss(r, fullUnit, watch, options.settleMs), true));
        continue;
      }
      // The executable twice: with its page cache as found (just built: filled by the write),
      // then dropped and faulted in by running it, like its baseline's Node binary and like
      // any binary after a reboot. The second is the like-for-like figure.
      memRows.push(row(`${r.name}: idle agent, page cache as found`, await idleRss(r, unit, watch, options.settleMs), false));
      if (dropPageCache(BINARY)) memRows.push(row(`${r.name}: idle agent, page cache dropped first`, await idleRss(r, unit, watch, options.settleMs), true));
    }
    table(`agent idle resident memory, ${options.settleMs / 1000} s after birth (median of 5 samples)`, memRows);
  } finally {
    watch.end(true);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One start of the node bundle under `--cpu-prof` (written to `dir` when the agent exits). */
async function profileStart(dir: string): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'rid-bench-agent-'));
  const broker = await startMosquitto();
  const watch = await subscriber(broker);
  try {
    const pki = await makePki(tmp);
    const unit = await provisionAgent(pki.enterprise, tmp, unitCode(43), broker.url);
    const ms = await timeToBirth({ name: 'node bundle --cpu-prof', command: process.execPath, args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'dist/robot-id.cjs'] }, unit, watch);
    console.log(`spawn to birth under --cpu-prof: ${ms.toFixed(0)} ms; profile in ${dir}`);
  } finally {
    watch.end(true);
    await broker.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--profile');
  if (at > 0) await profileStart(process.argv[at + 1]!);
  else await runAgentProcessBench({ runs: Number(process.argv[2] ?? 7), settleMs: 3000 });
}
