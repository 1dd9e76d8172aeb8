/**
 * The announcement of a device rekey (docs/protocol.md §"Device rekey", steps R3-R4): the
 * `rekeyed` event. It is an ordinary event signed by the NEW device key; its data carries the
 * new identity record and a handover signed by the OLD device key naming the entry the new key
 * continues from (prevHash) and the new record (its SHA-256). So the unit's history stays one
 * hash chain, and a verifier that knows only the old record learns the new key from a statement
 * the old key made, about this exact place in the chain.
 */
import { bytesEqual, decodeCbor, defineSchema, encodeCbor } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, openSign1, signObject, verifyOpened, type Opened } from '../cose/object.js';
import { algMismatch } from '../cose/pinned.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519 } from '../crypto/ed25519-node.js';
import { sha256 } from '../crypto/hash.js';
import type { Signer } from '../crypto/signer.js';
import { RekeyError, RobotIdError } from '../errors.js';
import { eventKind, type EventPayload } from '../messages/event.js';
import { verifyUnitMessage } from '../messages/unit-message.js';
import type { Revocations } from '../trust/revocation.js';
import type { TrustStore } from '../trust/trust-store.js';
import { verifyIdentityRecord, type VerifiedIdentity } from '../trust/verify-identity.js';
import { PROTOCOL_VERSION } from '../version.js';
import { labelKind, type LabelClaims } from '../label/claims.js';

export interface RekeyHandover {
  v: number;
  code: string;
  /** Hash of the last entry the old key signed: the rekeyed event's prevHash. */
  prevHash: Uint8Array;
  /** SHA-256 of the new identity record's exact bytes. */
  recordHash: Uint8Array;
  time: number;
}

export const rekeyHandoverKind = defineKind<RekeyHandover>({
  name: 'rekey handover',
  contentType: CONTENT_TYPES.rekeyHandover,
  schema: defineSchema<RekeyHandover>('rekey-handover', {
    v: { l: 0, t: 'uint' },
    code: { l: 1, t: 'tstr', max: 64 },
    prevHash: { l: 2, t: 'bstr', max: 32 },
    recordHash: { l: 3, t: 'bstr', max: 32 },
    time: { l: 4, t: 'uint' },
  }),
  maxBytes: 512,
});

/** The data (event label 9) of a `rekeyed` event. */
export interface RekeyedData {
  record: Uint8Array;
  handover: Uint8Array;
  /** The highest ack seq the old key signed: acks above it must be signed by the new key. */
  ackSeq: number;
}

const rekeyedDataSchema = defineSchema<RekeyedData>('rekeyed', {
  record: { l: 1, t: 'bstr', max: 4096 },
  handover: { l: 2, t: 'bstr', max: 512 },
  ackSeq: { l: 3, t: 'uint' },
});

export function encodeRekeyedData(d: RekeyedData): Uint8Array {
  return encodeCbor(rekeyedDataSchema.toCbor(d));
}

export function decodeRekeyedData(data: Uint8Array): RekeyedData {
  try {
    return rekeyedDataSchema.fromCbor(decodeCbor(data, { maxBytes: 6144, what: 'rekeyed data' }));
  } catch (err) {
    throw new RekeyError('REKEY_MALFORMED', `rekeyed event data: ${(err as Error).message}`, { cause: err });
  }
}

/** The old key's handover for the entry that follows `prevHash`. */
export async function signHandover(oldKey: Signer, h: { code: string; prevHash: Uint8Array; record: Uint8Array; time: number }): Promise<Uint8Array> {
  return signObject(rekeyHandoverKind, { v: PROTOCOL_VERSION, code: h.code, prevHash: h.prevHash, recordHash: sha256(h.record), time: h.time }, oldKey);
}

export interface RekeyCheck {
  revocations?: Revocations;
  backend?: Ed25519Backend;
}

/**
 * A new record for the unit `current` describes: it verifies against the trust store, names the
 * same code and hardware, counts up (recordVersion above the current one) and binds another key.
 */
export function verifyNextRecord(current: VerifiedIdentity, record: Uint8Array, trust: TrustStore, check: RekeyCheck = {}): VerifiedIdentity {
  let next: VerifiedIdentity;
  try {
    next = verifyIdentityRecord(record, trust, { revocations: check.revocations, backend: check.backend });
  } catch (err) {
    throw new RekeyError('REKEY_RECORD_INVALID', `new identity record does not verify: ${err instanceof RobotIdError ? err.code + ': ' : ''}${(err as Error).message}`, { cause: err });
  }
  const code = current.code.code;
  if (next.code.code !== code) throw new RekeyError('REKEY_WRONG_UNIT', `new identity record is for ${next.code.code}, not ${code}`);
  if (!bytesEqual(next.record.hardwareBinding, current.record.hardwareBinding)) throw new RekeyError('REKEY_HARDWARE_MISMATCH', `new identity record of ${code} is bound to other hardware`);
  if (next.record.recordVersion <= current.record.recordVersion) {
    throw new RekeyError('REKEY_STALE', `new identity record of ${code}: expected recordVersion above ${current.record.recordVersion}, got ${next.record.recordVersion}`);
  }
  if (bytesEqual(next.deviceKid, current.deviceKid)) throw new RekeyError('REKEY_SAME_KEY', `new identity record of ${code} binds the current device key`);
  return next;
}

