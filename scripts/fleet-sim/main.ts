/**
 * Fleet simulation: `npm run fleet-sim -- --robots 10000`.
 *
 * N robots, each with its own identity record and device key and the agent's real link,
 * presence, heartbeat, outbox, receipt, recall-sync and recall-handler code (robot.ts), in
 * several worker processes against a local mosquitto on a free loopback port; the platform's
 * fleet ingest is the real `robot-id fleet watch` process with its store and receipts
 * (ingest-process.ts), and the recall publisher and the campaign status run here.
 * Once every robot's birth has reached the ingest, one recall is signed by the platform for
 * the model and published; the run ends when every unit's 'applied' acknowledgement has been
 * verified and stored by the ingest and the campaign status counts all of them applied, or at
 * the timeout. It reports median, 99th percentile and maximum from the publish to each step,
 * memory per simulated robot and the ingest's throughput. Target: all acknowledged within 10 s.
 *
 * Options: --robots N (1000) --workers W (1 per 3,400 robots, 2,500 with a program action; at least 1) --batch 100
 *   --batch-pause-ms 100 --heartbeat-ms 60000 (the agent's default)
 *   --action file|<program>|none (file: the built-in state-file action, the recommended setup; a program
 *   such as /bin/true is spawned per notice) --action-timeout-ms 300000 (program actions)
 *   --ack-timeout-s 120 --connect-timeout-s (N/50 + 60) --state-root <dir> (/dev/shm when present)
 *   --broker <mqtt url> (use a running broker) --json (result as one JSON line) --quiet
 *   --profile <dir> (CPU profiles of the recall phase: every worker and the platform; the ingest
 *   process's whole run as ingest.cpuprofile)
 *   --nice-workers 10 (the robots' worker processes yield the CPU to the platform and the broker; 0: equals)
 *   --turn-robots 64 (each worker runs its robots round robin, this many per turn of its event loop, so
 *   each robot's ack leaves as soon as its own work is done: turns.ts; 0: the event loop's order alone)
 *   --worker-node-options "<node options>" (of the worker processes, e.g. "--cpu-prof --cpu-prof-dir /tmp/p")
 *   --worker-threadpool N (the workers' libuv thread pool, UV_THREADPOOL_SIZE; node's default 4)
 * Besides the CPU from the publish to the last ack counted, it reports the CPU until every robot
 * took the receipt for its ack: the robots' whole recall, work after their ack included.
 * Bounded: every phase has a timeout; every process it started is stopped and every temp dir
 * removed on exit, error or Ctrl-C.
 */
import { FilesPublisherStore } from '../../platform/store/files/publisher-files.js';
import { filesAckFeed } from '../../platform/store/files/ack-feed.js';
import type { StoredAck } from '../../platform/campaigns/ack-feed.js';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { RecallPublisher, campaignStatus, readRegistry, signRecall, unitTopic, verifyIdentityRecord, type VerifiedIdentity } from '../../sdk/index.js';
import { defaultConfig } from '../../agent/config/defaults.js';
import { startMosquitto, type Broker } from '../bench/mosquitto.js';
import { COUNTRY, ENTERPRISE, MODEL, makePki } from '../bench/pki.js';
import type { FromWorker, Memory, ToWorker, WorkerConfig } from './protocol.js';
import { bundleWorker } from './bundle-worker.js';
import { cpuSnapshot, cpuWindow, type CpuWindow } from './cpu.js';
import { startIngestProcess, type IngestProcess } from './ingest-process.js';
import { dist, kib, mib, printTable, secs, type Dist } from './stats.js';

