/**
 * Certificate verification (docs/protocol.md §"Certificates"; docs/threat-model.md §"Time").
 * A certificate is judged at a given time `at`: the time that matters for what it signed
 * (the issue time of an identity record, of a recall), not the verifier's clock, because robots
 * outlive certificates and may boot without a real-time clock.
 */
import { TrustError } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519 } from '../crypto/ed25519-node.js';
import { openSign1, verifyOpened } from '../cose/object.js';
import { certificateKind, type Certificate } from './certificate.js';
import { asTrustError } from './errors.js';
import { Revocations } from './revocation.js';
import type { Role } from './roles.js';
import type { Root, TrustStore } from './trust-store.js';
import { keyId } from '../crypto/signer.js';

export interface VerifiedCertificate {
  certificate: Certificate;
  root: Root;
  /** kid of the certified key. */
  kid: Uint8Array;
}

export interface CertificateCheck {
  /** Seconds since the epoch at which the certificate must be valid. */
  at: number;
  role: Role;
  /** Subject kinds allowed to hold the role here (default: both). */
  subjectKinds?: readonly ('enterprise' | 'platform')[];
  revocations?: Revocations;
  backend?: Ed25519Backend;
}

export function verifyCertificate(bytes: Uint8Array, trust: TrustStore, check: CertificateCheck): VerifiedCertificate {
  const backend = check.backend ?? nodeEd25519;
  const revocations = check.revocations ?? Revocations.none;
  let opened;
  try {
    opened = openSign1(certificateKind, bytes);
  } catch (err) {
    throw asTrustError(err, 'certificate');
  }
  const cert = opened.value;
  const root = trust.rootByKid(opened.cose.protected.kid!);
  if (!root) throw new TrustError('TRUST_UNKNOWN_ROOT', `certificate of ${cert.subjectKind} ${cert.subject}: signed by a root not in the trust store`);
  if (!verifyOpened(opened, root.publicKey, backend)) {
    throw new TrustError('TRUST_BAD_SIGNATURE', `certificate of ${cert.subjectKind} ${cert.subject}: root signature does not verify`);
  }
  if (cert.country !== root.country) {
    throw new TrustError('TRUST_COUNTRY_MISMATCH', `certificate of ${cert.subject}: names country ${cert.country} but its root is for ${root.country}`);
  }
  if (cert.publicKey.length !== 32) throw new TrustError('TRUST_MALFORMED', 'certificate: expected a 32-byte Ed25519 public key');
  if (check.at < cert.notBefore || check.at > cert.notAfter) {
    throw new TrustError(
      'TRUST_NOT_VALID_AT_TIME',
      `certificate of ${cert.subjectKind} ${cert.subject}: valid ${iso(cert.notBefore)}..${iso(cert.notAfter)}, not at ${iso(check.at)}`,
    );
  }
  if (check.subjectKinds && !check.subjectKinds.includes(cert.subjectKind)) {
    throw new TrustError('TRUST_MISSING_ROLE', `certificate of ${cert.subjectKind} ${cert.subject}: a ${check.subjectKinds.join(' or ')} key is required here`);
  }
  if (!cert.roles.includes(check.role)) {
    throw new TrustError('TRUST_MISSING_ROLE', `certificate of ${cert.subjectKind} ${cert.subject}: expected role ${check.role}, has ${cert.roles.join(', ') || 'none'}`);
  }
  const kid = keyId(cert.publicKey);
  if (revocations.isKeyRevoked(kid)) {
    throw new TrustError('TRUST_REVOKED', `certificate of ${cert.subjectKind} ${cert.subject}: its key has been revoked`);
  }
  return { certificate: cert, root, kid };
}

export function iso(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().replace('.000Z', 'Z');
}