/**
 * A label for the unit `next` describes: its code and device key, signed by the enterprise key
 * that signed the record (REKEY_RECORD_INVALID otherwise).
 */
export function checkLabelFor(next: VerifiedIdentity, label: Uint8Array, backend: Ed25519Backend = nodeEd25519): void {
  let opened: Opened<LabelClaims>;
  try {
    opened = openSign1(labelKind, label);
  } catch (err) {
    throw new RekeyError('REKEY_RECORD_INVALID', `new label: ${(err as Error).message}`, { cause: err });
  }
  const ent = next.enterprise;
  const ok =
    opened.value.code === next.code.code &&
    bytesEqual(opened.value.deviceKid, next.deviceKid) &&
    bytesEqual(opened.cose.protected.kid!, ent.kid) &&
    algMismatch(opened.cose.protected.alg, ent.alg) === undefined &&
    verifyOpened(opened, ent.certificate.publicKey, backend, ent.alg);
  if (!ok) throw new RekeyError('REKEY_RECORD_INVALID', `new label: expected ${next.code.code}'s new device key, signed by the key that signed its new record`);
}

export interface VerifiedRekey {
  event: Opened<EventPayload>;
  next: VerifiedIdentity;
  handover: RekeyHandover;
  /** The highest ack seq the old key signed. */
  ackSeq: number;
}

/**
 * Verifies a `rekeyed` event against the record in force before it (steps R4.1-R4.5 of
 * docs/protocol.md §"Device rekey"); throws RekeyError, or MessageError for the event itself.
 */
export function verifyRekeyedEvent(bytes: Uint8Array, current: VerifiedIdentity, trust: TrustStore, check: RekeyCheck = {}): VerifiedRekey {
  const backend = check.backend ?? nodeEd25519;
  // R4.1: an event of kind rekeyed, with its data.
  let peek: EventPayload;
  try {
    peek = openSign1(eventKind, bytes).value;
  } catch (err) {
    throw new RekeyError('REKEY_MALFORMED', `rekeyed event: ${(err as Error).message}`, { cause: err });
  }
  if (peek.kind !== 'rekeyed' || !peek.data) throw new RekeyError('REKEY_MALFORMED', `expected a rekeyed event with data, got ${peek.kind}`);
  const data = decodeRekeyedData(peek.data);
  // R4.2: the new record, judged against the current one.
  const next = verifyNextRecord(current, data.record, trust, check);
  // R4.3: the event signed by the new key, for this unit.
  const event = verifyUnitMessage(eventKind, bytes, next, backend);
  // R4.4: the handover signed by the old key, in its pinned algorithm.
  let handover: Opened<RekeyHandover>;
  try {
    handover = openSign1(rekeyHandoverKind, data.handover);
  } catch (err) {
    throw new RekeyError('REKEY_MALFORMED', `rekey handover: ${(err as Error).message}`, { cause: err });
  }
  const code = current.code.code;
  if (!bytesEqual(handover.cose.protected.kid!, current.deviceKid)) throw new RekeyError('REKEY_BAD_SIGNATURE', `rekey handover of ${code}: not signed by the device key the current record certifies`);
  const why = algMismatch(handover.cose.protected.alg, current.deviceAlg);
  if (why) throw new RekeyError('REKEY_BAD_SIGNATURE', `rekey handover of ${code}: ${why}`);
  if (!verifyOpened(handover, current.record.devicePublicKey, backend, current.deviceAlg)) throw new RekeyError('REKEY_BAD_SIGNATURE', `rekey handover of ${code}: signature does not verify`);
  // R4.5: the handover names this unit, this place in the chain and this record.
  const h = handover.value;
  if (h.code !== code) throw new RekeyError('REKEY_HANDOVER_MISMATCH', `rekey handover names ${h.code}, not ${code}`);
  if (!bytesEqual(h.prevHash, event.value.prevHash)) throw new RekeyError('REKEY_HANDOVER_MISMATCH', `rekey handover of ${code} names another place in the chain than the event's prevHash`);
  if (!bytesEqual(h.recordHash, sha256(data.record))) throw new RekeyError('REKEY_HANDOVER_MISMATCH', `rekey handover of ${code} names another record than the event carries`);
  return { event, next, handover: h, ackSeq: data.ackSeq };
}
