/**
 * One simulated robot, composed from the agent's real parts exactly as agent/link/module.ts
 * and the recall modules compose them: the MQTT link (jittered backoff, fixed protocol
 * options), presence (identity, birth, Will), heartbeats, the durable outbox with its framed
 * logs, the outbox sender, receipt handling, the recall handler (verification, durable store,
 * local action, signed acks) and recall sync (scope subscriptions, signed indexes). Its messages
 * reach that code, whole and in arrival order, when the worker's round robin gives the robot its
 * turn (turns.ts). Nothing is shared between robots except the trust store object, the worker's
 * turns and a silent logger: each robot verifies every notice, index and receipt itself with
 * its own key material, and has its own certificate cache (as one agent has one:
 * agent/cert-cache.ts), so a robot skips the root's signature only over certificate bytes it
 * verified itself before.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CertificateCache, VERSION, unitTopic, type Signer, type TrustStore, type VerifiedIdentity } from '../../sdk/index.js';
import { HeartbeatPublisher } from '../../agent/heartbeat/heartbeat.js';
import { MqttLink } from '../../agent/link/link.js';
import { ReceiptHandler } from '../../agent/link/receipts.js';
import { OutboxSender } from '../../agent/link/sender.js';
import { DurableOutbox } from '../../agent/outbox/durable-outbox.js';
import { Presence } from '../../agent/presence/presence.js';
import { RecallHandler, type RecallActionConfig } from '../../agent/recall/index.js';
import { RecallSync } from '../../agent/recall-sync/index.js';
import { FramedLog } from '../../agent/storage/index.js';
import type { SyncLink } from '../../agent/recall-sync/types.js';
import type { Turns } from './turns.js';

export interface RobotTimes {
  /** Wall-clock ms (performance.timeOrigin + now) when the notice was verified and stored. */
  verified?: number;
  /** When the local action finished with 'applied'. */
  applied?: number;
  failed?: string;
  /** When a platform receipt first confirmed an ack of this robot (its outbox moved). */
  receipted?: number;
}

export interface RobotOptions {
  identity: VerifiedIdentity;
  signer: Signer;
  trust: TrustStore;
  stateDir: string;
  brokerUrl: string;
  heartbeatIntervalMs: number;
  /**
   * When the first timed heartbeat is due (then every interval): a fleet that booted at random
   * times beats at random phases, not in the order this simulation connected its robots.
   */
  heartbeatPhaseMs: number;
  action?: RecallActionConfig;
  /** The worker's queue of deliveries (turns.ts): the robot's messages reach its code through it. */
  turns: Turns;
  log: Logger;
  onConnect(): void;
  /** Called at each step with the robot's times so far and the step just reached. */
  onTimes(code: string, times: RobotTimes, step: keyof RobotTimes): void;
}

export const wallMs = (): number => performance.timeOrigin + performance.now();
const ZERO32 = new Uint8Array(32);

export class SimRobot {
  readonly code: string;
  private constructor(
    readonly link: MqttLink,
    readonly times: RobotTimes,
    private readonly parts: { phase: NodeJS.Timeout; heartbeat: HeartbeatPublisher; sender: OutboxSender; presence: Presence; logs: FramedLog[]; sync: RecallSync; handler: RecallHandler },
    code: string,
  ) {
    this.code = code;
  }

