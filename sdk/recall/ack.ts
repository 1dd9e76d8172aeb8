/**
 * The recall acknowledgement (docs/protocol.md §"Recall acknowledgement"): a COSE_Sign1 by the
 * unit's device key, content type CONTENT_TYPES.recallAck, travelling in the outbox's 'ack'
 * stream (seq = that stream's sequence) on the unit's `ack` topic.
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, signObject, type Opened } from '../cose/object.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import type { Signer } from '../crypto/signer.js';
import { verifyUnitMessage } from '../messages/unit-message.js';
import type { VerifiedIdentity } from '../trust/verify-identity.js';
import { PROTOCOL_VERSION } from '../version.js';

export const ACK_STATUSES = ['verified', 'applied', 'failed', 'rejected'] as const;
export type AckStatus = (typeof ACK_STATUSES)[number];

export interface RecallAck {
  v: number;
  code: string;
  /** Sequence number in the unit's 'ack' outbox stream. */
  seq: number;
  recallId: string;
  revision: number;
  campaignId: string;
  status: AckStatus;
  /** With 'rejected': the RECALL_* code. With 'failed': ACTION_EXIT, ACTION_SIGNAL, ACTION_TIMEOUT, ACTION_SPAWN or ACTION_WRITE. */
  reason?: string;
  /** Seconds since the epoch, the unit's clock. */
  time: number;
}

export const recallAckSchema = defineSchema<RecallAck>('recall ack', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 29 },
  seq: { l: 2, t: 'uint' },
  recallId: { l: 3, t: 'tstr', max: 64 },
  revision: { l: 4, t: 'uint' },
  campaignId: { l: 5, t: 'tstr', max: 64 },
  status: { l: 6, t: { oneOf: ACK_STATUSES } },
  reason: { l: 7, t: 'tstr', max: 64, optional: true },
  time: { l: 8, t: 'uint' },
});

export const recallAckKind = defineKind<RecallAck>({
  name: 'recall ack',
  contentType: CONTENT_TYPES.recallAck,
  schema: recallAckSchema,
  maxBytes: 1024,
});

export async function signRecallAck(device: Signer, ack: Omit<RecallAck, 'v'>): Promise<Uint8Array> {
  return signObject(recallAckKind, { v: PROTOCOL_VERSION, ...ack }, device);
}

/** For the platform: a unit's ack, checked against its verified identity record. */
export function verifyRecallAck(bytes: Uint8Array, identity: VerifiedIdentity, backend?: Ed25519Backend): Opened<RecallAck> {
  return verifyUnitMessage(recallAckKind, bytes, identity, backend);
}
