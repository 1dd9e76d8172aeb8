/**
 * The unit's MQTT connection (docs/protocol.md §"The link"). One MQTT.js client per
 * connection attempt, created with the fixed options of options.ts; when it closes for any
 * reason the link waits a capped, fully jittered backoff and makes a new one. Each attempt is
 * a new session number, handed to the Will provider first so the death message carries the
 * birth sequence of the session it ends.
 *
 * Lifecycle events: 'connect' (session), 'disconnect', 'message' (topic, payload), 'stopped'.
 * `publish` settles once: on PUBACK (QoS 1) or when written (QoS 0), or rejects with
 * LinkError LINK_DOWN when the connection ends first. Nothing is retried here: the outbox
 * sender (sender.ts) decides what to send again.
 */
import { EventEmitter } from 'node:events';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { RobotIdError } from '../../sdk/index.js';
import { Backoff } from './backoff.js';
import { mqttOptions, type LinkOptions, type Will } from './options.js';

export class LinkError extends RobotIdError {}

export interface LinkEvents {
  connect: [session: number];
  disconnect: [];
  message: [topic: string, payload: Buffer];
  stopped: [];
}

export interface LinkDeps {
  code: string;
  options: LinkOptions;
  log: Logger;
  /** Called before every attempt with its session number; the Will the broker will hold. */
  will?: (session: number) => Promise<Will | undefined>;
  random?: () => number;
}

export interface PublishOptions {
  qos: 0 | 1;
  retain?: boolean;
}

interface Inflight {
  resolve(): void;
  reject(err: Error): void;
}

export class MqttLink extends EventEmitter<LinkEvents> {
  private client: MqttClient | undefined;
  private live = false;
  private sessionNo = 0;
  private stopped = false;
  private started = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly topics: string[] = [];
  private readonly inflight = new Set<Inflight>();
  private readonly handlers = new Map<MqttClient, ClientHandlers>();
  readonly stats = { attempts: 0, connects: 0, disconnects: 0, closedBeforeConnack: 0, lastDelayMs: 0 };
  private unloggedCloses = 0;
  private lastCloseLog = -Infinity;

  constructor(private readonly deps: LinkDeps) {
    super();
    this.backoff = new Backoff({ minMs: deps.options.reconnectMinMs, maxMs: deps.options.reconnectMaxMs, random: deps.random });
  }

  get connected(): boolean {
    return this.live;
  }

  get session(): number {
    return this.sessionNo;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.attempt();
  }

  /** Subscribes now (if connected) and again after every connect, at QoS 1. */
  subscribe(topic: string): void {
    if (this.topics.includes(topic)) return;
    this.topics.push(topic);
    if (this.live) this.client?.subscribe(topic, { qos: 1 }, (err) => err && this.deps.log.warn({ topic, err: { message: err.message } }, 'subscribe failed'));
  }

  /** Subscribes once more so the broker sends the topic's retained message again. */
  refetch(topic: string): void {
    if (this.live) this.client?.subscribe(topic, { qos: 1 });
  }

  publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<void> {
    const client = this.client;
    if (!client || !this.live) return Promise.reject(new LinkError('LINK_DOWN', `publish ${topic}: not connected`));
    return new Promise<void>((resolve, reject) => {
      const entry: Inflight = {
        resolve: () => {
          this.inflight.delete(entry);
          resolve();
        },
        reject: (err) => {
          this.inflight.delete(entry);
          reject(err);
        },
      };
      this.inflight.add(entry);
      const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      client.publish(topic, buf, { qos: options.qos, retain: options.retain ?? false }, (err) => {
        if (err) entry.reject(new LinkError('LINK_DOWN', `publish ${topic}: ${err.message}`, { cause: err }));
        else entry.resolve();
      });
    });
  }

