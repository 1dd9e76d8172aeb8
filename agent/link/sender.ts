/**
 * Publishes the outbox (docs/protocol.md §"Delivery and exactly-once"). Per stream a cursor
 * says what this connection has handed to MQTT. On every connect the cursor goes back to the
 * last confirmed seq, so everything unconfirmed is sent again; the resend timer does the same
 * when no receipt has made progress for `resendIntervalMs` while entries are pending. Entries
 * are published at QoS 1 with at most `window` awaiting PUBACK and at most `maxUnconfirmed`
 * beyond the last receipt, so a dead ingest does not make the unit flood the broker.
 * Only a receipt (receipts.ts -> outbox.confirm) removes anything; PUBACK only frees a slot.
 */
import type { Logger } from 'pino';
import { unitTopic } from '../../sdk/index.js';
import type { Outbox, StreamName } from '../outbox/types.js';
import type { MqttLink } from './link.js';

export const STREAMS: readonly StreamName[] = ['event', 'ack'];
const CHANNEL = { event: 'evt', ack: 'ack' } as const;

export interface SenderOptions {
  /** QoS 1 publishes awaiting PUBACK (default 128). */
  window?: number;
  /** Entries published beyond the last confirmed seq of a stream (default 4096). */
  maxUnconfirmed?: number;
  resendIntervalMs: number;
  /** Milliseconds clock (default Date.now). */
  now?: () => number;
}

export interface SenderStats {
  published: number;
  /** Publishes of an entry this sender had published before (after reconnect or timer). */
  resent: number;
  resendRounds: number;
  pubackErrors: number;
}

export class OutboxSender {
  private readonly cursor: Record<StreamName, number> = { event: 0, ack: 0 };
  private readonly highest: Record<StreamName, number> = { event: 0, ack: 0 };
  private inflight = 0;
  /** A pump is queued as a microtask (PUBACKs that arrive together free their slots at once). */
  private pumpQueued = false;
  private readonly topics: Record<StreamName, string>;
  private lastProgress: number;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly window: number;
  private readonly maxUnconfirmed: number;
  private readonly now: () => number;
  readonly stats: SenderStats = { published: 0, resent: 0, resendRounds: 0, pubackErrors: 0 };

  constructor(
    private readonly code: string,
    private readonly outbox: Outbox,
    private readonly link: MqttLink,
    private readonly log: Logger,
    private readonly options: SenderOptions,
  ) {
    this.window = options.window ?? 128;
    this.maxUnconfirmed = options.maxUnconfirmed ?? 4096;
    this.now = options.now ?? Date.now;
    this.lastProgress = this.now();
    this.topics = { event: unitTopic(code, CHANNEL.event), ack: unitTopic(code, CHANNEL.ack) };
  }

  start(): void {
    this.link.on('connect', this.onConnect);
    this.unsubscribe = this.outbox.onAppend(() => this.pump());
    const tick = Math.max(10, Math.floor(this.options.resendIntervalMs / 4));
    this.timer = setInterval(() => this.checkResend(), tick);
    this.timer.unref();
    if (this.link.connected) this.onConnect();
  }

  stop(): void {
    this.link.off('connect', this.onConnect);
    this.unsubscribe?.();
    clearInterval(this.timer);
  }

  /** Called by the receipt handler after outbox.confirm moved a stream forward. */
  progressed(): void {
    this.lastProgress = this.now();
    for (const s of STREAMS) this.cursor[s] = Math.max(this.cursor[s], this.outbox.confirmed(s));
    this.pump();
  }

  private readonly onConnect = (): void => {
    this.rewind('connect');
  };

  private rewind(why: 'connect' | 'timer'): void {
    for (const s of STREAMS) this.cursor[s] = this.outbox.confirmed(s);
    this.lastProgress = this.now();
    if (this.outbox.depth() > 0) {
      this.stats.resendRounds++;
      this.log.debug({ why, depth: this.outbox.depth() }, 'resending unconfirmed entries');
    }
    this.pump();
  }

  private checkResend(): void {
    if (!this.link.connected || this.outbox.depth() === 0) {
      this.lastProgress = this.now();
      return;
    }
    if (this.now() - this.lastProgress >= this.options.resendIntervalMs) this.rewind('timer');
  }

  pump(): void {
    for (const stream of STREAMS) {
      while (this.link.connected && this.inflight < this.window) {
        const limit = Math.min(this.window - this.inflight, this.outbox.confirmed(stream) + this.maxUnconfirmed - this.cursor[stream]);
        if (limit <= 0) break;
        const entries = this.outbox.pending(stream, this.cursor[stream], limit);
        if (entries.length === 0) break;
        const topic = this.topics[stream];
        for (const e of entries) {
          this.cursor[stream] = e.seq;
          if (e.seq <= this.highest[stream]) this.stats.resent++;
          else this.highest[stream] = e.seq;
          this.stats.published++;
          this.inflight++;
          this.link.publish(topic, e.bytes, { qos: 1 }).then(
            () => this.settled(),
            () => {
              // Connection lost before PUBACK: the next connect rewinds and sends it again.
              this.stats.pubackErrors++;
              this.settled();
            },
          );
        }
      }
    }
  }

  private settled(): void {
    this.inflight--;
    if (this.pumpQueued) return;
    // One pump for all the PUBACKs of one read from the socket (their callbacks run in the same
    // microtask checkpoint): the freed slots are refilled with one batch and one socket write,
    // not one outbox read and one write per PUBACK. A microtask, not a timer: nothing waits.
    this.pumpQueued = true;
    queueMicrotask(this.queuedPump);
  }

  private readonly queuedPump = (): void => {
    this.pumpQueued = false;
    this.pump();
  };
}
