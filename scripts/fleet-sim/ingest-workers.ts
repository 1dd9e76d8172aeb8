/**
 * Ingest workers on PostgreSQL: `npm run fleet-sim -- --db postgres://postgres@127.0.0.1:5432/postgres
 * --ingest-workers 1,2 [--robots 10000] [--events 3] [--no-heartbeats] [--json] [--no-build]`.
 *
 * For each worker count: a fresh database on the server of --db (robot_id_bench_<random>,
 * migrated with `robot-id platform migrate`, dropped at the end), N `robot-id fleet ingest`
 * processes of the bundle in one shared-subscription group, and every robot's chained, signed
 * events published to a local mosquitto at QoS 1 as fast as the broker takes them, with as many
 * signed heartbeats per robot at QoS 0 (as units send them) between them, unless
 * --no-heartbeats. Measured: messages verified per second (all workers, and each worker's share
 * of the window: heartbeats verified and their presence kept, events verified, stored and
 * receipted), events stored and receipted per second, and the time from an event's publish to
 * the first receipt naming it (median, p99). The baseline is raw node:crypto Ed25519
 * verification of the same messages, one core.
 * (`--workers` keeps its meaning in the recall simulation: the robots' processes.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import pg from 'pg';
import { decodeSign1, openSign1, receiptKind, sigStructure1 } from '../../sdk/index.js';
import { prepare } from '../bench/ingest.js';
import { startMosquitto } from '../bench/mosquitto.js';
import { BUNDLE } from './ingest-process.js';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface WorkersRun {
  workers: number;
  events: number;
  heartbeats: number;
  windowMs: number;
  /** Messages verified per second, all workers (heartbeats and events). */
  msgsPerSec: number;
  /** Events verified, stored and receipted per second. */
  eventsPerSec: number;
  perWorker: { verified: number; msgsPerSec: number }[];
  receiptMedianMs: number;
  receiptP99Ms: number;
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

/** Raw Ed25519 verifications per second with node:crypto over the events' Sig_structures (one core, ~2 s). */
function rawVerifyRate(events: { bytes: Uint8Array; key: Uint8Array }[]): number {
  const prepared = events.slice(0, 20_000).map((e) => {
    const c = decodeSign1(e.bytes, { maxBytes: 8192 });
    return { data: sigStructure1(c.protectedBytes, c.payload), sig: c.signature, key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, e.key]), format: 'der', type: 'spki' }) };
  });
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) {
    const r = prepared[n++ % prepared.length]!;
    if (!verify(null, r.data, r.key, r.sig)) throw new Error('raw verify failed');
  }
  return (n / (performance.now() - t0)) * 1000;
}