  /**
   * Orderly shutdown: optionally publishes `last` (the clean offline message) at QoS 1, then
   * disconnects cleanly so the broker discards the Will.
   */
  async stop(last?: Will): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    const wasLive = this.live;
    if (client && wasLive && last) {
      try {
        await withTimeout(this.publish(last.topic, last.payload, { qos: 1 }), STOP_GRACE_MS);
      } catch (err) {
        this.deps.log.warn({ err: { message: (err as Error).message } }, 'offline message not delivered');
      }
    }
    if (client) {
      // A live connection is closed with a DISCONNECT (so the broker drops the Will); one still
      // connecting is simply dropped: MQTT.js would otherwise keep its connect timer running.
      if (wasLive) await withTimeout(new Promise<void>((resolve) => client.end(false, {}, () => resolve())), STOP_GRACE_MS).catch(() => undefined);
      this.down(client);
    }
    this.emit('stopped');
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    const session = ++this.sessionNo;
    this.stats.attempts++;
    let will: Will | undefined;
    try {
      will = await this.deps.will?.(session);
    } catch (err) {
      this.deps.log.error({ err: { message: (err as Error).message } }, 'could not prepare the will');
      this.schedule();
      return;
    }
    if (this.stopped) return;
    const client = connect(this.deps.options.brokerUrl, mqttOptions(this.deps.options, this.deps.code, will));
    this.client = client;
    // Our own listeners, kept so down() removes exactly these: MQTT.js registers internal
    // 'close' listeners too (they clear its connect timer), and removing those kept a dead
    // client's 10 s timer alive after shutdown.
    const handlers = {
      connect: () => {
        this.live = true;
        this.backoff.reset();
        this.stats.connects++;
        for (const t of this.topics) client.subscribe(t, { qos: 1 });
        this.deps.log.info({ session }, 'broker connected');
        this.emit('connect', session);
      },
      message: (topic: string, payload: Buffer) => this.emit('message', topic, payload),
      error: (err: Error) => {
        // Refused logins and unreachable brokers land here; the close that follows retries.
        errored.add(client);
        this.deps.log.warn({ session, err: { code: (err as NodeJS.ErrnoException).code, message: err.message } }, 'broker connection error');
        this.down(client);
      },
      close: () => this.down(client),
    };
    this.handlers.set(client, handlers);
    client.on('connect', handlers.connect);
    client.on('message', handlers.message);
    client.on('error', handlers.error);
    client.on('close', handlers.close);
  }

  /** One connection ended (any reason): settle its publishes, announce, schedule the next. */
  private down(client: MqttClient): void {
    if (this.client !== client) return;
    this.client = undefined;
    const wasLive = this.live;
    this.live = false;
    const handlers = this.handlers.get(client);
    this.handlers.delete(client);
    if (handlers) {
      client.off('connect', handlers.connect);
      client.off('message', handlers.message);
      client.off('close', handlers.close);
      client.off('error', handlers.error);
    }
    // A closed client can still report late socket errors; they are of no further interest.
    client.on('error', () => undefined);
    client.end(true);
    for (const p of [...this.inflight]) p.reject(new LinkError('LINK_DOWN', 'connection closed before the broker acknowledged'));
    if (wasLive) {
      this.stats.disconnects++;
      this.deps.log.warn('broker disconnected');
      this.emit('disconnect');
    } else if (!errored.has(client) && !this.stopped) this.closedBeforeConnack();
    this.schedule();
  }

  /**
   * The broker (or something in between) closed the connection before its CONNACK, with no
   * error to report: an ACL or a listener that drops us, a proxy, a full broker. Said at most
   * once a minute with how many attempts ended so since, so a loop of them stays visible
   * without filling the journal.
   */
  private closedBeforeConnack(): void {
    this.stats.closedBeforeConnack++;
    this.unloggedCloses++;
    const now = Date.now();
    if (now - this.lastCloseLog < CLOSE_LOG_EVERY_MS) return;
    this.deps.log.warn({ attempts: this.unloggedCloses, broker: brokerHost(this.deps.options.brokerUrl) }, 'broker closed the connection before CONNACK');
    this.lastCloseLog = now;
    this.unloggedCloses = 0;
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const delay = this.backoff.next();
    this.stats.lastDelayMs = delay;
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
  }
}

/** Clients whose attempt reported an error (logged already), so their close is not logged again. */
const errored = new WeakSet<MqttClient>();
const CLOSE_LOG_EVERY_MS = 60_000;

/** The broker URL without credentials, for logs. */
function brokerHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'unparsable broker url';
  }
}

interface ClientHandlers {
  connect: () => void;
  message: (topic: string, payload: Buffer) => void;
  error: (err: Error) => void;
  close: () => void;
}

/** How long an orderly stop waits for the broker (offline message, DISCONNECT) before dropping. */
const STOP_GRACE_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
