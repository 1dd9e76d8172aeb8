/**
 * The crash loop (docs/operations.md §"Crash loop"): a robot's agent, the platform's ingest
 * (`robot-id fleet watch --receipt-key`) and mosquitto, as real processes, while submitters post
 * events to the agent's socket; at random moments one of the three is SIGKILLed and started
 * again. At the end everything is brought up, the unit drains until the platform has confirmed
 * its whole log, and every event the agent ever answered 201 for is looked up in the platform's
 * store: accepted / lost / duplicated (stored twice) / reused (one seq answered with two hashes).
 *
 *   npm run crash-loop -- [--cycles 100] [--submitters 8] [--seed <n>] [--json]
 *
 * Exit status 0 only when nothing was lost, duplicated or reused.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { callAgent } from '../../agent/index.js';
import { provisionUnit, toHex } from '../../sdk/index.js';
import { STORE_FILE, scanStore } from '../../platform/index.js';
import { freePort } from '../bench/mosquitto.js';
import { makePki, unitCode } from '../bench/pki.js';
import { agent, ingest, mosquitto, type Restartable } from './processes.js';

const { values } = parseArgs({
  options: { cycles: { type: 'string', default: '100' }, submitters: { type: 'string', default: '8' }, seed: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const cycles = Number(values.cycles);
const submitters = Number(values.submitters);
if (!Number.isSafeInteger(cycles) || cycles < 1 || !Number.isSafeInteger(submitters) || submitters < 1) {
  process.stderr.write('crash-loop: --cycles and --submitters take whole numbers >= 1\n');
  process.exit(2);
}

// A small seeded generator, so a run can be repeated with --seed.
let state = values.seed !== undefined ? Number(values.seed) >>> 0 : (Date.now() & 0xffffffff) >>> 0;
const seed = state;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const tmp = mkdtempSync(join(tmpdir(), 'rid-crash-loop-'));
  const started = Date.now();
  try {
    const pki = await makePki(join(tmp, 'pki'));
    const code = unitCode(1);
    const stateDir = join(tmp, 'unit');
    const registry = join(tmp, 'registry.jsonl');
    await provisionUnit({ enterprise: pki.enterprise, code, modelName: 'Crash H1', hardwareId: 'hw-crash-1', stateDir, registryFile: registry });
    writeFileSync(join(tmp, 'hardware-id'), 'hw-crash-1\n');
    const port = await freePort();
    const brokerUrl = `mqtt://127.0.0.1:${port}`;
    const configFile = join(tmp, 'agent.json');
    writeFileSync(
      configFile,
      JSON.stringify({ stateDir, hardwareIdSource: { file: join(tmp, 'hardware-id') }, brokerUrl, heartbeatIntervalMs: 1000, reconnectMinMs: 50, reconnectMaxMs: 500, resendIntervalMs: 500, logLevel: 'silent' }),
    );
    const socketPath = join(stateDir, 'agent.sock');
    const status = async (): Promise<{ outbox: { event: { head: number; confirmed: number } } } | undefined> => {
      try {
        const r = await callAgent<{ outbox: { event: { head: number; confirmed: number } } }>({ socketPath }, 'GET', '/v1/status', undefined, 2000);
        return r.status === 200 ? r.body : undefined;
      } catch {
        return undefined;
      }
    };
    const ingestDir = join(tmp, 'ingest');
    mkdirSync(ingestDir);
    const procs: Restartable[] = [
      mosquitto(tmp, port),
      agent(configFile, async () => existsSync(socketPath) && (await status()) !== undefined),
      ingest(['--broker', brokerUrl, '--trust', join(pki.dir, 'root', 'trust.json'), '--registry', registry, '--state', ingestDir, '--receipt-key', join(pki.dir, 'platform'), '--client-id', 'crash-loop-ingest']),
    ];
    for (const p of procs) await p.start();

    // Submitters: every 201 is an event the agent promised never to lose.
    const accepted = new Map<number, string>();
    let reused = 0;
    let refused = 0;
    let running = true;
    const submitter = async (w: number): Promise<void> => {
      for (let i = 0; running; i++) {
        try {
          const r = await callAgent<{ seq: number; hash: string }>({ socketPath }, 'POST', '/v1/events', { kind: 'maintenance', note: `w${w}#${i}` }, 5000);
          if (r.status === 201) {
            const had = accepted.get(r.body.seq);
            if (had !== undefined && had !== r.body.hash) reused++;
            accepted.set(r.body.seq, r.body.hash);
          } else refused++;
        } catch {
          refused++; // the agent is down: not accepted, nothing promised
          await sleep(20);
        }
      }
    };
    const workers = Array.from({ length: submitters }, (_, w) => submitter(w));

    const kills: Record<string, number> = { broker: 0, agent: 0, ingest: 0 };
    for (let c = 0; c < cycles; c++) {
      await sleep(between(100, 800));
      const victim = procs[between(0, procs.length)]!;
      await victim.kill();
      kills[victim.name]!++;
      await sleep(between(0, 300));
      await victim.start();
      if (!values.json && (c + 1) % 10 === 0) process.stdout.write(`cycle ${c + 1}/${cycles}: ${accepted.size} accepted so far\n`);
    }
    running = false;
    await Promise.all(workers);

    // Drain: the platform confirms the unit's whole log.
    const drainDeadline = Date.now() + 120_000;
    let drained = false;
    while (Date.now() < drainDeadline) {
      const s = await status();
      if (s && s.outbox.event.confirmed === s.outbox.event.head) {
        drained = true;
        break;
      }
      await sleep(200);
    }
    for (const p of [...procs].reverse()) await p.stop();

    // What the platform stored, by seq.
    const stored = new Map<number, string[]>();
    scanStore(join(ingestDir, STORE_FILE), 0, (r) => {
      if (r.code !== code || r.stream !== 'event') return;
      const list = stored.get(r.seq) ?? [];
      list.push(toHex(r.hash));
      stored.set(r.seq, list);
    });
    let lost = 0;
    for (const [seq, hash] of accepted) if (!stored.get(seq)?.includes(hash)) lost++;
    let duplicated = 0;
    for (const list of stored.values()) if (list.length > 1) duplicated += list.length - 1;
    const result = {
      date: new Date().toISOString(),
      seed,
      cycles,
      submitters,
      kills,
      accepted: accepted.size,
      refusedOrFailed: refused,
      storedOnPlatform: stored.size,
      lost,
      duplicated,
      reused,
      drained,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      process.stdout.write(
        `\ncrash loop: ${cycles} cycles (seed ${seed}): kills broker ${kills['broker']}, agent ${kills['agent']}, ingest ${kills['ingest']}; ${result.seconds} s\n` +
          `accepted ${result.accepted}  lost ${lost}  duplicated ${duplicated}  reused seqs ${reused}  drained ${drained ? 'yes' : 'NO'}\n`,
      );
    }
    return lost === 0 && duplicated === 0 && reused === 0 && drained ? 0 : 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`crash-loop: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
