/**
 * The ingest on a broker (docs/protocol.md §"Fleet ingest"). Subscribes to every unit channel
 * except receipts at QoS 1 under a persistent session (fixed client id, clean: false, so the
 * broker queues what arrives while the ingest restarts), feeds the ingest, group-commits every
 * `flushIntervalMs` and publishes receipts at QoS 1. With `shareGroup` it is one of several
 * workers on MQTT 5 shared subscriptions (`$share/<group>/...`): the broker hands each message
 * to one worker of the group, under a clean session (a killed worker's share is not queued for
 * it: the units resend what no receipt confirmed). MQTT.js's own reconnect (`reconnectPeriod`)
 * is enough here; units use the jittered backoff.
 */
import { availableParallelism } from 'node:os';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { FleetIngest, PreVerifier, ProvenSignatures, fleetFilter, nodeEd25519Unkept, threadPays, type IngestOptions, type UnitChannel } from '../../sdk/index.js';
import { OrderedQueue, type OrderedQueueLimits } from './ordered-queue.js';
import { VerifyPool } from './verify-pool.js';

export const INGEST_CHANNELS: readonly UnitChannel[] = ['identity', 'birth', 'death', 'offline', 'hb', 'evt', 'ack'];

export interface IngestMqttOptions {
  url: string;
  /** Persistent client id (default platform-ingest). */
  clientId?: string;
  username?: string;
  password?: string;
  ca?: Uint8Array;
  cert?: Uint8Array;
  key?: Uint8Array;
  protocolVersion?: 4 | 5;
  /** Group commit period (default 20 ms). */
  flushIntervalMs?: number;
  /** Deadline check period (default 1000 ms; 0: the caller runs `ingest.tick()` itself). */
  tickIntervalMs?: number;
  reconnectPeriodMs?: number;
  /** Subscribe as one worker of this shared-subscription group (MQTT 5, clean session). */
  shareGroup?: string;
  /**
   * Threads that check signatures ahead of the ingest (verify-pool.ts); 0: none, every
   * signature is checked in order on the event loop. Default `defaultVerifyThreads()`.
   */
  verifyThreads?: number;
  /** Bounds of the messages waiting for those checks (ordered-queue.ts). */
  verifyQueue?: OrderedQueueLimits;
  /**
   * When messages are checked ahead on the threads: 'busy' (default) only while the ingest's
   * event loop is saturated and the machine has a core to spare (sdk/util/thread-pays.ts: on a
   * machine whose cores are all in use the hand-offs would only cost CPU), 'always' for every
   * message that can be.
   */
  verifyAhead?: 'busy' | 'always';
}

/**
 * The verification threads a host runs by default: one per CPU, none on a single CPU, where a
 * thread could only take turns with the event loop and would add its hand-offs.
 */
export function defaultVerifyThreads(): number {
  const cpus = availableParallelism();
  return cpus > 1 ? cpus : 0;
}

/**
 * The filters the ingest subscribes to: each unit channel, under `$share/<group>/` for a worker
 * group, except identities: every worker needs every unit's record (and a broker sends no
 * retained message on a shared subscription), so each worker subscribes to them itself.
 */
export function ingestFilters(shareGroup?: string): string[] {
  return INGEST_CHANNELS.map((ch) => (shareGroup && ch !== 'identity' ? `$share/${shareGroup}/${fleetFilter(ch)}` : fleetFilter(ch)));
}

export interface IngestConnection {
  ingest: FleetIngest;
  client: MqttClient;
  /** The verification threads and their queue, when the ingest runs with them. */
  preverify?: { pool: VerifyPool; queue: OrderedQueue; proven: ProvenSignatures };
  /** Resolves once subscribed the first time. */
  ready: Promise<void>;
  /** Stops reading, flushes, snapshots, disconnects. */
  close(): Promise<void>;
}