export interface SimOptions {
  robots: number;
  workers: number;
  batch: number;
  batchPauseMs: number;
  heartbeatMs: number;
  action: string;
  /** The local action's timeout; generous because 10,000 spawns on 2 cores are slow to reap. */
  actionTimeoutMs: number;
  ackTimeoutS: number;
  connectTimeoutS: number;
  stateRoot: string;
  /** An already running broker (tests); default: a mosquitto started and stopped here. */
  brokerUrl?: string;
  quiet: boolean;
  /** Print the result as one JSON line at the end. */
  json: boolean;
  /** Write CPU profiles of the recall phase (each worker, and the platform) into this dir. */
  profileDir?: string;
  /** Nice value of the worker processes (0: as the platform and the broker). */
  niceWorkers: number;
  /** Robots each worker hands their next message per turn of its event loop (turns.ts); 0: every message at once. */
  turnRobots: number;
  /** Node options of the worker processes (e.g. --cpu-prof --cpu-prof-dir <dir>). */
  workerNodeOptions: string[];
  /** libuv thread pool size of each worker (UV_THREADPOOL_SIZE); undefined: node's default (4). */
  workerThreadpool?: number;
}

export interface SimResult {
  robots: number;
  workers: number;
  connectMs: number;
  robotVerified?: Dist;
  robotApplied?: Dist;
  ackVerified?: Dist;
  ackApplied?: Dist;
  ingestMsgsPerSec: number;
  /** Heartbeats the ingest verified between the publish and the last ack counted. */
  heartbeatsInWindow: number;
  /** CPU ms spent from the publish until the last ack was counted (from /proc; Linux only). */
  cpu: CpuWindow;
  /** The same from the publish until every robot had taken the receipt for its ack (the robots' whole recall). */
  cpuToReceipts?: CpuWindow;
  /** When the last robot took its receipt, ms from the publish. */
  lastReceiptMs?: number;
  rssPerRobot: number;
  rssPerRobotAboveStart: number;
  acknowledged: number;
  campaignApplied: number;
  lastAckMs: number | undefined;
  metTarget: boolean;
}

export function parseArgs(argv: string[]): SimOptions {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`--${name}: expected a non-negative number, got ${JSON.stringify(v)}`);
    return n;
  };
  const robots = num('robots', 1000);
  if (robots < 1) throw new RangeError('--robots: expected at least 1');
  const action = get('action') ?? 'file';
  // Without an action, 3 workers for 10,000 robots were a little faster than 4 and 8 on 2 cores
  // (docs/performance.md); 5,000 per worker ran out of file descriptors (socket + two framed
  // logs per robot). With a program action, each running spawn holds three pipes more: 3,334
  // robots per worker ran out of them, 2,500 did not. The state file holds no descriptor.
  const perWorker = action === 'none' || action === 'file' ? 3400 : 2500;
  return {
    robots,
    workers: Math.max(1, Math.min(robots, num('workers', Math.ceil(robots / perWorker)))),
    batch: Math.max(1, num('batch', 100)),
    batchPauseMs: num('batch-pause-ms', 100),
    // The agent's own default (60 s); each robot's timer starts at a random phase (robot.ts).
    heartbeatMs: Math.max(1000, num('heartbeat-ms', defaultConfig.heartbeatIntervalMs)),
    action,
    actionTimeoutMs: num('action-timeout-ms', 300_000),
    ackTimeoutS: num('ack-timeout-s', 120),
    connectTimeoutS: num('connect-timeout-s', Math.ceil(robots / 50) + 60),
    stateRoot: get('state-root') ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir()),
    brokerUrl: get('broker'),
    quiet: argv.includes('--quiet'),
    json: argv.includes('--json'),
    profileDir: get('profile'),
    niceWorkers: Math.min(19, num('nice-workers', 10)),
    turnRobots: Math.floor(num('turn-robots', 64)),
    workerNodeOptions: (get('worker-node-options') ?? '').split(' ').filter((x) => x !== ''),
    workerThreadpool: get('worker-threadpool') === undefined ? undefined : Math.max(1, Math.floor(num('worker-threadpool', 4))),
  };
}

const wallMs = (): number => performance.now() + performance.timeOrigin;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface WorkerState {
  child: ChildProcess;
  progress: { connected: number; attempts: number; verified: number; applied: number; failed: number; receipted: number; maxWaiting: number };
  provisioned?: { ms: number; baseline: Memory };
  report?: { memory: Memory; robots: number };
  ready?: boolean;
  stopped: boolean;
}