async function admin<T>(server: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function startWorker(args: string[]): { child: ChildProcess; err: () => string; exited: Promise<void> } {
  const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return { child, err: () => err, exited: new Promise((r) => child.once('exit', () => r())) };
}

async function until(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function runIngestWorkers(o: { server: string; workerCounts: number[]; robots: number; events: number; heartbeats?: boolean; quiet: boolean; build?: boolean }): Promise<{ raw: number; runs: WorkersRun[] }> {
  const say = (s: string): void => void (o.quiet || console.log(s));
  // The workers are the bundle the product ships, built from this checkout (--no-build: as it is).
  if (o.build !== false) spawnSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
  const withHeartbeats = o.heartbeats !== false;
  say(`preparing ${o.robots} robots x ${o.events} signed events${withHeartbeats ? ` and ${o.events} signed heartbeats` : ''} ...`);
  const input = await prepare(o.robots, o.events);
  const heartbeats = withHeartbeats ? input.messages : [];
  const registry = join(input.dir, 'registry.jsonl');
  writeFileSync(registry, input.units.map((u) => JSON.stringify({ code: u.code, identity: Buffer.from(u.identity.bytes).toString('base64') })).join('\n') + '\n');
  const keyOf = new Map(input.units.map((u) => [u.code, u.identity.record.devicePublicKey]));
  const raw = rawVerifyRate([...input.events, ...heartbeats].map((e) => ({ bytes: e.bytes, key: keyOf.get(e.code)! })));
  say(`raw node:crypto Ed25519 verify: ${Math.round(raw)}/s (one core)`);
  const broker = await startMosquitto();
  const runs: WorkersRun[] = [];
  try {
    for (const n of o.workerCounts) {
      const name = `robot_id_bench_${randomBytes(5).toString('hex')}`;
      await admin(o.server, (c) => c.query(`CREATE DATABASE ${name}`));
      const u = new URL(o.server);
      u.pathname = `/${name}`;
      const db = u.toString();
      try {
        const m = spawnSync(process.execPath, [BUNDLE, 'platform', 'migrate', '--db', db], { encoding: 'utf8' });
        if (m.status !== 0) throw new Error(`migrate: ${m.stderr}`);
        const workers = Array.from({ length: n }, () =>
          startWorker(['fleet', 'ingest', '--broker', broker.url, '--trust', join(input.dir, 'root', 'trust.json'), '--db', db, '--group', 'bench', '--registry', registry, '--receipt-key', join(input.dir, 'platform'), '--quiet']),
        );
        for (const w of workers) await until(() => w.err().includes('subscribed'), 'a worker to subscribe', 30_000);
        runs.push(await measure(broker.url, input.events, heartbeats, o.events, n, workers));
        const r = runs[runs.length - 1]!;
        say(
          `${n} worker(s): ${Math.round(r.msgsPerSec)} messages/s verified (${r.perWorker.map((w) => Math.round(w.msgsPerSec)).join(' + ')}), of which ${Math.round(r.eventsPerSec)} events/s stored+receipted` +
            `${r.heartbeats ? ` and ${r.heartbeats} heartbeats in all` : ''}; receipt latency median ${r.receiptMedianMs.toFixed(0)} ms, p99 ${r.receiptP99Ms.toFixed(0)} ms`,
        );
      } finally {
        await admin(o.server, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      }
    }
  } finally {
    await broker.stop();
    const { rmSync } = await import('node:fs');
    rmSync(input.dir, { recursive: true, force: true });
  }
  return { raw, runs };
}

type Msg = { topic: string; bytes: Uint8Array; code: string };

async function measure(url: string, events: Msg[], heartbeats: Msg[], perUnit: number, n: number, workers: ReturnType<typeof startWorker>[]): Promise<WorkersRun> {
  const sentAt = new Map<string, number[]>();
  const receipted = new Map<string, number>();
  const latencies: number[] = [];
  let lastReceipt = 0;
  let done = 0;
  const units = new Set(events.map((e) => e.code)).size;
  const rx: MqttClient = await connectAsync(url, { clientId: `bench-receipts-${process.pid}`, reconnectPeriod: 0 });
  rx.on('message', (_topic, payload) => {
    const now = performance.now();
    const r = openSign1(receiptKind, new Uint8Array(payload)).value;
    const had = receipted.get(r.code) ?? 0;
    if (r.event <= had) return;
    const times = sentAt.get(r.code) ?? [];
    for (let s = had + 1; s <= r.event; s++) if (times[s] !== undefined) latencies.push(now - times[s]!);
    receipted.set(r.code, r.event);
    lastReceipt = now;
    if (r.event >= perUnit && had < perUnit) done++;
  });
  await rx.subscribeAsync('rid/v1/u/+/receipt', { qos: 0 });
  const txs = await Promise.all([0, 1, 2, 3].map((i) => connectAsync(url, { clientId: `bench-units-${process.pid}-${i}`, reconnectPeriod: 0 })));
  const t0 = performance.now();
  // prepare() orders the events seq by seq across the units: the i-th event has seq i / units + 1.
  const seqOf = (i: number): number => Math.floor(i / units) + 1;
  for (let i = 0; i < events.length; i += 500) {
    const chunk = events.slice(i, i + 500);
    await Promise.all([
      ...chunk.map((e, j) => {
        const times = sentAt.get(e.code) ?? [];
        times[seqOf(i + j)] = performance.now();
        sentAt.set(e.code, times);
        return txs[j % txs.length]!.publishAsync(e.topic, Buffer.from(e.bytes), { qos: 1 });
      }),
      // The heartbeats of the same units between them, at QoS 0 as units send them.
      ...heartbeats.slice(i, i + 500).map((h, j) => txs[j % txs.length]!.publishAsync(h.topic, Buffer.from(h.bytes), { qos: 0 })),
    ]);
  }
  await until(() => done >= units, `receipts for every unit (${done}/${units})`, 300_000);
  const windowMs = lastReceipt - t0;
  for (const c of [rx, ...txs]) await c.endAsync();
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
  const perWorker = workers.map((w) => {
    const verified = Number(/worker stopped: (\d+) verified/.exec(w.err())?.[1] ?? NaN);
    return { verified, msgsPerSec: (verified / windowMs) * 1000 };
  });
  latencies.sort((a, b) => a - b);
  // Every message a worker verified (a heartbeat lost at QoS 0 is not counted).
  const verified = perWorker.reduce((a, w) => a + w.verified, 0);
  return {
    workers: n,
    events: events.length,
    heartbeats: heartbeats.length,
    windowMs,
    msgsPerSec: (verified / windowMs) * 1000,
    eventsPerSec: (events.length / windowMs) * 1000,
    perWorker,
    receiptMedianMs: pct(latencies, 0.5),
    receiptP99Ms: pct(latencies, 0.99),
  };
}

export function machineNote(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}
