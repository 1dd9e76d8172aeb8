/**
 * What the ingest knows of its units' device rekeys, and how it learns those another process
 * stored (docs/protocol.md §"Device rekey", §"Fleet ingest"): every rekey the store held at
 * open, and, on a shared store, a unit's rekeys read again when the unit signs with a key this
 * process does not know (another worker may have stored the announcement). A read happens only
 * on such a miss, one per unit at a time, shared by the messages that wait on it.
 */
import { bytesEqual } from '../cbor/index.js';
import { isRobotIdError } from '../errors.js';
import { openUnitMessage } from '../messages/unit-message.js';
import { eventKind } from '../messages/event.js';
import { heartbeatKind } from '../messages/heartbeat.js';
import { birthKind } from '../messages/birth.js';
import { deathKind } from '../messages/death.js';
import { offlineKind } from '../messages/offline.js';
import { recallAckKind } from '../recall/ack.js';
import type { IdentityDirectory } from './identities.js';
import type { IngestStore, StoredRekey } from './ingest-store.js';
import type { WireKind } from './events.js';
import { KeyEpochs } from './rekeys.js';

export type SignedKind = Exclude<WireKind, 'identity'>;

const OBJECT_OF = { event: eventKind, ack: recallAckKind, heartbeat: heartbeatKind, birth: birthKind, death: deathKind, offline: offlineKind } as const;

export class StoreRekeys {
  readonly epochs = new KeyEpochs();
  private readonly reads = new Map<string, Promise<void>>();

  constructor(
    private readonly identities: IdentityDirectory,
    private readonly store: IngestStore | undefined,
    private readonly onFailure: (err: Error) => void,
  ) {
    this.learn(store?.opened.rekeys ?? []);
  }

  /**
   * Rekeys the store holds that this process does not know yet, each verified again like a
   * registry record: one that no longer verifies (revoked since) is passed over, and the unit's
   * messages are judged by the record it had.
   */
  learn(rekeys: readonly StoredRekey[]): void {
    for (const r of [...rekeys].sort((a, b) => (a.code === b.code ? a.seq - b.seq : a.code < b.code ? -1 : 1))) {
      if (this.epochs.has(r.code, r.seq)) continue;
      try {
        const previous = this.identities.check(r.code, r.previous);
        // Only a rekey later than every one known makes its record the one in use.
        if (r.seq > this.epochs.latest(r.code)) this.identities.replace(r.code, r.record);
        else this.identities.check(r.code, r.record);
        this.epochs.add(r.code, r.seq, previous, r.ackSeq);
      } catch {
        // Revoked or no longer verifying: not adopted (see above).
      }
    }
  }

  /**
   * Whether a refusal may be a rekey another process stored: a shared store, a bad signature,
   * and a key that is neither the unit's current one nor one it had before a rekey we know.
   */
  miss(code: string, kind: SignedKind, payload: Uint8Array, err: unknown): boolean {
    if (!this.store?.shared || !isRobotIdError(err) || err.code !== 'MSG_BAD_SIGNATURE') return false;
    try {
      const kid = openUnitMessage<{ v: number }>(OBJECT_OF[kind], payload).cose.protected.kid!;
      return !bytesEqual(kid, this.identities.get(code).deviceKid) && !this.epochs.hadKey(code, kid);
    } catch {
      // Undecodable, or no record for the unit: nothing a rekey would change.
      return false;
    }
  }

  /** Reads `code`'s rekeys from the store (joining a read under way) and learns them. */
  read(code: string): Promise<void> {
    let read = this.reads.get(code);
    if (!read) {
      read = this.store!.rekeys(code)
        .then(
          (rs) => this.learn(rs),
          (err: unknown) => this.onFailure(err instanceof Error ? err : new Error(String(err))),
        )
        .finally(() => this.reads.delete(code));
      this.reads.set(code, read);
    }
    return read;
  }

  /** Resolves when no read is under way (the messages waiting on them judged first). */
  async settled(): Promise<void> {
    while (this.reads.size > 0) await Promise.all([...this.reads.values()]);
  }
}
