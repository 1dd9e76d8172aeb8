/**
 * Events through the agent's local API, as a controller on the robot submits them: the agent
 * runs as its own process (the node bundle, default settings, state on this disk), the real
 * ingest runs as its own process (`robot-id fleet watch --state --receipt-key`: it stores and
 * confirms, so the agent's outbox drains as on a robot), and this process opens N keep-alive
 * HTTP connections to the agent's Unix socket and POSTs events, each waiting for its answer
 * (201 once durable). An event counts when a subscriber on the broker receives it.
 * Baseline, measured in the same run, interleaved round by round: raw MQTT.js QoS 1 with the
 * same number in flight, same-sized payloads, to the same mosquitto, counted the same way.
 * The agent's CPU per event comes from /proc/<pid>/stat (user + system, all threads). Beside it,
 * where the whole machine's CPU went per event (agent, ingest, mosquitto, this process with its
 * submitters and counters, the rest from /proc/stat): on a machine the run saturates, the ratio
 * cannot exceed the raw path's CPU per message over the API path's. Beside them, interleaved
 * too, the same submitters against a bare Node HTTP server (fixtures/bare-http.mjs: parses the
 * body, answers 201): what Node's HTTP alone costs, both sides. Last, the ceiling of any
 * implementation of the protocol on this machine: the cores divided by the raw path's machine CPU
 * per message plus one Ed25519 signature (the robot's) and one verification (the platform's, when
 * it shares the machine), both timed here with node:crypto, with and without the bare HTTP's
 * machine CPU per request.
 * After each round of the agent's paths the script waits, untimed, until the ingest has receipted
 * every event (the agent's outbox is empty), so the ingest's backlog never runs into the next
 * round, and reads the processes' CPU only then.
 * --platform-elsewhere: the robot's side alone in the timed window, as on a robot, whose
 *   platform runs on other machines: the ingest runs under SCHED_IDLE (`chrt --idle 0`), so it
 *   takes only CPU the agent, the broker and the submitters leave idle, and does its work in
 *   the untimed wait after each round; rounds stay within the agent's default unconfirmed limit
 *   (4,096), so the agent never waits for a receipt inside a round. Its CPU per event is still
 *   read after the wait and printed in the breakdown.
 * With --batch K, a third path: the same submitters POST /v1/events/batch with K events each.
 *
 * Run: npx tsx scripts/bench/api-events.ts [events=10000] [--rounds 5] [--submitters 128] [--batch 16] [--platform-elsewhere] [--profile <dir>]
 * --agent '<json>': settings added to the agent's config file (e.g. '{"signingThread":"off"}').
 * --agent-node '<flags>': node flags for the agent process (e.g. '--max-semi-space-size=32').
 * --ab <bundle>: a second agent from another bundle (its own unit, same broker and ingest), its
 *   paths ("B: ...") interleaved with the others: an A/B of two builds in one run.
 * --profile: the agent and the ingest run under `node --cpu-prof` and write their profiles into <dir>
 *   when they stop (the ingest's as ingest.cpuprofile).
 * Needs the node bundle (npm run build:bundle) and mosquitto.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type MqttClient } from 'mqtt';
import { provisionUnit, unitTopic } from '../../sdk/index.js';
import { BUNDLE, stopChild } from './agent-proc.js';
import { fmt, loadNote, machine, measure, table, verdict } from './harness.js';
import { startMosquitto } from './mosquitto.js';
import { makePki, unitCode } from './pki.js';

const arg = (name: string, dflt: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : dflt;
};
const N = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 10_000);
const ROUNDS = arg('rounds', 5);
const SUBMITTERS = arg('submitters', 128);
const BATCH = arg('batch', 0);
const NOTE = 'x'.repeat(40);
const AGENT_EXTRA = process.argv.includes('--agent') ? (JSON.parse(process.argv[process.argv.indexOf('--agent') + 1]!) as Record<string, unknown>) : {};
const AGENT_NODE = process.argv.includes('--agent-node') ? process.argv[process.argv.indexOf('--agent-node') + 1]!.split(' ').filter(Boolean) : [];
const AB_BUNDLE = process.argv.includes('--ab') ? process.argv[process.argv.indexOf('--ab') + 1] : undefined;
const PROFILE_DIR = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : undefined;
const PLATFORM_ELSEWHERE = process.argv.includes('--platform-elsewhere');
/** Events the agent may have unconfirmed by default (its sender's maxUnconfirmed). */
const AGENT_MAX_UNCONFIRMED = 4096;
if (PLATFORM_ELSEWHERE && N > AGENT_MAX_UNCONFIRMED - 96) throw new Error(`--platform-elsewhere: at most ${AGENT_MAX_UNCONFIRMED - 96} events per round (the agent's default unconfirmed limit), got ${N}`);
const CLK_TCK = 100;