  static async create(o: RobotOptions): Promise<SimRobot> {
    const code = o.identity.code.code;
    const dir = o.stateDir;
    mkdirSync(join(dir, 'quarantine'), { recursive: true });
    const open = (name: string, what: string): Promise<FramedLog> =>
      FramedLog.open({ path: join(dir, name), quarantineDir: join(dir, 'quarantine'), maxBytes: 1 << 20, reserveBytes: 0, what });
    const eventLog = await open('events.log', 'event log');
    const ackLog = await open('acks.log', 'ack log');
    const outbox = new DurableOutbox({ event: eventLog, ack: ackLog }, join(dir, 'outbox.json'));
    const log = o.log;
    const info = () => ({ state: 'in_service', agentVersion: VERSION, firmwareVersion: 'sim', logSeq: 0 });
    const presence = new Presence({ code, signer: o.signer, identity: o.identity.bytes, bootCount: 1, heartbeatIntervalMs: o.heartbeatIntervalMs, log, info });
    const link = new MqttLink({
      code,
      options: { brokerUrl: o.brokerUrl, keepaliveSeconds: 120, reconnectMinMs: 1000, reconnectMaxMs: 30_000, connectTimeoutMs: 60_000 },
      log,
      will: presence.will,
    });
    const sender = new OutboxSender(code, outbox, link, log, { resendIntervalMs: 30_000 });
    // One per robot, shared by its receipts, recall handler and recall sync (as in one agent).
    const certCache = new CertificateCache();
    const receipts = new ReceiptHandler({ code, trust: o.trust, outbox, log, onProgress: () => sender.progressed(), certCache });
    const holder: { sync?: RecallSync } = {};
    const handler = RecallHandler.open({
      identity: o.identity,
      trust: o.trust,
      device: o.signer,
      now: () => Math.floor(Date.now() / 1000),
      acks: outbox,
      dir: join(dir, 'recalls'),
      action: o.action,
      log,
      revocations: () => holder.sync?.revocations() ?? RecallSync.noRevocations,
      certCache,
    });
    const heartbeat = new HeartbeatPublisher({
      code,
      signer: o.signer,
      bootCount: 1,
      intervalMs: o.heartbeatIntervalMs,
      agentVersion: VERSION,
      firmwareVersion: 'sim',
      log,
      status: () => ({ state: 'in_service', outboxDepth: outbox.depth(), logSeq: 0, logHash: ZERO32, activeRecalls: handler.activeRecallIds() }),
    });
    const times: RobotTimes = {};
    // The notice sink is the handler; the wrapper only takes the times the summary reports.
    const sink = {
      revisionOf: (id: string) => handler.revisionOf(id),
      installPolicy: (bytes: Uint8Array) => handler.installPolicy(bytes),
      handleNotice: async (bytes: Uint8Array, source: string) => {
        const r = await handler.handleNotice(bytes, source);
        if (r.result === 'accepted') {
          times.verified = wallMs();
          o.onTimes(code, times, 'verified');
          // Without a configured action there is nothing to apply: 'verified' is the last step.
          if (o.action) {
            void r.applied.then((outcome) => {
              if (outcome?.status === 'applied') times.applied = wallMs();
              else times.failed = outcome?.reason ?? 'unknown';
              o.onTimes(code, times, outcome?.status === 'applied' ? 'applied' : 'failed');
            });
          }
        }
        return r;
      },
    };
    const sync = new RecallSync({ code: o.identity.code, deviceKid: o.identity.deviceKid, trust: o.trust, dir: join(dir, 'recall-index'), notices: sink, maxAgeMs: 24 * 3600_000, log, certCache });
    holder.sync = sync;
    outbox.onConfirm((stream) => {
      if (stream !== 'ack' || times.receipted !== undefined || times.verified === undefined) return;
      times.receipted = wallMs();
      o.onTimes(code, times, 'receipted');
    });
    const receiptTopic = unitTopic(code, 'receipt');
    link.subscribe(receiptTopic);
    // Every message the link receives, in arrival order, through the worker's turns (turns.ts):
    // the receipts to the receipt handler, the rest to recall sync (which drops what is not its
    // own); the robot's next message waits until this one is handled.
    const toSync: ((topic: string, payload: Buffer) => void)[] = [];
    const line = o.turns.robot();
    link.on('message', (topic, payload) =>
      line.deliver(() => {
        if (topic === receiptTopic) return receipts.handle(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
        for (const l of toSync) l(topic, payload);
        return sync.idle();
      }),
    );
    const syncLink: SyncLink = {
      subscribe: (filter) => link.subscribe(filter),
      refetch: (topic) => link.refetch(topic),
      get connected() {
        return link.connected;
      },
      on: ((event: 'message' | 'connect', listener: (...args: never[]) => void) => {
        if (event === 'message') toSync.push(listener as (topic: string, payload: Buffer) => void);
        else link.on('connect', listener as (session: number) => void);
        return syncLink;
      }) as SyncLink['on'],
    };
    link.on('connect', () => o.onConnect());
    presence.attach(link);
    // The first timed beat at the phase, then every interval: the steady state of a fleet
    // whose robots booted at random times (one beat per interval per robot, evenly spread).
    const phase = setTimeout(() => {
      // start() first: it hands the publisher the link, without which a beat is skipped.
      heartbeat.start(link);
      void heartbeat.beat();
    }, o.heartbeatPhaseMs);
    sender.start();
    sync.start(syncLink);
    await handler.start();
    return new SimRobot(link, times, { phase, heartbeat, sender, presence, logs: [eventLog, ackLog], sync, handler }, code);
  }

  start(): void {
    this.link.start();
  }

  async stop(): Promise<void> {
    clearTimeout(this.parts.phase);
    this.parts.heartbeat.stop();
    this.parts.sender.stop();
    this.parts.sync.stop?.();
    await this.parts.handler.idle();
    await this.link.stop(await this.parts.presence.offline('shutdown'));
    for (const l of this.parts.logs) await l.close();
  }
}
