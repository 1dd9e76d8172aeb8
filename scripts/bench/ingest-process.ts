/**
 * The fleet ingest as an operator runs it: `robot-id fleet watch --state <dir> --receipt-key
 * <platform> --registry <file> --json` as its own process (the node bundle), fed by mosquitto
 * with heartbeats this process publishes (QoS 0, as units send them), storing and receipting as in
 * production. A message counts when the ingest prints its verified line. Two phases per round,
 * each on units the ingest has never seen: the first heartbeat of each unit (its identity
 * record verified then: "first seen"), then two more per unit ("steady"). Baseline, measured
 * in the same run between the phases: raw node:crypto verification of the same messages in
 * this process, keys imported beforehand (the floor for checking one signature). Memory: the
 * ingest's resident size before the first unit and after the timed rounds, per unit; then, after
 * as many units again (first heartbeat and two more each, untimed), the cost of one more unit,
 * without the heap's one-off growth when the load starts: the target is judged on that. Each is
 * read right after a full collection in the ingest (through its inspector: the benchmark starts
 * it with `--inspect=127.0.0.1:0`), so it is what the ingest keeps: read without one, runs of the
 * same code gave 1.5 to 3.9 KiB per unit, depending on when V8 had last collected.
 * CPU: the ingest's CPU time per message in each phase (user + system of all its threads, and of
 * its main thread alone, from /proc: 10 ms ticks) beside the baseline's per verification, which
 * a busy machine changes far less than the rates; mosquitto's and this process's per message
 * (publishing, counting); and the ceilings they set: the cores' (every CPU-second of the path
 * spread over the machine's CPUs) and the ingest's main thread's, each against the baseline.
 * `--verify-threads <n>`: passed to the ingest (0: no verification threads; default: its own).
 * Run: npx tsx scripts/bench/ingest-process.ts [units-per-round=2500] [--rounds 4] [--verify-threads <n>] [--profile <dir>]
 */
import { spawn } from 'node:child_process';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect, type MqttClient } from 'mqtt';
import { decodeSign1, sigStructure1 } from '../../sdk/index.js';
import { BUNDLE, rssOf, stopChild } from './agent-proc.js';
import { collectGarbage, inspectorUrl } from './inspector.js';
import { fmt, loadNote, machine, table, verdict } from './harness.js';
import { prepare } from './ingest.js';
import { startMosquitto } from './mosquitto.js';