function client(url: string, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connect(url, { clientId, clean: true });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** Resolves when `n` messages have arrived on `topic` after `arm()`. */
async function counter(url: string, topic: string): Promise<{ arm(n: number): Promise<void>; close(): Promise<void> }> {
  const c = await client(url, `bench-count-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await c.subscribeAsync(topic, { qos: 0 });
  let want = 0;
  let got = 0;
  let done: (() => void) | undefined;
  c.on('message', () => {
    if (++got >= want && done) {
      const d = done;
      done = undefined;
      d();
    }
  });
  return {
    arm: (n) =>
      new Promise<void>((resolve) => {
        got = 0;
        want = n;
        done = resolve;
      }),
    close: () => c.endAsync(),
  };
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

/** Busy CPU ticks of the whole machine (all cores), from /proc/stat. */
function machineTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8');
  const v = f.slice(0, f.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
  return v.reduce((a, b) => a + b, 0) - (v[3] ?? 0) - (v[4] ?? 0); // all but idle and iowait
}

function post(agent: HttpAgent, socketPath: string, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function viaApi(socketPath: string, n: number, batch: number): Promise<void> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: SUBMITTERS });
  const one = JSON.stringify({ kind: 'maintenance', note: NOTE });
  const many = JSON.stringify({ events: Array.from({ length: Math.max(batch, 1) }, () => ({ kind: 'maintenance', note: NOTE })) });
  let left = batch > 0 ? Math.ceil(n / batch) : n;
  const loop = async (): Promise<void> => {
    while (left-- > 0) {
      const status = batch > 0 ? await post(agent, socketPath, '/v1/events/batch', many) : await post(agent, socketPath, '/v1/events', one);
      if (status !== 201) throw new Error(`POST answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: SUBMITTERS }, loop));
  agent.destroy();
}

async function raw(pub: MqttClient, topic: string, n: number, bytes: number): Promise<void> {
  const payload = Buffer.alloc(bytes, 7);
  let left = n;
  const loop = async (): Promise<void> => {
    while (left-- > 0) await pub.publishAsync(topic, payload, { qos: 1 });
  };
  await Promise.all(Array.from({ length: SUBMITTERS }, loop));
}

function waitForFile(path: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (existsSync(path)) {
        clearInterval(t);
        resolve();
      } else if (Date.now() > end) {
        clearInterval(t);
        reject(new Error(`waited ${ms} ms for ${path}`));
      }
    }, 20);
  });
}

