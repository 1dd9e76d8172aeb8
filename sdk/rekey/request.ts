/**
 * The device rekey request (docs/protocol.md §"Device rekey", step R1): the unit asks its
 * enterprise for a new identity record for a new device key. A COSE_Sign with exactly two
 * signatures over one payload: first the new key (it proves possession), then the device key
 * the current record certifies (it proves the request comes from the unit). The payload carries
 * the record the unit holds, so the request is checked against nothing but the trust store.
 */
import { bytesEqual, defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, encodePayload, openMulti, type OpenedMulti } from '../cose/object.js';
import { addSignature, signMulti, verifyCoseSignature } from '../cose/sign.js';
import { algMismatch } from '../cose/pinned.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519 } from '../crypto/ed25519-node.js';
import { COSE_ALG_EDDSA, type Signer } from '../crypto/signer.js';
import { describeAlg, isSupportedAlg, keyIdFor, publicKeyProblem } from '../crypto/alg.js';
import { RekeyError, RobotIdError } from '../errors.js';
import type { Revocations } from '../trust/revocation.js';
import type { TrustStore } from '../trust/trust-store.js';
import { verifyIdentityRecord, type VerifiedIdentity } from '../trust/verify-identity.js';
import { PROTOCOL_VERSION } from '../version.js';

export interface RekeyRequest {
  v: number;
  code: string;
  /** The current record's hardware binding: the new record must carry the same. */
  hardwareBinding: Uint8Array;
  /** The new device key (32 bytes Ed25519, 65 bytes SM2). */
  newPublicKey: Uint8Array;
  /** COSE alg of the new key; absent = EdDSA. */
  newAlg?: number;
  /** Seconds since the epoch. */
  requestedAt: number;
  /** The identity record the unit holds, exactly as issued. */
  record: Uint8Array;
}

export const REKEY_REQUEST_MAX_BYTES = 6144;

export const rekeyRequestSchema = defineSchema<RekeyRequest>('rekey-request', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 64 },
  hardwareBinding: { l: 2, t: 'bstr', max: 32 },
  newPublicKey: { l: 3, t: 'bstr', max: 65 },
  newAlg: { l: 4, t: 'int', optional: true },
  requestedAt: { l: 5, t: 'uint' },
  record: { l: 6, t: 'bstr', max: 4096 },
});

export const rekeyRequestKind = defineKind<RekeyRequest>({
  name: 'rekey request',
  contentType: CONTENT_TYPES.rekeyRequest,
  schema: rekeyRequestSchema,
  maxBytes: REKEY_REQUEST_MAX_BYTES,
});

/** Signs a request with the new key, then the current device key. */
export async function signRekeyRequest(current: { bytes: Uint8Array; code: string; hardwareBinding: Uint8Array }, oldKey: Signer, newKey: Signer, requestedAt: number): Promise<Uint8Array> {
  const value: RekeyRequest = {
    v: PROTOCOL_VERSION,
    code: current.code,
    hardwareBinding: current.hardwareBinding,
    newPublicKey: newKey.publicKey,
    ...(newKey.alg === COSE_ALG_EDDSA ? {} : { newAlg: newKey.alg }),
    requestedAt,
    record: current.bytes,
  };
  const first = await signMulti(encodePayload(rekeyRequestKind, value), newKey, { contentType: rekeyRequestKind.contentType });
  return addSignature(first, oldKey, { maxBytes: REKEY_REQUEST_MAX_BYTES, what: rekeyRequestKind.name });
}

export interface VerifiedRekeyRequest {
  request: RekeyRequest;
  /** The record the unit holds, verified against the trust store. */
  current: VerifiedIdentity;
  newAlg: number;
  newKid: Uint8Array;
  bytes: Uint8Array;
}

export interface RekeyRequestCheck {
  revocations?: Revocations;
  backend?: Ed25519Backend;
}

