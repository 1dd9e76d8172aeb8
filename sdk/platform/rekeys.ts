/**
 * The device keys a unit had before its rekeys, as the ingest learned them from verified
 * `rekeyed` events (docs/protocol.md §"Device rekey", §"Fleet ingest"). Each rekey at event seq
 * N closes an epoch: entries with seq < N stay verified under the record in force before it,
 * N and later under the new one. Pure memory: the ingest store keeps the rekeys themselves
 * (IngestStore.appendRekey, `opened.rekeys`), committed with the events announcing them.
 */
import { bytesEqual } from '../cbor/index.js';
import type { VerifiedIdentity } from '../trust/verify-identity.js';

interface Epoch {
  untilSeq: number;
  identity: VerifiedIdentity;
  ackSeq: number;
}

export class KeyEpochs {
  private readonly epochs = new Map<string, Epoch[]>();

  /** Whether `code` was ever rekeyed (otherwise every entry is judged under its one record). */
  rekeyed(code: string): boolean {
    return this.epochs.has(code);
  }

  /** Whether the rekey of `code` at `seq` is known. */
  has(code: string, seq: number): boolean {
    return (this.epochs.get(code) ?? []).some((e) => e.untilSeq === seq);
  }

  /** The seq of the latest rekey of `code` known (0: none). */
  latest(code: string): number {
    return this.epochs.get(code)?.at(-1)?.untilSeq ?? 0;
  }

  /** Whether `kid` is the device key of a record `code` had before one of its rekeys. */
  hadKey(code: string, kid: Uint8Array): boolean {
    return (this.epochs.get(code) ?? []).some((e) => bytesEqual(e.identity.deviceKid, kid));
  }

  /** Records a rekey: `previous` verifies entries of `code` below `seq`. */
  add(code: string, seq: number, previous: VerifiedIdentity, ackSeq: number): void {
    if (this.has(code, seq)) return;
    const list = this.epochs.get(code) ?? [];
    list.push({ untilSeq: seq, identity: previous, ackSeq });
    list.sort((a, b) => a.untilSeq - b.untilSeq);
    this.epochs.set(code, list);
  }

  /** The record an event of `code` at `seq` is verified under, or undefined for the current one. */
  forEvent(code: string, seq: number): VerifiedIdentity | undefined {
    return this.epochs.get(code)?.find((e) => seq < e.untilSeq)?.identity;
  }

  /**
   * An earlier record of `code` whose device key is `kid`, for an ack of `ackSeq`: only acks up to
   * the highest one that key signed (the announcement says which) count under it.
   */
  forAck(code: string, kid: Uint8Array, ackSeq: number): VerifiedIdentity | undefined {
    const e = this.epochs.get(code)?.find((x) => bytesEqual(x.identity.deviceKid, kid));
    return e && ackSeq <= e.ackSeq ? e.identity : undefined;
  }
}