/** The agent's outbox depth (GET /v1/status). */
function outboxDepth(agent: HttpAgent, socketPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/v1/status', method: 'GET', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { outbox: { depth: number } }).outbox.depth));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Waits (untimed) until the ingest has receipted everything the agent sent: the ingest works
 * behind the broker's delivery, and without this its backlog would run into the next path's
 * round (the raw baseline's among them) and take CPU from it.
 */
async function drained(socketPath: string): Promise<void> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const end = Date.now() + 120_000;
  try {
    while ((await outboxDepth(agent, socketPath)) > 0) {
      if (Date.now() > end) throw new Error('the agent\'s outbox did not drain in 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    agent.destroy();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * µs of CPU for one Ed25519 signature and one verification with node:crypto on imported keys
 * (what the agent and the ingest each do once per event), over a message of the event's size,
 * timed by the harness's `measure`.
 */
function signatureCosts(bytes: number): { sign: number; verify: number } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const message = Buffer.alloc(bytes, 7);
  const signature = sign(null, message, privateKey);
  const us = (fn: () => void): number => 1e6 / measure('', fn, 1).opsPerSec;
  return { sign: us(() => void sign(null, message, privateKey)), verify: us(() => void verify(null, message, publicKey, signature)) };
}

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} missing: npm run build:bundle`);
  const dir = mkdtempSync(join(tmpdir(), 'rid-bench-api-'));
  const broker = await startMosquitto();
  const children: ChildProcess[] = [];
  try {
    const pki = await makePki(join(dir, 'pki'));
    /** A unit of its own for each agent, in the registry the ingest reads; `n` numbers it. */
    const provision = async (n: number): Promise<void> => {
      await provisionUnit({ enterprise: pki.enterprise, code: unitCode(n), modelName: 'Bench H1', hardwareId: `bench-hw-${n}`, stateDir: join(dir, `unit-${n}`), registryFile: join(dir, 'registry.jsonl') });
    };
    await provision(1);
    if (AB_BUNDLE) await provision(2);
    const ingestProfile = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', 'ingest.cpuprofile'] : [];
    // --platform-elsewhere: the ingest only takes CPU the robot's side leaves idle (SCHED_IDLE).
    const ingestCmd = PLATFORM_ELSEWHERE ? ['chrt', ['--idle', '0', process.execPath]] as const : [process.execPath, []] as const;
    const ingest = spawn(ingestCmd[0], [...ingestCmd[1], ...ingestProfile, BUNDLE, 'fleet', 'watch', '--broker', broker.url, '--trust', join(pki.root.dir, 'trust.json'), '--registry', join(dir, 'registry.jsonl'), '--state', join(dir, 'ingest'), '--receipt-key', pki.platform.dir, '--json'], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(ingest);
    /** One agent process (bundle `bundle`) for unit `n`. */
    const startAgent = async (n: number, bundle: string): Promise<{ code: string; socketPath: string; pid: number | undefined }> => {
      const code = unitCode(n);
      const stateDir = join(dir, `unit-${n}`);
      writeFileSync(join(dir, `hw-${n}`), `bench-hw-${n}\n`);
      const configFile = join(dir, `agent-${n}.json`);
      // Default settings but for where things are and the log level.
      writeFileSync(configFile, JSON.stringify({ stateDir, hardwareIdSource: { file: join(dir, `hw-${n}`) }, brokerUrl: broker.url, logLevel: 'warn', ...AGENT_EXTRA }));
      const profile = [...AGENT_NODE, ...(PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [])];
      const proc = spawn(process.execPath, [...profile, bundle, 'agent', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(proc);
      const socketPath = join(stateDir, 'agent.sock');
      await waitForFile(socketPath, 15_000);
      return { code, socketPath, pid: proc.pid };
    };
    const main = await startAgent(1, BUNDLE);
    const other = AB_BUNDLE ? await startAgent(2, AB_BUNDLE) : undefined;
    const { code, socketPath } = main;
    const agentProc = { pid: main.pid };
    const topic = unitTopic(code, 'evt');
    const count = await counter(broker.url, topic);
    const otherCount = other ? await counter(broker.url, unitTopic(other.code, 'evt')) : undefined;
    const pub = await client(broker.url, `bench-raw-${process.pid}`);
    const rawTopic = `bench/raw/${process.pid}`;
    const rawCount = await counter(broker.url, rawTopic);
    // The size of an event as the agent publishes it: measured from one real event.
    const probe = await client(broker.url, `bench-probe-${process.pid}`);
    await probe.subscribeAsync(topic, { qos: 0 });
    const sized = new Promise<number>((resolve) => probe.once('message', (_t, p) => resolve(p.length)));
    await viaApi(socketPath, 1, 0);
    const eventBytes = await sized;
    await probe.endAsync();

    // Node's HTTP alone, both sides: the same submitters against a server that only parses and answers.
    const bareSocket = join(dir, 'bare-http.sock');
    const bare = fork(fileURLToPath(new URL('./fixtures/bare-http.mjs', import.meta.url)), [bareSocket], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(bare);
    await new Promise<void>((resolve, reject) => {
      bare.once('message', () => resolve());
      bare.once('exit', (c) => reject(new Error(`the bare HTTP server exited (${c})`)));
    });

    type Path = { name: string; run(n: number): Promise<void>; pid?: number; socketPath?: string; cpuOf?: string; judged?: boolean };
    const bareName = `bare Node HTTP server (no agent), ${SUBMITTERS} submitters`;
    const bareBatchName = `bare Node HTTP server, batches of ${BATCH}`;
    const barePaths: Path[] = [
      { name: bareName, run: (n) => viaApi(bareSocket, n, 0), pid: bare.pid, cpuOf: 'server', judged: false },
      ...(BATCH > 0 ? [{ name: bareBatchName, run: (n: number) => viaApi(bareSocket, n, BATCH), pid: bare.pid, cpuOf: 'server', judged: false }] : []),
    ];
    const paths: Path[] = [
      { name: 'raw MQTT.js QoS 1', run: async (n) => void (await Promise.all([rawCount.arm(n), raw(pub, rawTopic, n, eventBytes)])) },
      { name: `local API, ${SUBMITTERS} submitters`, run: async (n) => void (await Promise.all([count.arm(n), viaApi(socketPath, n, 0)])), pid: agentProc.pid, socketPath },
      ...(BATCH > 0
        ? [{ name: `local API batch of ${BATCH}, ${SUBMITTERS} submitters`, run: async (n: number) => void (await Promise.all([count.arm(Math.ceil(n / BATCH) * BATCH), viaApi(socketPath, n, BATCH)])), pid: agentProc.pid, socketPath }]
        : []),
      ...(other && otherCount
        ? [
            { name: `B: local API, ${SUBMITTERS} submitters`, run: async (n: number) => void (await Promise.all([otherCount.arm(n), viaApi(other.socketPath, n, 0)])), pid: other.pid, socketPath: other.socketPath },
            ...(BATCH > 0
              ? [{ name: `B: local API batch of ${BATCH}`, run: async (n: number) => void (await Promise.all([otherCount.arm(Math.ceil(n / BATCH) * BATCH), viaApi(other.socketPath, n, BATCH)])), pid: other.pid, socketPath: other.socketPath }]
              : []),
          ]
        : []),
      ...barePaths,
    ];
    // Warm-up: each path runs once (compiles both sides' hot paths), then interleaved rounds.
    for (const p of paths) {
      await p.run(Math.min(N, 20_000));
      if (p.socketPath) await drained(p.socketPath);
    }
    const rates = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    // Per path and round: µs of CPU per event of each process, and of the whole machine.
    const split = new Map<string, Record<string, number>[]>();
    const parts = (p: { pid?: number }) => {
      const self = process.cpuUsage();
      return {
        agent: p.pid ? cpuTicks(p.pid) : 0,
        ingest: ingest.pid ? cpuTicks(ingest.pid) : 0,
        mosquitto: cpuTicks(broker.pid),
        bench: ((self.user + self.system) / 1e6) * CLK_TCK,
        machine: machineTicks(),
      };
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of paths) {
        const t0 = process.hrtime.bigint();
        const before = parts(p);
        await p.run(N);
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        // CPU is read once the ingest has caught up, so each process's figure counts all the
        // work those N events made it do; the rate is the delivery's, read before.
        if (p.socketPath) await drained(p.socketPath);
        const after = parts(p);
        rates.set(p.name, [...(rates.get(p.name) ?? []), N / s]);
        const us = Object.fromEntries(Object.keys(after).map((k) => [k, ((after[k as keyof typeof after] - before[k as keyof typeof before]) / CLK_TCK / N) * 1e6]));
        // The agent's CPU per event is the split's own agent figure (read from /proc once per side).
        if (p.pid) cpu.set(p.name, [...(cpu.get(p.name) ?? []), us.agent!]);
        split.set(p.name, [...(split.get(p.name) ?? []), us]);
      }
    }
    const base = median(rates.get(paths[0]!.name)!);
    const rows = paths.map((p) => {
      const xs = rates.get(p.name)!;
      const us = cpu.get(p.name);
      return {
        name: p.name,
        value: `${fmt(median(xs))}/s (${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))})${us ? `; ${p.cpuOf ?? 'agent'} CPU ${fmt(median(us))} µs/event (${fmt(Math.min(...us))}-${fmt(Math.max(...us))})` : ''}`,
        ratio: `${(median(xs) / base).toFixed(2)}x raw (${(Math.min(...xs) / base).toFixed(2)}-${(Math.max(...xs) / base).toFixed(2)})`,
      };
    });
    table(`Events through the agent's local API from another process, ${PLATFORM_ELSEWHERE ? 'the ingest under SCHED_IDLE (platform elsewhere), ' : ''}${N} per round, ${ROUNDS} interleaved rounds, ${eventBytes}-byte events; ${machine()}; ${loadNote()}`, rows);
    console.log(`\nwhere the machine's CPU went, µs per event (median of ${ROUNDS} rounds; 'rest': other processes, the kernel's softirqs)`);
    for (const p of paths) {
      const rounds = split.get(p.name)!;
      const m = (k: string): number => median(rounds.map((r) => r[k]!));
      const named = ['agent', 'ingest', 'mosquitto', 'bench'].filter((k) => m(k) >= 1 || k !== 'agent');
      const rest = m('machine') - named.reduce((a, k) => a + m(k), 0);
      const label = (k: string): string => (k === 'bench' ? 'this process' : k === 'agent' ? (p.cpuOf ?? 'agent') : k);
      console.log(`  ${p.name.padEnd(44)} ${named.map((k) => `${label(k)} ${fmt(m(k))}`).join(', ')}, rest ${fmt(Math.max(0, rest))}; machine ${fmt(m('machine'))}`);
    }
    // The ceiling of any implementation of the protocol on this machine: every event costs at
    // least what a raw message costs the machine (broker, publisher, counter) plus one signature
    // on the robot and, with the platform on the same machine, one verification; with the
    // cores saturated no path can deliver more than cores / that per second.
    // With Node's HTTP on both sides (the bare server's rounds: its CPU and the submitters') added,
    // for single requests and for batches.
    const machineOf = (name: string): number => median(split.get(name)!.map((r) => r.machine!));
    const rawMachine = machineOf(paths[0]!.name);
    const costs = signatureCosts(eventBytes);
    const cores = cpus().length;
    const ceiling = (us: number): string => `${fmt((cores * 1e6) / us)}/s, ${((cores * 1e6) / us / base).toFixed(2)}x raw`;
    const crypto = costs.sign + (PLATFORM_ELSEWHERE ? 0 : costs.verify);
    console.log(
      `\nceiling of any implementation that signs each event on the robot${PLATFORM_ELSEWHERE ? '' : ' and verifies it on the platform'}, on ${cores} cores: the cores over the raw path's ${fmt(rawMachine)} µs of machine per message, plus Ed25519 sign ${costs.sign.toFixed(1)} µs${PLATFORM_ELSEWHERE ? '' : ` and verify ${costs.verify.toFixed(1)} µs`} (node:crypto, timed in this process), plus the bare HTTP rounds' machine per request:`,
    );
    console.log(`  no HTTP at all: ${ceiling(rawMachine + crypto)}`);
    console.log(`  single requests (+${fmt(machineOf(bareName))} µs): ${ceiling(rawMachine + crypto + machineOf(bareName))}`);
    if (BATCH > 0) console.log(`  batches of ${BATCH} (+${fmt(machineOf(bareBatchName))} µs per event): ${ceiling(rawMachine + crypto + machineOf(bareBatchName))}`);
    console.log('');
    for (const p of paths.slice(1).filter((q) => q.judged !== false)) {
      const ratio = median(rates.get(p.name)!) / base;
      const us = median(cpu.get(p.name)!);
      console.log(`${p.name}: ${verdict(ratio >= 0.3, '>= 0.3x raw')}; ${verdict(us <= 150, '<= 150 µs agent CPU per event')}`);
    }
    await count.close();
    await otherCount?.close();
    await rawCount.close();
    await pub.endAsync();
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