const PER_ROUND = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 2500);
const ROUNDS = (() => {
  const at = process.argv.indexOf('--rounds');
  return at > 0 ? Number(process.argv[at + 1]) : 4;
})();
/** `--profile <dir>`: the ingest runs under --cpu-prof, its profile written there on exit. */
const PROFILE = (() => {
  const at = process.argv.indexOf('--profile');
  return at > 0 ? process.argv[at + 1] : undefined;
})();
const VERIFY_THREADS = (() => {
  const at = process.argv.indexOf('--verify-threads');
  return at > 0 ? process.argv[at + 1] : undefined;
})();
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** User + system CPU seconds of a process (all its threads) or of one of its threads. */
function cpuOf(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function publishAll(pub: MqttClient, msgs: { topic: string; bytes: Uint8Array }[]): Promise<void> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < msgs.length) {
      const m = msgs[next++]!;
      // QoS 0, as units send heartbeats (never queued: only the latest matters).
      await pub.publishAsync(m.topic, Buffer.from(m.bytes), { qos: 0 });
    }
  };
  await Promise.all(Array.from({ length: 256 }, loop));
}

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} missing: npm run build:bundle`);
  const total = PER_ROUND * ROUNDS;
  // After the timed rounds, as many units again, untimed, for the cost of one more unit.
  const input = await prepare(2 * total, 3);
  const broker = await startMosquitto();
  try {
    const registry = join(input.dir, 'registry.jsonl');
    writeFileSync(registry, input.units.map((u) => JSON.stringify({ code: u.code, identity: Buffer.from(u.identity.bytes).toString('base64') })).join('\n') + '\n');
    const ingest = spawn(
      process.execPath,
      ['--inspect=127.0.0.1:0', ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', PROFILE] : []), BUNDLE, 'fleet', 'watch', '--broker', broker.url, '--trust', join(input.dir, 'root', 'trust.json'), '--registry', registry, '--state', join(input.dir, 'ingest'), '--receipt-key', join(input.dir, 'platform'), '--json', '--client-id', 'bench-ingest', ...(VERIFY_THREADS !== undefined ? ['--verify-threads', VERIFY_THREADS] : [])],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const inspector = await inspectorUrl(ingest.stderr!);
    let verified = 0;
    let rejected = 0;
    createInterface({ input: ingest.stdout! }).on('line', (l) => {
      if (l.includes('"verified":true') && l.includes('"kind":"heartbeat"')) verified++;
      else if (l.includes('"verified":false')) rejected++;
    });
    const pub = connect(broker.url, { clientId: 'bench-ingest-pub' });
    await new Promise((r) => pub.once('connect', r));
    await sleep(1500); // the ingest connects and subscribes
    // Memory is read after a full collection in the ingest, so it is what the ingest keeps.
    const heap0 = await collectGarbage(inspector);
    const rss0 = rssOf(ingest.pid!);

    // Raw baseline over the same heartbeats, keys imported beforehand.
    const keys = new Map<string, KeyObject>(input.units.map((u) => [u.code, createPublicKey({ key: Buffer.concat([SPKI_PREFIX, u.identity.record.devicePublicKey]), format: 'der', type: 'spki' })]));
    const raw = input.messages.map((m) => {
      const cose = decodeSign1(m.bytes, { maxBytes: 4096 });
      return { key: keys.get(m.code)!, data: sigStructure1(cose.protectedBytes, cose.payload), sig: cose.signature };
    });
    const cpu = { raw: [] as number[], first: [] as number[], steady: [] as number[], firstMain: [] as number[], steadyMain: [] as number[], firstRest: [] as number[], steadyRest: [] as number[] };
    const rawRate = (n: number): number => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const r = raw[i % raw.length]!;
        if (!verify(null, r.data, r.key, r.sig)) throw new Error('raw verify failed');
      }
      const c = process.cpuUsage(c0);
      cpu.raw.push((c.user + c.system) / n);
      return n / ((performance.now() - t0) / 1000);
    };
    const phase = async (msgs: typeof input.messages, name: 'first' | 'steady'): Promise<number> => {
      const want = verified + msgs.length;
      const c0 = cpuOf(ingest.pid!);
      const m0 = cpuOf(ingest.pid!, ingest.pid!);
      const b0 = cpuOf(broker.pid);
      const p0 = process.cpuUsage();
      const t0 = performance.now();
      await publishAll(pub, msgs);
      while (verified < want) {
        if (rejected > 0) throw new Error(`the ingest rejected ${rejected} messages`);
        await sleep(2);
      }
      const rate = msgs.length / ((performance.now() - t0) / 1000);
      cpu[name].push(((cpuOf(ingest.pid!) - c0) * 1e6) / msgs.length);
      cpu[name === 'first' ? 'firstMain' : 'steadyMain'].push(((cpuOf(ingest.pid!, ingest.pid!) - m0) * 1e6) / msgs.length);
      const p = process.cpuUsage(p0);
      cpu[name === 'first' ? 'firstRest' : 'steadyRest'].push(((cpuOf(broker.pid) - b0) * 1e6 + p.user + p.system) / msgs.length);
      return rate;
    };
    rawRate(20_000); // warm-up
    const rates = { raw: [] as number[], first: [] as number[], steady: [] as number[] };
    // Messages are ordered counter-major in `prepare`: counter 1 of every unit, then 2, then 3.
    for (let r = 0; r < ROUNDS; r++) {
      const units = new Set(input.units.slice(r * PER_ROUND, (r + 1) * PER_ROUND).map((u) => u.code));
      const mine = input.messages.filter((m) => units.has(m.code));
      rates.raw.push(rawRate(PER_ROUND * 2));
      rates.first.push(await phase(mine.slice(0, PER_ROUND), 'first'));
      rates.raw.push(rawRate(PER_ROUND * 2));
      rates.steady.push(await phase(mine.slice(PER_ROUND), 'steady'));
    }
    // Memory, after the timed rounds: a full collection between rounds shrinks the heap's limits,
    // and the next rounds then collect more often (first seen took 328-372 µs per message
    // against 244-256).
    await sleep(1000);
    const heap1 = await collectGarbage(inspector);
    const rss1 = rssOf(ingest.pid!);
    const more = new Set(input.units.slice(total).map((u) => u.code));
    const moreMsgs = input.messages.filter((m) => more.has(m.code));
    const moreVerified = verified + moreMsgs.length;
    await publishAll(pub, moreMsgs.slice(0, total));
    await publishAll(pub, moreMsgs.slice(total));
    while (verified < moreVerified) {
      if (rejected > 0) throw new Error(`the ingest rejected ${rejected} messages`);
      await sleep(2);
    }
    await sleep(1000);
    const heap2 = await collectGarbage(inspector);
    const rss2 = rssOf(ingest.pid!);
    // What one more unit costs, without the heap's one-off growth under the first load: the
    // target is judged on this figure; the timed rounds' is printed beside it.
    const marginal = (rss2 - rss1) / total;
    const base = median(rates.raw);
    const cpus = availableParallelism();
    const us = (xs: number[]): string => `${median(xs).toFixed(1)} µs (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
    const row = (name: string, xs: number[]) => ({
      name,
      value: `${fmt(median(xs))}/s (${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))})`,
      ratio: `${(median(xs) / base).toFixed(2)}x raw`,
    });
    table(`fleet ingest as a process (fleet watch --state --receipt-key --json${VERIFY_THREADS !== undefined ? ` --verify-threads ${VERIFY_THREADS}` : ''}), ${ROUNDS} rounds of ${fmt(PER_ROUND)} new units; ${machine()}; ${loadNote()}`, [
      row('raw node:crypto verify, this process', rates.raw),
      row('ingest, first heartbeat of each unit (identity verified)', rates.first),
      row('ingest, steady heartbeats', rates.steady),
      { name: 'CPU per verification, raw (this process)', value: us(cpu.raw) },
      { name: 'ingest CPU per message, first seen: all threads', value: us(cpu.first) },
      { name: '  its main thread', value: us(cpu.firstMain) },
      { name: 'ingest CPU per message, steady: all threads', value: us(cpu.steady) },
      { name: '  its main thread', value: us(cpu.steadyMain) },
      { name: 'mosquitto + publisher and counter, per message, first seen', value: us(cpu.firstRest) },
      { name: '  steady', value: us(cpu.steadyRest) },
      // What the machine's cores could do with nothing else running: every CPU-second the path
      // takes, spread over the cores, against the baseline's one thread.
      {
        name: `ceilings from CPU (${cpus} cores; main thread)`,
        value: `first seen ${((cpus * median(cpu.raw)) / (median(cpu.first) + median(cpu.firstRest))).toFixed(2)}x; ${(median(cpu.raw) / median(cpu.firstMain)).toFixed(2)}x, steady ${((cpus * median(cpu.raw)) / (median(cpu.steady) + median(cpu.steadyRest))).toFixed(2)}x; ${(median(cpu.raw) / median(cpu.steadyMain)).toFixed(2)}x raw`,
      },
      { name: 'ingest resident memory per unit, timed rounds', value: `${fmt((rss1 - rss0) / total)} bytes (${fmt(rss0 / 2 ** 20)} -> ${fmt(rss1 / 2 ** 20)} MiB for ${fmt(total)} units)` },
      { name: 'the same, for as many units again (untimed)', value: `${fmt(marginal)} bytes (${fmt(rss1 / 2 ** 20)} -> ${fmt(rss2 / 2 ** 20)} MiB)` },
      { name: '  heap in use per unit (main thread)', value: `${fmt((heap1 - heap0) / total)} and ${fmt((heap2 - heap1) / total)} bytes (${fmt(heap0 / 2 ** 20)} -> ${fmt(heap1 / 2 ** 20)} -> ${fmt(heap2 / 2 ** 20)} MiB)` },
    ]);
    console.log(`steady: ${verdict(median(rates.steady) / base >= 0.8, '>= 0.8x raw')}; first seen: ${verdict(median(rates.first) / base >= 0.5, '>= 0.5x raw')}; memory: ${verdict(marginal <= 2048, '<= 2 KiB per added unit')}`);
    await pub.endAsync();
    await stopChild(ingest);
  } finally {
    await broker.stop();
    rmSync(input.dir, { recursive: true, force: true });
  }
}

await main();
