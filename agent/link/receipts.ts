/**
 * Receipts from the platform (docs/protocol.md §"Receipts"). A receipt moves the outbox only
 * if it verifies (platform certificate with receipt.sign under our trust store, signature over
 * the bytes received), names this unit, and the event chain head it names is the hash of our
 * own entry at that seq. Anything else is ignored and counted; the log says so at most once
 * a minute so a flood of forgeries cannot fill the disk.
 */
import type { Logger } from 'pino';
import { CertificateCache, entryHash, bytesEqual, verifyReceipt, isRobotIdError, type Revocations, type TrustStore } from '../../sdk/index.js';
import type { Outbox, StreamName } from '../outbox/types.js';

export interface ReceiptStats {
  accepted: number;
  rejected: number;
  /** Receipts that verified but moved nothing (old, duplicate). */
  stale: number;
}

export interface ReceiptDeps {
  code: string;
  trust: TrustStore;
  outbox: Outbox;
  log: Logger;
  revocations?: () => Revocations | undefined;
  /** Called after a receipt moved a stream (the sender pumps again). */
  onProgress?: () => void;
  /** The agent's own certificate cache (one per agent, never shared across robots); a private one by default. */
  certCache?: CertificateCache;
  now?: () => number;
}

const LOG_EVERY_MS = 60_000;

export class ReceiptHandler {
  readonly stats: ReceiptStats = { accepted: 0, rejected: 0, stale: 0 };
  private lastWarn = -Infinity;
  private suppressed = 0;
  private chain: Promise<void> = Promise.resolve();

  private readonly certCache: CertificateCache;

  constructor(private readonly deps: ReceiptDeps) {
    this.certCache = deps.certCache ?? new CertificateCache();
  }

  /** Handles receipts one at a time, in arrival order. */
  handle(bytes: Uint8Array): Promise<void> {
    // One failure (a receipt that could not be processed) must not stop the ones after it.
    this.chain = this.chain.then(() => this.process(bytes)).catch((err: unknown) => this.deps.log.error({ err }, 'receipt not processed'));
    return this.chain;
  }

  private async process(bytes: Uint8Array): Promise<void> {
    const { outbox } = this.deps;
    let receipt;
    try {
      receipt = verifyReceipt(bytes, this.deps.trust, { code: this.deps.code, revocations: this.deps.revocations?.(), certCache: this.certCache }).receipt;
    } catch (err) {
      this.reject(isRobotIdError(err) ? err.code : 'INTERNAL');
      return;
    }
    const targets: [StreamName, number][] = [
      ['event', receipt.event],
      ['ack', receipt.ack],
    ];
    // A receipt for entries we never made: the platform holds another history. Keep everything.
    if (receipt.event > outbox.head('event') || receipt.ack > outbox.head('ack')) {
      this.reject('RECEIPT_BEYOND_HEAD');
      return;
    }
    // The platform's chain head must be our entry: otherwise it stored another history.
    if (receipt.event > outbox.confirmed('event')) {
      const ours = outbox.pending('event', receipt.event - 1, 1)[0];
      if (!ours || ours.seq !== receipt.event || !receipt.eventHead || !bytesEqual(entryHash(ours.bytes), receipt.eventHead)) {
        this.reject('RECEIPT_HEAD_MISMATCH');
        return;
      }
    }
    let moved = false;
    for (const [stream, seq] of targets) {
      if (seq > outbox.confirmed(stream)) {
        await outbox.confirm(stream, seq);
        moved = true;
      }
    }
    if (moved) {
      this.stats.accepted++;
      this.deps.onProgress?.();
    } else {
      this.stats.stale++;
    }
  }

  private reject(reason: string): void {
    this.stats.rejected++;
    const now = (this.deps.now ?? Date.now)();
    if (now - this.lastWarn >= LOG_EVERY_MS) {
      this.deps.log.warn({ reason, suppressed: this.suppressed }, 'receipt ignored');
      this.lastWarn = now;
      this.suppressed = 0;
    } else {
      this.suppressed++;
    }
  }
}