export function connectIngest(options: Omit<IngestOptions, 'publish'>, mqtt: IngestMqttOptions): IngestConnection {
  const holder: { client?: MqttClient } = {};
  // The proofs come from node:crypto: they stand in only for the node backends' own check.
  const threads = options.backend && options.backend.name !== 'node' ? 0 : (mqtt.verifyThreads ?? defaultVerifyThreads());
  if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`verifyThreads: expected a whole number >= 0, got ${threads}`);
  const proven = threads > 0 ? new ProvenSignatures() : undefined;
  const ingest = new FleetIngest({
    ...options,
    ...(proven ? { backend: proven.backend(options.backend ?? nodeEd25519Unkept) } : {}),
    publish: (topic, payload) => holder.client?.publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: 1 }),
  });
  const opts: IClientOptions = {
    clientId: mqtt.clientId ?? 'platform-ingest',
    clean: mqtt.shareGroup === undefined ? false : true,
    protocolVersion: mqtt.shareGroup === undefined ? (mqtt.protocolVersion ?? 4) : 5,
    username: mqtt.username,
    password: mqtt.password,
    ca: mqtt.ca ? Buffer.from(mqtt.ca) : undefined,
    cert: mqtt.cert ? Buffer.from(mqtt.cert) : undefined,
    key: mqtt.key ? Buffer.from(mqtt.key) : undefined,
    reconnectPeriod: mqtt.reconnectPeriodMs ?? 1000,
    resubscribe: true,
  };
  const c = connect(mqtt.url, opts);
  holder.client = c;
  let flushing: Promise<unknown> = Promise.resolve();
  let flushTimer: NodeJS.Timeout | undefined;
  const flushEvery = mqtt.flushIntervalMs ?? 20;
  const flush = (): Promise<unknown> => {
    flushTimer = undefined;
    flushing = flushing
      .then(() => ingest.flush())
      .then(() => {
        // Receipts held back by their minimum interval go out with a later flush.
        if (ingest.receiptsPending > 0) flushTimer ??= setTimeout(flush, Math.max(flushEvery, 50));
      });
    return flushing;
  };
  const ready = new Promise<void>((resolve, reject) => {
    c.once('connect', () => {
      c.subscribe(
        ingestFilters(mqtt.shareGroup),
        { qos: 1 },
        (err, granted) => {
          if (err) return reject(err);
          // A refused filter (e.g. a broker without shared subscriptions) would ingest nothing.
          const refused = (granted ?? []).filter((g) => g.qos >= 128);
          if (refused.length > 0) return reject(new Error(`the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`));
          resolve();
        },
      );
    });
    c.once('error', (err) => reject(err));
  });
  ready.catch(() => undefined);
  c.on('error', () => undefined); // connection errors: MQTT.js reconnects; `ready` reports the first
  const handled = (): void => {
    flushTimer ??= setTimeout(flush, flushEvery);
  };
  let preverify: IngestConnection['preverify'];
  if (proven) {
    const pool = new VerifyPool({ threads });
    // Engaged, the threads leave the event loop waiting on them (about 40% busy at full load): a
    // release at 50%, the signing thread's, would flap between the two; 20% means the load went.
    const pays = mqtt.verifyAhead === 'always' ? undefined : threadPays({ releaseBelow: 0.2 });
    const queue = new OrderedQueue({ ingest, claims: new PreVerifier(ingest.identities), proven, pool, handled, ...(pays ? { pays } : {}) }, mqtt.verifyQueue);
    preverify = { pool, queue, proven };
    // MQTT.js hands over one message at a time: 'message', then handleMessage, whose callback
    // lets it go on (and, at QoS 1, sends the PUBACK). So a QoS 1 message is acknowledged only
    // once the ingest has handled it, as without the threads, and a full queue stops the
    // reading until there is room: the broker's and TCP's flow control hold the rest.
    // A QoS 1 message holds the next one back until it is handled, so checking it ahead would
    // only add a hand-off: with nothing before it in the queue it is handled at once, as without
    // the threads. Units publish heartbeats, the bulk of the traffic, at QoS 0.
    let last: object | undefined;
    c.on('message', (topic, payload, packet) => {
      last = queue.push(topic, payload, packet.qos === 0);
    });
    c.handleMessage = (packet, callback) => {
      const entry = last;
      last = undefined;
      if (entry && packet.qos > 0) queue.whenHandled(entry, () => queue.whenRoom(() => callback()));
      else queue.whenRoom(() => callback());
    };
  } else {
    c.on('message', (topic, payload) => {
      ingest.handle(topic, payload);
      handled();
    });
  }
  const tick = mqtt.tickIntervalMs === 0 ? undefined : setInterval(() => ingest.tick(), mqtt.tickIntervalMs ?? 1000);
  tick?.unref();
  return {
    ingest,
    client: c,
    ...(preverify ? { preverify } : {}),
    ready,
    async close() {
      clearInterval(tick);
      // Keep handling until the connection is closed: whatever MQTT.js acknowledges must reach
      // the store, or the broker would consider it delivered and the ingest would see a gap.
      await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
      // Every message taken from the broker reaches the ingest before the last commit.
      await preverify?.queue.drain();
      clearTimeout(flushTimer);
      await flush();
      await ingest.close();
      await preverify?.pool.close();
    },
  };
}
