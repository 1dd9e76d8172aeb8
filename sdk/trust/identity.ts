/**
 * The identity record, the robot's passport (docs/protocol.md §"Identity record"): signed by
 * its enterprise key, carrying the enterprise certificate so it verifies offline with only the
 * trust store.
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, signObject } from '../cose/object.js';
import { sha256 } from '../crypto/hash.js';
import { COSE_ALG_EDDSA, type Signer } from '../crypto/signer.js';
import { PROTOCOL_VERSION } from '../version.js';

export interface IdentityRecord {
  v: number;
  /** Canonical 29-character code. */
  code: string;
  devicePublicKey: Uint8Array;
  modelName: string;
  /** YYYY-MM-DD. */
  manufactureDate: string;
  /** hardwareBinding(code, hardware identifier): see below. */
  hardwareBinding: Uint8Array;
  /** Seconds since the epoch. */
  issuedAt: number;
  recordVersion: number;
  /** The enterprise certificate (COSE_Sign1 by the root). */
  enterpriseCert: Uint8Array;
  /**
   * COSE alg the device key signs with (docs/protocol.md §"Algorithm pinning"): absent means
   * EdDSA (-8). May differ from the enterprise key's algorithm.
   */
  deviceAlg?: number;
}

/** The algorithm an identity record pins the device key to. */
export function deviceAlgOf(record: Pick<IdentityRecord, 'deviceAlg'>): number {
  return record.deviceAlg ?? COSE_ALG_EDDSA;
}

export const identitySchema = defineSchema<IdentityRecord>('identity', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 64 },
  devicePublicKey: { l: 2, t: 'bstr', max: 65 },
  modelName: { l: 3, t: 'tstr', max: 128 },
  manufactureDate: { l: 4, t: 'tstr', max: 10 },
  hardwareBinding: { l: 5, t: 'bstr', max: 32 },
  issuedAt: { l: 6, t: 'uint' },
  recordVersion: { l: 7, t: 'uint' },
  enterpriseCert: { l: 8, t: 'bstr', max: 2048 },
  deviceAlg: { l: 9, t: 'int', optional: true },
});

export const IDENTITY_MAX_BYTES = 4096;

export const identityKind = defineKind<IdentityRecord>({
  name: 'identity record',
  contentType: CONTENT_TYPES.identity,
  schema: identitySchema,
  maxBytes: IDENTITY_MAX_BYTES,
});

const BINDING_CONTEXT = new TextEncoder().encode('robot-id/hardware-binding/v1\0');

/**
 * The hardware binding: SHA-256("robot-id/hardware-binding/v1\0" || code || "\0" || hardware id).
 * Salting with the code keeps the raw identifier (a machine-id, a serial) out of the record and
 * makes bindings of different units unlinkable.
 */
export function hardwareBinding(code: string, hardwareId: string): Uint8Array {
  const enc = new TextEncoder();
  return sha256(BINDING_CONTEXT, enc.encode(code), new Uint8Array([0]), enc.encode(hardwareId.trim()));
}

export type IdentityInput = Omit<IdentityRecord, 'v'>;

export async function signIdentityRecord(enterprise: Signer, record: IdentityInput): Promise<Uint8Array> {
  // EdDSA is written as an absent field, so EdDSA records stay byte-identical to older ones.
  const { deviceAlg, ...rest } = record;
  const alg = deviceAlg ?? COSE_ALG_EDDSA;
  return signObject(identityKind, { v: PROTOCOL_VERSION, ...rest, ...(alg === COSE_ALG_EDDSA ? {} : { deviceAlg: alg }) }, enterprise);
}
