/**
 * Event-log entries signed on the SDK's signing thread (sdk/crypto/chain-thread.ts) instead
 * of the event loop, byte-identical to `signEvent` with the previous entry's hash as prevHash
 * (a unit test holds them to that).
 *
 * The payload is encoded here with a random 32-byte placeholder as prevHash; the thread
 * overwrites the placeholder, in both the Sig_structure and the message, with the hash of the
 * entry it signed just before. A placeholder is fresh per thread and must occur exactly once
 * in the payload (a note cannot guess it); the entry's size is known before it is signed, so
 * the log can check its cap before an entry joins the chain.
 */
import { randomBytes } from 'node:crypto';
import { encodePayload } from '../cose/object.js';
import { sign1Template } from '../cose/sign1.js';
import { ChainSigningThread, type ChainSigned, type ChainThreadOptions } from '../crypto/chain-thread.js';
import type { Signer } from '../crypto/signer.js';
import { PROTOCOL_VERSION } from '../version.js';
import { eventKind, type EventPayload } from './event.js';

export interface PreparedEvent {
  /** Bytes of the signed entry, known before it is signed. */
  readonly length: number;
  /**
   * Joins the chain after every entry submitted before it (call in the log's order, once);
   * resolves with the signed entry and its hash.
   */
  submit(): Promise<ChainSigned>;
}

export class EventSigningThread {
  private placeholder = randomBytes(32);

  private constructor(
    private readonly device: Signer,
    private readonly thread: ChainSigningThread,
  ) {}

  /** A signing thread for the device key, or undefined when the key cannot be used from a thread. */
  static for(device: Signer, options: ChainThreadOptions = {}): EventSigningThread | undefined {
    const thread = ChainSigningThread.for(device, options);
    return thread && new EventSigningThread(device, thread);
  }

  /** Entries submitted and not yet signed. */
  get inFlight(): number {
    return this.thread.inFlight;
  }

  /** Hash of the newest entry signed: the log's head once nothing is in flight. */
  get lastHash(): Uint8Array {
    return this.thread.lastHash;
  }

  get running(): boolean {
    return this.thread.running;
  }

  /** The hash the next entry names (the log's head). Only while nothing is in flight. */
  begin(head: Uint8Array): void {
    this.thread.begin(head);
  }

  /** Encodes the entry (throws typed errors for bad fields) and builds what the thread signs. */
  prepare(event: Omit<EventPayload, 'v' | 'prevHash'>): PreparedEvent {
    for (let attempt = 0; ; attempt++) {
      const payload = encodePayload(eventKind, { v: PROTOCOL_VERSION, ...event, prevHash: this.placeholder });
      const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      const hole = view.indexOf(this.placeholder);
      if (hole >= 0 && view.indexOf(this.placeholder, hole + 1) < 0) {
        const t = sign1Template(payload, this.device, { contentType: eventKind.contentType });
        return {
          length: t.message.length,
          submit: () =>
            this.thread.submit({
              toBeSigned: t.toBeSigned,
              message: t.message,
              holeInToBeSigned: t.payloadInToBeSigned + hole,
              holeInMessage: t.payloadInMessage + hole,
              signatureAt: t.signatureAt,
            }),
        };
      }
      // The payload carries the placeholder twice (a 2^-256 accident): pick another.
      if (attempt === 2) throw new RangeError('EventSigningThread.prepare: no unique prevHash placeholder');
      this.placeholder = randomBytes(32);
    }
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
