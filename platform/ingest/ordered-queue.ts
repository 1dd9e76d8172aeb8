/**
 * The messages between the broker and the ingest while their signatures are checked ahead on
 * the verification threads (docs/protocol.md §"Fleet ingest", pre-verification). Each message
 * joins the queue as it arrives, its claims go to the pool (verify-pool.ts), and the ingest gets
 * the messages strictly in arrival order, each once its claims are answered, with the proofs of
 * that message alone in the proven set while it is handled (sdk/crypto/proven.ts). The ingest
 * judges each one exactly as without the pool.
 *
 * Bounded in messages and bytes: a full queue holds the transport back (mqtt.ts stops reading),
 * and a QoS 1 message is acknowledged only once the ingest has handled it, as before.
 */
import { Fifo, type FleetIngest, type PreVerifier, type ProvenSignatures, type SignatureProof } from '../../sdk/index.js';
import type { VerifyPool } from './verify-pool.js';

export interface OrderedQueueLimits {
  /** Messages waiting at most (default 4,096). */
  maxMessages?: number;
  /** Payload bytes waiting at most (default 8 MiB). */
  maxBytes?: number;
}

export interface OrderedQueueDeps {
  ingest: FleetIngest;
  claims: PreVerifier;
  proven: ProvenSignatures;
  pool: VerifyPool;
  /** After each message the ingest handled (the wiring schedules its group commit). */
  handled(): void;
  /**
   * Whether checking ahead pays now (sdk/util/thread-pays.ts), asked for each message; one it
   * says no for goes without claims and is judged by the ingest alone. Default: always.
   */
  pays?: () => boolean;
}

interface Entry {
  topic: string;
  payload: Uint8Array;
  /** Waiting for the pool's answer. */
  pending: boolean;
  proofs: SignatureProof[];
  /** Called once the ingest has handled it (a QoS 1 acknowledgement). */
  after: (() => void)[];
  handled: boolean;
}

/**
 * 4,096 rather than 1,024 messages: with 1,024 the queue stayed full through a burst of units
 * first seen, the transport let one message in per message handled, and the threads and the
 * event loop took turns (docs/performance.md, first seen: 0.55-0.61x of raw verification against
 * 0.41-0.60x, seven interleaved pairs).
 */
export const ORDERED_QUEUE_DEFAULTS = { maxMessages: 4096, maxBytes: 8 << 20 } as const;

export class OrderedQueue {
  private readonly entries = new Fifo<Entry>();
  private bytes = 0;
  private pumping = false;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  /** Called when the queue has room again (the transport resumes reading). */
  private resume: (() => void)[] = [];
  private drained: (() => void)[] = [];
  /** Most messages and bytes ever waiting together. */
  readonly peak = { messages: 0, bytes: 0 };

  constructor(
    private readonly deps: OrderedQueueDeps,
    limits: OrderedQueueLimits = {},
  ) {
    this.maxMessages = limits.maxMessages ?? ORDERED_QUEUE_DEFAULTS.maxMessages;
    this.maxBytes = limits.maxBytes ?? ORDERED_QUEUE_DEFAULTS.maxBytes;
    if (!(this.maxMessages >= 1) || !(this.maxBytes >= 1)) throw new RangeError(`ordered queue: expected positive bounds, got ${this.maxMessages} messages, ${this.maxBytes} bytes`);
  }

  get depth(): number {
    return this.entries.length;
  }

  get queuedBytes(): number {
    return this.bytes;
  }

  /** Whether another message would pass a bound. */
  get full(): boolean {
    return this.entries.length >= this.maxMessages || this.bytes >= this.maxBytes;
  }

  /**
   * Queues one message after every message before it; returns its handle for `whenHandled`.
   * `ahead`: its signatures may be checked on the threads (false: handled at once when nothing
   * waits before it, checked in order otherwise).
   */
  push(topic: string, payload: Uint8Array, ahead = true): object {
    const claims = (ahead || this.entries.length > 0) && (this.deps.pays?.() ?? true) ? this.deps.claims.claims(topic, payload) : [];
    const entry: Entry = { topic, payload, pending: claims.length > 0, proofs: [], after: [], handled: false };
    this.entries.push(entry);
    this.bytes += payload.length;
    if (this.entries.length > this.peak.messages) this.peak.messages = this.entries.length;
    if (this.bytes > this.peak.bytes) this.peak.bytes = this.bytes;
    if (entry.pending) {
      this.deps.pool.submit(claims, (proofs) => {
        entry.proofs = proofs;
        entry.pending = false;
        this.pump();
      });
    }
    this.pump();
    return entry;
  }

  /** Calls `then` once the message `handle` (from push) was handled: at once if it was. */
  whenHandled(handle: object, then: () => void): void {
    const e = handle as Entry;
    if (e.handled) then();
    else e.after.push(then);
  }

  /** Calls `then` once the queue is under its bounds: at once if it is. */
  whenRoom(then: () => void): void {
    if (!this.full) then();
    else this.resume.push(then);
  }

  /** Resolves once every message queued so far was handled. */
  drain(): Promise<void> {
    if (this.entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** Hands the ingest every message at the head whose claims are answered, in order. */
  private pump(): void {
    // Handling a message may acknowledge it, which may let the transport deliver the next one
    // at once: that one is queued and handled by this loop, after the ones before it.
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let e = this.entries.at(0); e && !e.pending; e = this.entries.at(0)) {
        this.entries.shift();
        this.bytes -= e.payload.length;
        this.handle(e);
        if (!this.full && this.resume.length > 0) for (const r of this.resume.splice(0)) r();
      }
    } finally {
      this.pumping = false;
    }
    if (this.entries.length === 0 && this.drained.length > 0) for (const d of this.drained.splice(0)) d();
  }

  private handle(e: Entry): void {
    const proven = this.deps.proven;
    for (const p of e.proofs) proven.add(p);
    try {
      this.deps.ingest.handle(e.topic, e.payload);
    } catch (err) {
      // handle() reports bad input as 'rejected'; anything thrown is a listener's failure.
      this.deps.ingest.emit('failure', err instanceof Error ? err : new Error(String(err)));
    } finally {
      // Dropped once the message is handled: the set holds only the messages in flight.
      for (const p of e.proofs) proven.delete(p);
      e.proofs = [];
    }
    e.handled = true;
    this.deps.handled();
    for (const a of e.after.splice(0)) a();
  }
}
