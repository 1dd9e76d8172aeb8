/**
 * Which record an entry of a unit is verified under, across its rekeys (docs/protocol.md
 * §"Device rekey", step R4 on the platform): an event under the record in force at its seq; a
 * `rekeyed` event signed by another key than that record's is the announcement, verified
 * against that record (new record, new key's signature, old key's handover); an ack under the
 * current record, or an earlier one whose key signed it when its seq is at most the highest ack
 * that key signed (acks made before a rekey are resent after it).
 */
import { bytesEqual } from '../cbor/index.js';
import { MessageError } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import type { Opened } from '../cose/object.js';
import { eventKind, type EventPayload } from '../messages/event.js';
import { openUnitMessage, verifyUnitMessage } from '../messages/unit-message.js';
import { recallAckKind, type RecallAck } from '../recall/ack.js';
import { verifyRekeyedEvent, type VerifiedRekey } from '../rekey/announce.js';
import type { Revocations } from '../trust/revocation.js';
import type { TrustStore } from '../trust/trust-store.js';
import type { VerifiedIdentity } from '../trust/verify-identity.js';
import type { KeyEpochs } from './rekeys.js';

export interface EntryCheck {
  trust: TrustStore;
  epochs: KeyEpochs;
  backend: Ed25519Backend;
  revocations?: Revocations;
}

export interface VerifiedEvent {
  opened: Opened<EventPayload>;
  /** The record it was verified under (for an announcement: the one before it). */
  under: VerifiedIdentity;
  rekey?: VerifiedRekey;
}

/** A signature by another key than the record's: the only failure that may be a rekey. */
function otherKey(err: unknown, bytes: Uint8Array, kid: Uint8Array): boolean {
  if (!(err instanceof MessageError) || err.code !== 'MSG_BAD_SIGNATURE') return false;
  return !bytesEqual(openUnitMessage(eventKind, bytes).cose.protected.kid!, kid);
}

export function verifyEventEntry(code: string, current: VerifiedIdentity, bytes: Uint8Array, c: EntryCheck): VerifiedEvent {
  // The common case, a unit never rekeyed: one decode and one signature check, as before rekeys existed.
  if (!c.epochs.rekeyed(code)) {
    try {
      return { opened: verifyUnitMessage(eventKind, bytes, current, c.backend), under: current };
    } catch (err) {
      if (!otherKey(err, bytes, current.deviceKid)) throw err;
    }
  }
  const peek = openUnitMessage(eventKind, bytes);
  const under = c.epochs.forEvent(code, peek.value.seq) ?? current;
  if (peek.value.kind === 'rekeyed' && !bytesEqual(peek.cose.protected.kid!, under.deviceKid)) {
    const rekey = verifyRekeyedEvent(bytes, under, c.trust, { revocations: c.revocations, backend: c.backend });
    return { opened: rekey.event, under, rekey };
  }
  return { opened: verifyUnitMessage(eventKind, bytes, under, c.backend), under };
}

export function verifyAckEntry(code: string, current: VerifiedIdentity, bytes: Uint8Array, c: EntryCheck): Opened<RecallAck> {
  if (!c.epochs.rekeyed(code)) return verifyUnitMessage(recallAckKind, bytes, current, c.backend);
  const peek = openUnitMessage(recallAckKind, bytes);
  const kid = peek.cose.protected.kid!;
  const under = bytesEqual(kid, current.deviceKid) ? current : (c.epochs.forAck(code, kid, peek.value.seq) ?? current);
  return verifyUnitMessage(recallAckKind, bytes, under, c.backend);
}