function open(bytes: Uint8Array): OpenedMulti<RekeyRequest> {
  try {
    return openMulti(rekeyRequestKind, bytes);
  } catch (err) {
    throw new RekeyError('REKEY_MALFORMED', `rekey request: ${(err as Error).message}`, { cause: err });
  }
}

/** Verifies a request, steps R1.1-R1.6 of docs/protocol.md §"Device rekey"; throws RekeyError. */
export function verifyRekeyRequest(bytes: Uint8Array, trust: TrustStore, check: RekeyRequestCheck = {}): VerifiedRekeyRequest {
  const backend = check.backend ?? nodeEd25519;
  // R1.1: size cap, strict decode, content type, schema; exactly two signatures.
  const opened = open(bytes);
  const req = opened.value;
  if (opened.cose.signatures.length !== 2) throw new RekeyError('REKEY_MALFORMED', `rekey request: expected 2 signatures (new key, then current key), got ${opened.cose.signatures.length}`);
  // R1.2: the record the unit holds verifies (revoked device key or code included).
  let current: VerifiedIdentity;
  try {
    current = verifyIdentityRecord(req.record, trust, { revocations: check.revocations, backend });
  } catch (err) {
    throw new RekeyError('REKEY_RECORD_INVALID', `rekey request: the current record does not verify: ${err instanceof RobotIdError ? err.code + ': ' : ''}${(err as Error).message}`, { cause: err });
  }
  // R1.3: it names the same unit and hardware as the record.
  if (req.code !== current.code.code) throw new RekeyError('REKEY_WRONG_UNIT', `rekey request names ${req.code}, its record is for ${current.code.code}`);
  if (!bytesEqual(req.hardwareBinding, current.record.hardwareBinding)) throw new RekeyError('REKEY_HARDWARE_MISMATCH', `rekey request of ${req.code}: hardware binding differs from the record's`);
  // R1.4: the new key is a usable key of its algorithm, and a new one.
  const newAlg = req.newAlg ?? COSE_ALG_EDDSA;
  if (!isSupportedAlg(newAlg)) throw new RekeyError('REKEY_MALFORMED', `rekey request: unsupported new key ${describeAlg(newAlg)}`);
  const problem = publicKeyProblem(newAlg, req.newPublicKey);
  if (problem) throw new RekeyError('REKEY_MALFORMED', `rekey request: new key: ${problem}`);
  const newKid = keyIdFor(newAlg, req.newPublicKey);
  if (bytesEqual(newKid, current.deviceKid)) throw new RekeyError('REKEY_SAME_KEY', `rekey request of ${req.code}: the new key is the current device key`);
  // R1.5: the first signature by the new key, the second by the current device key, each in its pinned algorithm.
  const [byNew, byOld] = opened.cose.signatures as [(typeof opened.cose.signatures)[0], (typeof opened.cose.signatures)[0]];
  const checks: [typeof byNew, Uint8Array, Uint8Array, number, string][] = [
    [byNew, newKid, req.newPublicKey, newAlg, 'new key'],
    [byOld, current.deviceKid, current.record.devicePublicKey, current.deviceAlg, 'current device key'],
  ];
  for (const [sig, kid, key, alg, who] of checks) {
    if (!bytesEqual(sig.protected.kid!, kid)) throw new RekeyError('REKEY_BAD_SIGNATURE', `rekey request of ${req.code}: expected a signature by the ${who}, got another kid`);
    const why = algMismatch(sig.protected.alg, alg);
    if (why) throw new RekeyError('REKEY_BAD_SIGNATURE', `rekey request of ${req.code}: ${who}: ${why}`);
    if (!verifyCoseSignature(opened.cose, sig, key, backend, undefined, alg)) throw new RekeyError('REKEY_BAD_SIGNATURE', `rekey request of ${req.code}: the ${who}'s signature does not verify`);
  }
  return { request: req, current, newAlg, newKid, bytes };
}