export async function runFleetSim(o: SimOptions): Promise<SimResult> {
  const say = (s: string): void => void (o.quiet || console.log(s));
  const tmp = mkdtempSync(join(tmpdir(), 'rid-fleet-'));
  const stateRoot = mkdtempSync(join(o.stateRoot, 'rid-fleet-state-'));
  const workers: WorkerState[] = [];
  const robotTimes = new Map<string, { verified: number; applied: number; receipted: number }>();
  let workerError: string | undefined;
  let broker: Broker | undefined;
  let ingest: IngestProcess | undefined;
  let publisherClient: MqttClient | undefined;
  let ackClient: MqttClient | undefined;
  const cleanup = async (): Promise<void> => {
    await Promise.all(
      workers.map(async (w) => {
        if (w.child.exitCode !== null || w.child.signalCode !== null) return;
        const gone = new Promise((r) => w.child.once('exit', r));
        if (!w.stopped) w.child.kill('SIGKILL');
        await Promise.race([gone, sleep(5000).then(() => w.child.kill('SIGKILL'))]);
      }),
    );
    publisherClient?.end(true);
    ackClient?.end(true);
    await ingest?.close().catch(() => undefined);
    await broker?.stop();
    rmSync(tmp, { recursive: true, force: true });
    rmSync(stateRoot, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    say(`fleet-sim: ${o.robots} robots in ${o.workers} worker processes on ${cpus().length} x ${cpus()[0]?.model}, Node ${process.version}, load ${loadavg()[0]!.toFixed(2)}`);
    say(`  state dirs under ${stateRoot}, workers at nice ${o.niceWorkers}, action ${o.action}, heartbeat every ${o.heartbeatMs} ms (random phase), connecting ${o.batch} per ${o.batchPauseMs} ms per worker`);
    const pki = await makePki(join(tmp, 'pki'));
    if (!o.brokerUrl) broker = await startMosquitto();
    const brokerUrl = o.brokerUrl ?? broker!.url;
    say(`  broker ${brokerUrl}${broker ? ' (mosquitto started for this run)' : ''}`);

    // Workers provision their units (keys + identity records) in parallel.
    const per = Math.ceil(o.robots / o.workers);
    const workerFile = await bundleWorker(tmp);
    for (let i = 0; i < o.workers; i++) {
      const first = i * per + 1;
      const count = Math.min(per, o.robots - i * per);
      if (count <= 0) break;
      // Plain node on the bundled worker (bundle-worker.ts says why not tsx).
      const env = o.workerThreadpool === undefined ? process.env : { ...process.env, UV_THREADPOOL_SIZE: String(o.workerThreadpool) };
      const child = fork(workerFile, [], { execArgv: o.workerNodeOptions, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      // The simulated robots yield the CPU to the platform and the broker (nice +10): in a
      // real fleet those run on their own servers, not on the robots' CPUs. Sharing 2 cores
      // as equals, the ingest fell seconds behind acks the robots had long sent.
      if (o.niceWorkers > 0 && child.pid !== undefined) setPriority(child.pid, o.niceWorkers);
      const w: WorkerState = { child, progress: { connected: 0, attempts: 0, verified: 0, applied: 0, failed: 0, receipted: 0, maxWaiting: 0 }, stopped: false };
      workers.push(w);
      const config: WorkerConfig = {
        index: i,
        pkiDir: pki.dir,
        stateRoot,
        registryFile: join(tmp, `registry-${i}.jsonl`),
        brokerUrl,
        first,
        count,
        batch: o.batch,
        batchPauseMs: o.batchPauseMs,
        heartbeatIntervalMs: o.heartbeatMs,
        turnRobots: o.turnRobots,
        ...(o.action === 'none' ? {} : { action: o.action === 'file' ? { kind: 'file' } : { kind: 'program', command: o.action, args: [], timeoutMs: o.actionTimeoutMs } }),
      };
      child.once('exit', (code, signal) => {
        if (!w.stopped) workerError = `worker ${i} exited (${signal ?? code}) before it was told to stop`;
      });
      child.on('message', (m: FromWorker) => {
        // A message sent before the worker's module graph has loaded would be lost: wait for it.
        if (m.type === 'ready') {
          w.ready = true;
          child.send({ type: 'start', config } satisfies ToWorker);
        }
        else onWorker(w, m);
      });
    }
    const profiled: string[] = [];
    function onWorker(w: WorkerState, m: FromWorker): void {
      if (m.type === 'provisioned') w.provisioned = { ms: m.ms, baseline: m.baseline };
      else if (m.type === 'progress') w.progress = m;
      else if (m.type === 'times') for (const [code, v, a, r] of m.items) robotTimes.set(code, { verified: v, applied: a, receipted: r });
      else if (m.type === 'report') w.report = m;
      else if (m.type === 'stopped') w.stopped = true;
      else if (m.type === 'error') workerError = m.message;
      else if (m.type === 'profiled') profiled.push(m.file);
      else if (m.type === 'ready') return;
    }
    const waitFor = async (what: string, cond: () => boolean, timeoutMs: number, tick?: () => void): Promise<boolean> => {
      const end = Date.now() + timeoutMs;
      let last = 0;
      while (!cond()) {
        if (workerError) throw new Error(`worker failed during ${what}: ${workerError}`);
        if (Date.now() > end) return false;
        if (tick && Date.now() - last >= 1000) {
          last = Date.now();
          tick();
        }
        await sleep(25);
      }
      return true;
    };
    const t0p = performance.now();
    if (!(await waitFor('provisioning', () => workers.every((w) => w.provisioned), 60_000 + o.robots * 10))) {
      const late = workers.flatMap((w, i) => (w.provisioned ? [] : [`worker ${i} (${w.ready ? 'started, not provisioned' : 'never reported ready'})`]));
      throw new Error(`provisioning timed out: ${late.join(', ')}`);
    }
    say(`  provisioned ${o.robots} units (key + signed identity record each) in ${secs(performance.now() - t0p)}`);

    // The platform: the fleet ingest process (verifies, dedupes, stores with group fsync, signs receipts).
    const registry = workers.flatMap((_, i) => readRegistry(join(tmp, `registry-${i}.jsonl`)).entries);
    const registryFile = join(tmp, 'registry.jsonl');
    writeFileSync(registryFile, registry.map((e) => JSON.stringify({ code: e.code, identity: Buffer.from(e.identity).toString('base64') })).join('\n') + '\n');
    ingest = startIngestProcess({ brokerUrl, trustFile: join(pki.root.dir, 'trust.json'), registryFile, stateDir: join(tmp, 'ingest'), receiptKeyDir: pki.platform.dir, ...(o.profileDir ? { profileDir: o.profileDir } : {}) });
    const ing = ingest;
    let births = 0;
    /** Messages the ingest verified, by kind (whole run). */
    const kinds = new Map<string, number>();
    const ackAt = new Map<string, { verified?: number; applied?: number; failed?: number }>();
    // Units whose final ack is in (the wanted status, or failed, which is not retried), counted
    // as they arrive: scanning 10,000 entries every 25 ms took the platform's CPU from the ingest.
    const want = o.action === 'none' ? 'verified' : 'applied';
    let settledUnits = 0;
    const failReasons = new Map<string, number>();
    const rejections = new Map<string, number>();
    // A unit no registry knows: the ingest's answer to it says the ingest is subscribed.
    const PROBE = `${COUNTRY}${ENTERPRISE}${MODEL}${'9'.repeat(17)}`;
    let probed = false;
    ing.onLine((l) => {
      if (!l.verified) {
        if (l.code === PROBE) probed = true;
        else rejections.set(l.reason ?? 'unknown', (rejections.get(l.reason ?? 'unknown') ?? 0) + 1);
        return;
      }
      kinds.set(l.kind, (kinds.get(l.kind) ?? 0) + 1);
      if (l.kind === 'birth') births++;
      else if (l.kind === 'ack') {
        const status = l.status ?? '';
        const a = ackAt.get(l.code!) ?? {};
        const wasSettled = a[want] !== undefined || a.failed !== undefined;
        if (status === 'verified' || status === 'applied' || status === 'failed') a[status] ??= wallMs();
        if (status === 'failed') {
          const reason = (l as { ackReason?: string }).ackReason ?? 'unknown';
          failReasons.set(reason, (failReasons.get(reason) ?? 0) + 1);
        }
        ackAt.set(l.code!, a);
        if (!wasSettled && (a[want] !== undefined || a.failed !== undefined)) settledUnits++;
      }
    });
    // A client that asks the ingest whether it listens (the probe). The acks' bytes for the
    // campaign status are read from the ingest's store afterwards, as the platform's campaign
    // service reads them (filesAckFeed), not from a second subscription to every ack: that one
    // had mosquitto send each ack twice and this process parse it during the recall.
    const ac = await new Promise<MqttClient>((resolve, reject) => {
      const c = connect(brokerUrl, { clientId: 'fleet-sim-probe', clean: true });
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
    ackClient = ac;
    let probeAt = 0;
    const answered = await waitFor('the ingest process to subscribe', () => {
      if (!probed && Date.now() - probeAt > 250) {
        probeAt = Date.now();
        ac.publish(unitTopic(PROBE, 'hb'), Buffer.from([0]), { qos: 0 });
      }
      return probed;
    }, 30_000);
    if (!answered) throw new Error('the ingest process did not answer within 30 s');

    // The platform's recall publisher publishes its retained set (at least the country index,
    // always) before any robot connects, as a running platform does on every (re)connect
    // (republishAll): a robot subscribes, receives the current indexes and verifies them (and
    // the platform certificate, once per robot) while it connects, not first during a recall.
    const publisher = new RecallPublisher({ store: new FilesPublisherStore(join(tmp, 'publisher')), signer: pki.platform.signer, certificate: pki.platform.certificate!, country: COUNTRY, trust: pki.root.trust });
    publisherClient = await new Promise<MqttClient>((resolve, reject) => {
      const c = connect(brokerUrl, { clientId: 'fleet-sim-publisher', clean: true });
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
    const pc = publisherClient;
    /** When the publisher handed its first message to MQTT (after verifying, storing and signing). */
    let firstSentAt: number | undefined;
    const transport = {
      publishRetained: async (topic: string, payload: Uint8Array) => {
        firstSentAt ??= performance.now();
        await pc.publishAsync(topic, Buffer.from(payload), { qos: 1, retain: true });
      },
    };
    await publisher.republishAll(transport);

    // Robots connect in batches.
    const sum = (f: (w: WorkerState) => number): number => workers.reduce((n, w) => n + f(w), 0);
    const t0c = performance.now();
    for (const w of workers) w.child.send({ type: 'connect' } satisfies ToWorker);
    const connectedAll = await waitFor('connect', () => births >= o.robots, o.connectTimeoutS * 1000, () =>
      say(`  [connect ${secs(performance.now() - t0c)}] connected ${sum((w) => w.progress.connected)}/${o.robots}, births verified by the ingest ${births}, ingest verified ${ing.stats.verified} rejected ${[...rejections.values()].reduce((a, b) => a + b, 0)}`),
    );
    if (!connectedAll) throw new Error(`only ${births} of ${o.robots} births reached the ingest within ${o.connectTimeoutS} s`);
    const connectMs = performance.now() - t0c;
    say(`  all ${o.robots} robots connected and announced in ${secs(connectMs)}`);
    await sleep(1000); // let the birth heartbeats and receipts settle

    // One recall for the whole model, signed by the platform, published with its indexes.
    const nowS = Math.floor(Date.now() / 1000);
    const notice = await signRecall(
      {
        recallId: 'SIM-MODEL-1',
        revision: 1,
        campaignId: 'CAMPAIGN-SIM-1',
        issuer: pki.platform.meta.subject,
        issuedAt: nowS,
        notBefore: nowS,
        notAfter: nowS + 30 * 86400,
        action: 'notify',
        reason: 'fleet simulation: every unit of the model',
        remedy: 'none: acknowledge',
        target: { enterprise: ENTERPRISE, model: MODEL },
        status: 'active',
      },
      pki.platform.signer,
      pki.platform.certificate!,
    );
    let platformProfiler: Session | undefined;
    if (o.profileDir) {
      mkdirSync(o.profileDir, { recursive: true });
      for (const w of workers) w.child.send({ type: 'profile-start' } satisfies ToWorker);
      platformProfiler = new Session();
      platformProfiler.connect();
      await platformProfiler.post('Profiler.enable');
      await platformProfiler.post('Profiler.start');
      await sleep(200);
    }
    const verifiedBefore = ing.stats.verified;
    const kindsBefore = new Map(kinds);
    const cpuBefore = cpuSnapshot(workers.map((w) => w.child.pid), broker?.pid, ing.child.pid);
    const T0 = wallMs();
    const t0 = performance.now();
    firstSentAt = undefined;
    await publisher.publish(notice, transport);
    const publishedMs = performance.now() - t0;
    const counted = (): number => [...ackAt.values()].filter((a) => a[want] !== undefined).length;
    // Finished when every unit's last ack is in: applied, or failed (which it will not retry).
    const done = await waitFor('acknowledgements', () => settledUnits >= o.robots, o.ackTimeoutS * 1000, () =>
      say(
        `  [recall +${secs(performance.now() - t0)}] robots verified ${sum((w) => w.progress.verified)}/${o.robots}, applied ${sum((w) => w.progress.applied)}, failed ${sum((w) => w.progress.failed)}, receipted ${sum((w) => w.progress.receipted)}; acks counted by the ingest: verified ${[...ackAt.values()].filter((a) => a.verified).length}${want === 'verified' ? '' : `, ${want} ${counted()}`}; ingest ${ing.stats.verified - verifiedBefore} verified since publish`,
      ),
    );
    const cpu = cpuWindow(cpuBefore, cpuSnapshot(workers.map((w) => w.child.pid), broker?.pid, ing.child.pid));
    const kindsInWindow = [...kinds].map(([k, n]): [string, number] => [k, n - (kindsBefore.get(k) ?? 0)]).filter(([, n]) => n > 0);
    const heartbeatsInWindow = kindsInWindow.find(([k]) => k === 'heartbeat')?.[1] ?? 0;
    const lastAck = Math.max(...[...ackAt.values()].map((a) => Math.max(a[want] ?? 0, a.failed ?? 0)));
    const lastReceipt = (): number => Math.max(...[...robotTimes.values()].map((t) => t.receipted));
    const windowMs = (done ? lastAck : wallMs()) - T0;
    const ingestRate = ((ing.stats.verified - verifiedBefore) / windowMs) * 1000;
    // The robots' whole recall: until each has taken the receipt for its ack (a robot verifies
    // the receipt and writes its outbox cursor), so that work the robots do after their ack was
    // counted still counts in their CPU per robot.
    const receiptedAll = done && (await waitFor('receipts', () => sum((w) => w.progress.receipted) >= o.robots, 30_000));
    const cpuToReceipts = receiptedAll ? cpuWindow(cpuBefore, cpuSnapshot(workers.map((w) => w.child.pid), broker?.pid, ing.child.pid)) : undefined;
    await sleep(300); // the last per-robot times arrive every 250 ms
    if (o.profileDir && platformProfiler) {
      const { profile } = await platformProfiler.post('Profiler.stop');
      writeFileSync(join(o.profileDir, 'platform.cpuprofile'), JSON.stringify(profile));
      platformProfiler.disconnect();
      workers.forEach((w, i) => w.child.send({ type: 'profile-stop', file: join(o.profileDir!, `worker-${i}.cpuprofile`) } satisfies ToWorker));
      await waitFor('profiles', () => profiled.length === workers.length, 30_000);
      say(`  CPU profiles of the recall phase: ${join(o.profileDir, 'platform.cpuprofile')} and ${profiled.length} worker profiles`);
    }

    // The campaign status, computed from the stored acks by the delivery module.
    const tc = performance.now();
    const verifiedNotice = await publisher.verify(notice);
    const units: VerifiedIdentity[] = registry.map((e) => verifyIdentityRecord(e.identity, pki.root.trust));
    const feed = filesAckFeed(join(tmp, 'ingest'));
    const ackBytes: StoredAck[] = [];
    // Every ack the ingest reported was stored before it said so; a batch still being written
    // (a torn tail) is read by the next call.
    const reported = kinds.get('ack') ?? 0;
    for (const end = Date.now() + 10_000; ; await sleep(200)) {
      ackBytes.push(...(await feed.next()));
      if (ackBytes.length >= reported || Date.now() > end) break;
    }
    const status = campaignStatus({ campaignId: 'CAMPAIGN-SIM-1', notices: [verifiedNotice], units, acks: ackBytes });
    const statusMs = performance.now() - tc;

    // Memory: each worker's RSS now, against its RSS before it made any unit.
    for (const w of workers) w.child.send({ type: 'report' } satisfies ToWorker);
    await waitFor('report', () => workers.every((w) => w.report), 10_000);
    const robotsRss = sum((w) => w.report?.memory.rss ?? 0);
    const baseRss = sum((w) => w.provisioned?.baseline.rss ?? 0);

    const rel = (xs: (number | undefined)[]): number[] => xs.filter((x): x is number => !!x).map((x) => x - T0);
    const rows: string[][] = [];
    const addRow = (name: string, xs: number[]): void => {
      const d = dist(xs);
      rows.push(d ? [name, String(d.count), secs(d.median), secs(d.p99), secs(d.max)] : [name, '0', '-', '-', '-']);
    };
    addRow('robot verified and stored the notice', rel([...robotTimes.values()].map((t) => t.verified)));
    if (o.action !== 'none') addRow('robot applied it (local action done)', rel([...robotTimes.values()].map((t) => t.applied)));
    addRow("'verified' ack verified + stored by the ingest", rel([...ackAt.values()].map((a) => a.verified)));
    if (o.action !== 'none') addRow("'applied' ack verified + stored by the ingest", rel([...ackAt.values()].map((a) => a.applied)));
    printTable(`fleet-sim summary: ${o.robots} robots, one model-scope recall (times from the publish)`, ['step', 'units', 'median', 'p99', 'max'], rows);
    const met = done && counted() === o.robots && windowMs <= 10_000 && status.counts[want] === o.robots;
    printTable('', ['figure', 'value'], [
      ['connect + announce all robots', secs(connectMs)],
      ['recall signed indexes + retained publish', `${publishedMs.toFixed(0)} ms (first message handed to MQTT after ${firstSentAt === undefined ? '?' : (firstSentAt - t0).toFixed(0)} ms: verified, stored, indexes signed)`],
      [`all ${want} acks counted`, done && counted() === o.robots ? secs(windowMs) : `NOT DONE: ${counted()} of ${o.robots} ${want} after ${secs(windowMs)}`],
      [`campaign status (campaignStatus over the ${ackBytes.length} acks the ingest stored)`, `${status.counts.applied} applied, ${status.counts.verified} verified, ${status.counts.pending} pending, ${status.counts.failed} failed, ${status.counts.rejected} rejected, ${status.invalidAcks} invalid; computed in ${statusMs.toFixed(0)} ms`],
      ['ingest throughput during the recall', `${Math.round(ingestRate)} verified msg/s (${ing.stats.verified - verifiedBefore} msgs; the fleet watch process)`],
      ['ingest messages from the publish to the last ack', kindsInWindow.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'],
      ['CPU from the publish to the last ack', cpuText(cpu, o.robots)],
      ['CPU from the publish to the last receipt taken', cpuToReceipts ? `${cpuText(cpuToReceipts, o.robots)}; last receipt ${secs(lastReceipt() - T0)}` : 'not every robot took its receipt within 30 s of the last ack'],
      ['robots waiting for their turn in a worker (most)', o.turnRobots > 0 ? `${Math.max(...workers.map((w) => w.progress.maxWaiting))} (${o.turnRobots} robots per turn of the loop)` : 'none: messages handed over as read'],
      ['failed acks (reason: count)', failReasons.size ? [...failReasons].map(([k, v]) => `${k} ${v}`).join(', ') : 'none'],
      ['ingest rejections (whole run)', rejections.size ? [...rejections].map(([k, v]) => `${k} ${v}`).join(', ') : 'none'],
      ['memory per simulated robot', `${kib(robotsRss / o.robots)} RSS of the workers / robot (${kib((robotsRss - baseRss) / o.robots)} above the workers' start)`],
      ['workers RSS total', `${mib(robotsRss)} in ${workers.length} processes; mosquitto and the platform not included`],
      ['load average (1 min) at the end', loadavg()[0]!.toFixed(2)],
      ['target: all acknowledged within 10 s of the publish', met ? 'MET' : 'MISSED'],
    ], 'left');

    for (const w of workers) w.child.send({ type: 'stop' } satisfies ToWorker);
    await waitFor('stop', () => workers.every((w) => w.stopped), 60_000);
    return {
      robots: o.robots,
      workers: workers.length,
      connectMs,
      robotVerified: dist(rel([...robotTimes.values()].map((t) => t.verified))),
      robotApplied: dist(rel([...robotTimes.values()].map((t) => t.applied))),
      ackVerified: dist(rel([...ackAt.values()].map((a) => a.verified))),
      ackApplied: dist(rel([...ackAt.values()].map((a) => a.applied))),
      ingestMsgsPerSec: ingestRate,
      heartbeatsInWindow,
      cpu,
      ...(cpuToReceipts ? { cpuToReceipts, lastReceiptMs: lastReceipt() - T0 } : {}),
      rssPerRobot: robotsRss / o.robots,
      rssPerRobotAboveStart: (robotsRss - baseRss) / o.robots,
      acknowledged: counted(),
      campaignApplied: status.counts[want],
      lastAckMs: done && counted() === o.robots ? windowMs : undefined,
      metTarget: met,
    };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
  }
}

function cpuText(c: CpuWindow, robots: number): string {
  const s = (ms: number | undefined): string => (ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`);
  const perRobot = c.workers === undefined ? '' : ` (${((c.workers / robots) * 1000).toFixed(0)} us per robot)`;
  const machine = c.busy === undefined || c.idle === undefined ? '' : `; machine ${s(c.busy)} busy, ${s(c.idle)} idle`;
  const ingest = c.ingest === undefined ? '' : ` (ingest process ${s(c.ingest)})`;
  return `workers ${s(c.workers)}${perRobot}, platform ${s(c.platform)}${ingest}, mosquitto ${s(c.broker)}${machine}`;
}

if ((import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('fleet-sim/main.ts')) && process.argv.includes('--db')) {
  // Ingest workers on PostgreSQL (ingest-workers.ts): another measurement, not the recall.
  const argv = process.argv.slice(2);
  const get = (name: string): string | undefined => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
  const { runIngestWorkers, machineNote } = await import('./ingest-workers.js');
  runIngestWorkers({
    server: get('db')!,
    workerCounts: (get('ingest-workers') ?? '1,2').split(',').map(Number),
    robots: Number(get('robots') ?? 10_000),
    events: Number(get('events') ?? 3),
    heartbeats: !argv.includes('--no-heartbeats'),
    quiet: argv.includes('--quiet') || argv.includes('--json'),
    build: !argv.includes('--no-build'),
  }).then(
    (r) => {
      if (argv.includes('--json')) {
        console.log(JSON.stringify(r));
        process.exit(0);
      }
      const one = r.runs.find((x) => x.workers === 1);
      const two = r.runs.find((x) => x.workers === 2);
      console.log(`machine: ${machineNote()}`);
      if (one) console.log(`1 worker: ${(one.msgsPerSec / r.raw).toFixed(2)}x raw node:crypto verification of the same messages (target >= 0.70x)`);
      if (one && two) console.log(`2 workers: ${(two.msgsPerSec / one.msgsPerSec).toFixed(2)}x 1 worker (target >= 1.6x when broker and database are not the limit)`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(`fleet-sim --db failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
} else if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('fleet-sim/main.ts')) {
  const options = parseArgs(process.argv.slice(2));
  runFleetSim(options).then(
    (r) => {
      if (options.json) console.log(JSON.stringify(r));
      process.exit(r.acknowledged === r.robots && r.campaignApplied === r.robots ? 0 : 1);
    },
    (err: unknown) => {
      console.error(`fleet-sim failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
