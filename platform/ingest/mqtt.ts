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
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { FleetIngest, fleetFilter, type IngestOptions, type UnitChannel } from '../../sdk/index.js';

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
  /** Resolves once subscribed the first time. */
  ready: Promise<void>;
  /** Stops reading, flushes, snapshots, disconnects. */
  close(): Promise<void>;
}

export function connectIngest(options: Omit<IngestOptions, 'publish'>, mqtt: IngestMqttOptions): IngestConnection {
  const holder: { client?: MqttClient } = {};
  const ingest = new FleetIngest({
    ...options,
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
  c.on('message', (topic, payload) => {
    ingest.handle(topic, payload);
    flushTimer ??= setTimeout(flush, flushEvery);
  });
  const tick = mqtt.tickIntervalMs === 0 ? undefined : setInterval(() => ingest.tick(), mqtt.tickIntervalMs ?? 1000);
  tick?.unref();
  return {
    ingest,
    client: c,
    ready,
    async close() {
      clearInterval(tick);
      // Keep handling until the connection is closed: whatever MQTT.js acknowledges must reach
      // the store, or the broker would consider it delivered and the ingest would see a gap.
      await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
      clearTimeout(flushTimer);
      await flush();
      await ingest.close();
    },
  };
}
