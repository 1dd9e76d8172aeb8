/**
 * Identity record verification. Each step returns one typed reason (TrustError code) on
 * failure; the steps follow docs/protocol.md §"Verifying an identity record".
 */
import { algName, describeAlg, isSupportedAlg, keyIdFor, publicKeyBytes, publicKeyProblem } from '../crypto/alg.js';
import { algMismatch } from '../cose/pinned.js';
import { CodeFormatError, TrustError } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519 } from '../crypto/ed25519-node.js';
import { kidHex } from '../crypto/signer.js';
import { bytesEqual } from '../cbor/index.js';
import { openSign1, verifyOpened, type Opened } from '../cose/object.js';
import { parseCode, type RobotCode } from '../code/index.js';
import { asTrustError } from './errors.js';
import { deviceAlgOf, identityKind, type IdentityRecord } from './identity.js';
import { Revocations } from './revocation.js';
import { ROLES } from './roles.js';
import type { TrustStore } from './trust-store.js';
import { verifyCertificate, type VerifiedCertificate } from './verify-certificate.js';
import type { CertificateCache } from './cert-cache.js';

export interface VerifiedIdentity {
  record: IdentityRecord;
  code: RobotCode;
  enterprise: VerifiedCertificate;
  /** kid of the device key. */
  deviceKid: Uint8Array;
  /** COSE alg the record pins the device key to: the unit's messages count in it only. */
  deviceAlg: number;
  /** The device public key (`record.devicePublicKey`), which the unit's messages are verified against. */
  devicePublicKey: Uint8Array;
  /** The exact bytes that were verified. */
  bytes: Uint8Array;
}

export interface IdentityCheck {
  revocations?: Revocations;
  backend?: Ed25519Backend;
  /**
   * A verifier's own certificate cache (cert-cache.ts): thousands of records of one enterprise
   * carry the same certificate, whose root signature is then checked once; the time, role and
   * revocation checks still run for every record.
   */
  certCache?: CertificateCache;
}

export function verifyIdentityRecord(bytes: Uint8Array, trust: TrustStore, check: IdentityCheck = {}): VerifiedIdentity {
  const backend = check.backend ?? nodeEd25519;
  const revocations = check.revocations ?? Revocations.none;
  // §1-3: size cap, strict deterministic decode, content type, payload schema and version.
  let opened: Opened<IdentityRecord>;
  try {
    opened = openSign1(identityKind, bytes);
  } catch (err) {
    throw asTrustError(err, 'identity record');
  }
  const record = opened.value;
  // §4: the enterprise certificate, judged at the record's issue time, with the issuing role.
  const enterprise = verifyCertificate(record.enterpriseCert, trust, {
    at: record.issuedAt,
    role: ROLES.identityIssue,
    subjectKinds: ['enterprise'],
    revocations,
    backend,
    cache: check.certCache,
  });
  // §5: the record is signed by the certified key, over the bytes received.
  if (!bytesEqual(opened.cose.protected.kid!, enterprise.kid)) {
    throw new TrustError('TRUST_BAD_SIGNATURE', 'identity record: signed by a key other than the enclosed enterprise certificate');
  }
  const signedWith = algMismatch(opened.cose.protected.alg, enterprise.alg);
  if (signedWith) throw new TrustError('TRUST_ALG_MISMATCH', `identity record: ${signedWith}`);
  if (!verifyOpened(opened, enterprise.certificate.publicKey, backend, enterprise.alg)) {
    throw new TrustError('TRUST_BAD_SIGNATURE', 'identity record: enterprise signature does not verify');
  }
  // §6: the code, parsed with the scheme of the root's country.
  let code: RobotCode;
  try {
    code = parseCode(record.code, enterprise.root.codeScheme);
  } catch (err) {
    if (err instanceof CodeFormatError) throw new TrustError('TRUST_MALFORMED', `identity record: code: ${err.message}`, { cause: err });
    throw err;
  }
  if (code.code !== record.code) throw new TrustError('TRUST_MALFORMED', 'identity record: code is not in canonical form');
  // §7: scope: the enterprise signs only its own codes, under the root of the code's country.
  if (code.enterprise !== enterprise.certificate.subject) {
    throw new TrustError(
      'TRUST_ENTERPRISE_MISMATCH',
      `identity record: code ${code.code} belongs to enterprise ${code.enterprise}, signed by enterprise ${enterprise.certificate.subject}`,
    );
  }
  if (code.country !== enterprise.root.country) {
    throw new TrustError('TRUST_COUNTRY_MISMATCH', `identity record: code of country ${code.country} under the root of ${enterprise.root.country}`);
  }
  // The device key must be a key of the algorithm the record pins (absent: EdDSA).
  const deviceAlg = deviceAlgOf(record);
  if (!isSupportedAlg(deviceAlg)) throw new TrustError('TRUST_MALFORMED', `identity record of ${record.code}: unsupported device ${describeAlg(deviceAlg)}`);
  if (record.devicePublicKey.length !== publicKeyBytes(deviceAlg)) {
    throw new TrustError('TRUST_MALFORMED', `identity record: expected a ${publicKeyBytes(deviceAlg)}-byte ${describeAlg(deviceAlg)} device public key, got ${record.devicePublicKey.length} bytes`);
  }
  const problem = publicKeyProblem(deviceAlg, record.devicePublicKey);
  if (problem) throw new TrustError('TRUST_WEAK_KEY', `identity record of ${record.code}: device key: ${problem}`);
  // §8: revocation of the unit's key or code.
  const deviceKid = keyIdFor(deviceAlg, record.devicePublicKey);
  if (revocations.isKeyRevoked(deviceKid)) throw new TrustError('TRUST_REVOKED', `identity record: device key of ${code.code} has been revoked`);
  if (revocations.isCodeScrapped(code.code)) throw new TrustError('TRUST_REVOKED', `identity record: unit ${code.code} is scrapped: it may not be sold or operated`);
  if (revocations.isCodeRevoked(code.code)) throw new TrustError('TRUST_REVOKED', `identity record: code ${code.code} has been revoked`);
  return { record, code, enterprise, deviceKid, deviceAlg, devicePublicKey: record.devicePublicKey, bytes };
}

/** The facts of a verified identity as JSON-friendly fields (CLI output, the local API). */
export interface IdentitySummary {
  code: string;
  modelName: string;
  manufactureDate: string;
  enterprise: string;
  enterpriseName: string;
  deviceKid: string;
  /** The device key's algorithm: `ed25519` or `sm2`. */
  deviceAlg: string;
  recordVersion: number;
}

export function summarizeIdentity(v: VerifiedIdentity): IdentitySummary {
  return {
    code: v.code.code,
    modelName: v.record.modelName,
    manufactureDate: v.record.manufactureDate,
    enterprise: v.enterprise.certificate.subject,
    enterpriseName: v.enterprise.certificate.name,
    deviceKid: kidHex(v.deviceKid),
    deviceAlg: algName(v.deviceAlg) ?? String(v.deviceAlg),
    recordVersion: v.record.recordVersion,
  };
}
