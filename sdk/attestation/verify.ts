/**
 * The verifier side (docs/protocol.md §"Attestation", steps A1-A7). Runs on the technician's
 * own computer: the verdict rests on the trust store, the revocation list and the nonce the
 * verifier made itself, never on the unit's word. A record copied onto another machine fails
 * at A4, because the copier does not hold the device key the record names.
 */
import { timingSafeEqual } from 'node:crypto';
import { AttestationError, CoseError, RobotIdError } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519 } from '../crypto/ed25519-node.js';
import { sha256 } from '../crypto/hash.js';
import { bytesEqual } from '../cbor/index.js';
import { algMismatch } from '../cose/pinned.js';
import { openSign1, verifyOpened, type Opened } from '../cose/object.js';
import { Revocations } from '../trust/revocation.js';
import type { TrustStore } from '../trust/trust-store.js';
import { verifyIdentityRecord, type VerifiedIdentity } from '../trust/verify-identity.js';
import { ATTESTATION_PROFILE, attestationKind, type AttestationClaims } from './claims.js';
import { checkNonce } from './nonce.js';

export const DEFAULT_MAX_CLOCK_SKEW_S = 300;

export interface AttestationCheck {
  /** The nonce this verifier made for this request, and no other. */
  nonce: Uint8Array;
  /** The unit's identity record bytes (from the unit, a QR code or a registry). */
  identity: Uint8Array;
  trust: TrustStore;
  revocations?: Revocations;
  /** Seconds since the epoch, captured once by the caller. */
  now: number;
  /** The code the technician expects (read off the unit's plate or QR code), if any. */
  expectedCode?: string;
  /** Largest accepted |unit clock - verifier clock| in seconds (default 300). */
  maxClockSkewS?: number;
  backend?: Ed25519Backend;
}

export interface VerifiedAttestation {
  identity: VerifiedIdentity;
  claims: AttestationClaims;
  /** Unit clock minus verifier clock, seconds. */
  clockSkewS: number;
}

function fail(code: ConstructorParameters<typeof AttestationError>[0], message: string, cause?: unknown): never {
  throw new AttestationError(code, message, cause === undefined ? undefined : { cause });
}

export function verifyAttestation(bytes: Uint8Array, check: AttestationCheck): VerifiedAttestation {
  const backend = check.backend ?? nodeEd25519;
  const expectedNonce = checkNonce(check.nonce, 'expected nonce');
  // A1: the identity record, against the trust store and the revocation list.
  let identity: VerifiedIdentity;
  try {
    identity = verifyIdentityRecord(check.identity, check.trust, { revocations: check.revocations ?? Revocations.none, backend });
  } catch (err) {
    if (!(err instanceof RobotIdError)) throw err;
    fail('ATTEST_IDENTITY', `identity record rejected: ${err.code}: ${err.message}`, err);
  }
  const code = identity.code.code;
  // A2: the unit the technician expects, when one was named.
  if (check.expectedCode !== undefined && check.expectedCode !== code) {
    fail('ATTEST_WRONG_UNIT', `expected unit ${check.expectedCode}, the identity record is of ${code}`);
  }
  // A3: size cap, strict decode, content type, schema and version.
  let opened: Opened<AttestationClaims>;
  try {
    opened = openSign1(attestationKind, bytes);
  } catch (err) {
    if (!(err instanceof RobotIdError)) throw err;
    fail(err.code === 'COSE_WRONG_KIND' ? 'ATTEST_WRONG_KIND' : 'ATTEST_MALFORMED', `attestation: ${err.message}`, err);
  }
  // A4: signed by the device key the record names, in the algorithm it pins, over the bytes received.
  const wrongAlg = algMismatch(opened.cose.protected.alg, identity.deviceAlg);
  if (wrongAlg) fail('ATTEST_BAD_SIGNATURE', `attestation: ${wrongAlg}`, new CoseError('COSE_ALG', wrongAlg));
  if (!bytesEqual(opened.cose.protected.kid!, identity.deviceKid) || !verifyOpened(opened, identity.record.devicePublicKey, backend, identity.deviceAlg)) {
    fail('ATTEST_BAD_SIGNATURE', `attestation: not signed by the device key of ${code} (a copied record without its key, or a forgery)`);
  }
  const claims = opened.value;
  // A5: the claims name this unit and this record.
  if (claims.code !== code) fail('ATTEST_WRONG_UNIT', `attestation names unit ${claims.code}, signed with the key of ${code}`);
  if (!bytesEqual(claims.identityHash, sha256(identity.bytes))) {
    fail('ATTEST_IDENTITY_MISMATCH', 'attestation: made over another identity record than the one presented');
  }
  if (claims.profile !== ATTESTATION_PROFILE) fail('ATTEST_MALFORMED', `attestation: expected profile ${ATTESTATION_PROFILE}, got ${claims.profile}`);
  // A6: freshness: exactly the nonce this verifier just made.
  const got = claims.nonce;
  if (got.length !== expectedNonce.length || !timingSafeEqual(got, expectedNonce)) {
    fail('ATTEST_NONCE_MISMATCH', 'attestation: answers another nonce than the one just sent (a replayed answer)');
  }
  // A7: the unit's clock, within the allowed skew of the verifier's.
  const clockSkewS = claims.issuedAt - Math.floor(check.now);
  const maxSkew = check.maxClockSkewS ?? DEFAULT_MAX_CLOCK_SKEW_S;
  if (Math.abs(clockSkewS) > maxSkew) {
    fail('ATTEST_CLOCK_SKEW', `attestation: unit clock differs from ours by ${clockSkewS} s, expected at most ${maxSkew} s`);
  }
  return { identity, claims, clockSkewS };
}
