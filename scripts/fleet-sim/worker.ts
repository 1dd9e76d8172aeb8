/**
 * A fleet-simulation worker: provisions its slice of units (fresh Ed25519 device key and an
 * identity record signed by the enterprise, per unit), writes their registrations for the
 * platform, then runs one SimRobot per unit, connecting in batches (mosquitto's listen backlog
 * is fixed at 100), and reports progress and per-robot times to the parent over IPC.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { REGISTRATION_FORMAT, kidHex, loadAuthority } from '../../sdk/index.js';
import { makeUnit, unitCode } from '../bench/pki.js';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import { SimRobot, type RobotTimes } from './robot.js';
import { Turns } from './turns.js';
import type { RecallActionConfig } from '../../agent/recall/index.js';

const send = (m: FromWorker): void => void process.send?.(m);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const memory = () => ({ rss: process.memoryUsage.rss(), heapUsed: process.memoryUsage().heapUsed });

let config: WorkerConfig;
const robots: SimRobot[] = [];
let units: Awaited<ReturnType<typeof makeUnit>>[] = [];
let connected = 0;
let verified = 0;
let applied = 0;
let failed = 0;
let receipted = 0;
const pendingTimes = new Map<string, RobotTimes>();
let profiler: Session | undefined;

async function provision(c: WorkerConfig): Promise<void> {
  config = c;
  const baseline = memory();
  const t0 = performance.now();
  const enterprise = loadAuthority(join(c.pkiDir, 'enterprise'));
  const now = Math.floor(Date.now() / 1000);
  const lines: string[] = [];
  for (let i = 0; i < c.count; i++) {
    const u = await makeUnit(enterprise, unitCode(c.first + i), now);
    units.push(u);
    lines.push(
      JSON.stringify({
        format: REGISTRATION_FORMAT,
        code: u.code,
        enterprise: u.identity.code.enterprise,
        model: u.identity.code.model,
        modelName: u.identity.record.modelName,
        deviceKid: kidHex(u.identity.deviceKid),
        identity: Buffer.from(u.identity.bytes).toString('base64'),
        provisionedAt: now,
      }),
    );
  }
  writeFileSync(c.registryFile, lines.join('\n') + '\n');
  send({ type: 'provisioned', count: c.count, ms: performance.now() - t0, baseline });
}

async function connectAll(): Promise<void> {
  const log = pino({ level: 'error' }, pino.destination({ dest: join(config.stateRoot, `worker-${config.index}.log`), sync: false }));
  const trust = loadAuthority(join(config.pkiDir, 'enterprise')).trust;
  const turns = new Turns(config.turnRobots);
  const progress = setInterval(() => {
    send({ type: 'progress', connected, attempts: robots.reduce((n, r) => n + r.link.stats.attempts, 0), verified, applied, failed, receipted, maxWaiting: turns.maxWaiting });
    if (pendingTimes.size > 0) {
      send({ type: 'times', items: [...pendingTimes].map(([code, t]) => [code, t.verified ?? 0, t.applied ?? 0, t.receipted ?? 0]) });
      pendingTimes.clear();
    }
  }, 250);
  progress.unref();
  for (let i = 0; i < units.length; i += config.batch) {
    for (const u of units.slice(i, i + config.batch)) {
      const stateDir = join(config.stateRoot, u.code);
      mkdirSync(stateDir, { recursive: true });
      const robot = await SimRobot.create({
        identity: u.identity,
        signer: u.signer,
        trust,
        stateDir,
        brokerUrl: config.brokerUrl,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        heartbeatPhaseMs: Math.random() * config.heartbeatIntervalMs,
        action: actionFor(config.action, stateDir),
        log,
        onConnect: () => connected++,
        turns,
        onTimes: (code, t, step) => {
          if (step === 'verified') verified++;
          else if (step === 'applied') applied++;
          else if (step === 'failed') failed++;
          else if (step === 'receipted') receipted++;
          pendingTimes.set(code, t);
        },
      });
      robots.push(robot);
      robot.start();
    }
    await sleep(config.batchPauseMs);
  }
  units = [];
}

async function stopAll(): Promise<void> {
  // Orderly: each robot sends its signed offline message and disconnects, 200 at a time.
  for (let i = 0; i < robots.length; i += 200) await Promise.all(robots.slice(i, i + 200).map((r) => r.stop().catch(() => undefined)));
  send({ type: 'stopped' });
  setTimeout(() => process.exit(0), 100).unref();
}

process.on('message', (m: ToWorker) => {
  const run = async (): Promise<void> => {
    switch (m.type) {
      case 'start':
        return provision(m.config);
      case 'connect':
        return connectAll();
      case 'report':
        send({ type: 'report', memory: memory(), robots: robots.length });
        return;
      case 'stop':
        return stopAll();
      case 'profile-start':
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
        return;
      case 'profile-stop': {
        if (!profiler) return;
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(m.file, JSON.stringify(profile));
        profiler.disconnect();
        profiler = undefined;
        send({ type: 'profiled', file: m.file });
        return;
      }
    }
  };
  run().catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
// The parent going away (crash, SIGKILL) must not leave robots running.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });

/** The agent's recall action for one simulated robot: its own state file, or the shared program. */
function actionFor(action: WorkerConfig['action'], stateDir: string): RecallActionConfig | undefined {
  if (!action) return undefined;
  if (action.kind === 'file') return { file: join(stateDir, 'recall-state.json') };
  return { command: action.command, args: action.args, timeoutMs: action.timeoutMs };
}
