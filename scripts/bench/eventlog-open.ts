/**
 * Opening a full event log: what a robot pays at every start once its log has grown to the
 * default cap (`maxLogBytes`, 64 MiB, about 250,000 entries). The log is filled once, then
 * opened in fresh processes: without a checkpoint (the first start after an upgrade, or after
 * damage was cut out: every entry decoded and chain-checked) and with one (every other start).
 * Baseline, measured in the same run: reading the file and computing one CRC-32 over all of it,
 * the least a start can do that still looks at every byte. Memory: V8 heap and array buffers
 * retained after the open (after GC), and the process's RSS before and after.
 * Run: npx tsx scripts/bench/eventlog-open.ts [MiB=64] [--runs 3] [--tsx]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { randomBytes32, seedSigner } from '../../sdk/index.js';
import { EventLog, type EventLogOptions } from '../../agent/eventlog/index.js';
import { rerunBundled } from './bundled.js';
import { fillEventLog } from './fill-log.js';
import { fmt, loadNote, machine, table } from './harness.js';

const CODE = '86123456789012345678901234567';

function options(dir: string, checkpoint: boolean, seed: Uint8Array): EventLogOptions {
  return {
    path: join(dir, 'events.log'),
    quarantineDir: join(dir, 'quarantine'),
    code: CODE,
    signer: seedSigner(seed),
    maxBytes: 1 << 30,
    reserveBytes: 64 << 10,
    now: () => 1_764_000_000,
    ...(checkpoint ? { checkpointPath: join(dir, 'events.checkpoint.json') } : {}),
  };
}

interface Opened {
  ms: number;
  /** V8 heap and array buffers (the frame index lives in typed arrays) retained after GC. */
  heapMiB: number;
  rssMiB: number;
  rssBeforeMiB: number;
  scanned: number;
}

/** One open in this (fresh) process: prints its figures as JSON. */
async function child(dir: string, checkpoint: boolean, seedHex: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  const log = await EventLog.open(options(dir, checkpoint, Buffer.from(seedHex, 'hex')));
  const ms = performance.now() - t0;
  gc();
  await new Promise((r) => setTimeout(r, 100));
  gc();
  const m = process.memoryUsage();
  const held = (x: NodeJS.MemoryUsage): number => x.heapUsed + x.arrayBuffers;
  const out: Opened = { ms, heapMiB: (held(m) - held(m0)) / 1048576, rssMiB: m.rss / 1048576, rssBeforeMiB: m0.rss / 1048576, scanned: log.scanned };
  console.log(JSON.stringify(out));
  await log.close();
}

function spawnOpen(dir: string, checkpoint: boolean, seedHex: string): Opened {
  const args = ['--expose-gc', ...process.execArgv.filter((a) => a !== '--expose-gc'), process.argv[1]!, '--child', dir, checkpoint ? 'checkpoint' : 'none', seedHex];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`open child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Opened;
}

/** Reading the file and one CRC-32 over all of it (median of `runs`). */
function baseline(path: string, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const bytes = readFileSync(path);
    (zlib as unknown as { crc32(b: Uint8Array): number }).crc32(bytes);
    times.push(performance.now() - t0);
  }
  return median(times);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export async function runEventLogOpenBench(mib: number, runs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rid-bench-evopen-'));
  try {
    mkdirSync(join(dir, 'quarantine'));
    const seed = randomBytes32();
    const seedHex = Buffer.from(seed).toString('hex');
    const t0 = performance.now();
    const entries = await fillEventLog(options(dir, false, seed), mib);
    const size = statSync(join(dir, 'events.log')).size;
    console.log(`filled ${fmt(entries)} entries, ${(size / 1048576).toFixed(1)} MiB, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // The first open with a checkpoint path scans everything and writes the checkpoint.
    const first = spawnOpen(dir, true, seedHex);
    const full: Opened[] = [];
    const cp: Opened[] = [];
    for (let i = 0; i < runs; i++) {
      full.push(spawnOpen(dir, false, seedHex));
      cp.push(spawnOpen(dir, true, seedHex));
    }
    const base = baseline(join(dir, 'events.log'), runs);
    const pick = (xs: Opened[]): Opened => xs.sort((a, b) => a.ms - b.ms)[xs.length >> 1]!;
    const f = pick(full);
    const c = pick(cp);
    const row = (name: string, o: Opened) => ({
      name,
      value: `${o.ms.toFixed(0)} ms`,
      ratio: `${(o.ms / base).toFixed(1)}x baseline; ${fmt(o.scanned)} entries decoded; heap and buffers +${o.heapMiB.toFixed(1)} MiB (${((o.heapMiB * 1048576) / entries).toFixed(0)} B per entry), RSS ${o.rssBeforeMiB.toFixed(0)} -> ${o.rssMiB.toFixed(0)} MiB`,
    });
    table(`event log open: ${fmt(entries)} entries, ${(size / 1048576).toFixed(1)} MiB, median of ${runs} fresh processes (${machine()}, ${loadNote()})`, [
      { name: 'baseline: read the file + one CRC-32 over it', value: `${base.toFixed(0)} ms`, ratio: '1.00x (baseline)' },
      row('open with the checkpoint (every start after the first)', c),
      row('open without one (full chain scan)', f),
      row('first open with a checkpoint path (full scan, writes it)', first),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--child');
  if (at > 0) {
    await child(process.argv[at + 1]!, process.argv[at + 2] === 'checkpoint', process.argv[at + 3]!);
  } else {
    const status = await rerunBundled(import.meta.url);
    if (status !== undefined) process.exit(status);
    const r = process.argv.indexOf('--runs');
    const mib = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 64);
    await runEventLogOpenBench(mib, r > 0 ? Number(process.argv[r + 1]) : 3);
  }
}
