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
import { describeAlg, isSupportedAlg, keyIdFor, publicKeyBytes, publicKeyProblem } from '../crypto/alg.js';
import { algMismatch } from '../cose/pinned.js';
import { certificateAlg, certificateKind, type Certificate } from './certificate.js';
import { asTrustError } from './errors.js';
import { Revocations } from './revocation.js';
import type { Role } from './roles.js';
import { rootAlg, rootProblemAt, type Root, type TrustStore } from './trust-store.js';
import { bytesEqual } from '../cbor/index.js';
import type { CertificateCache } from './cert-cache.js';

export interface VerifiedCertificate {
  certificate: Certificate;
  root: Root;
  /** kid of the certified key. */
  kid: Uint8Array;
  /** COSE alg the certified key is pinned to: its signatures count in this algorithm only. */
  alg: number;
}

export interface CertificateCheck {
  /** Seconds since the epoch at which the certificate must be valid. */
  at: number;
  role: Role;
  /** Subject kinds allowed to hold the role here (default: both). */
  subjectKinds?: readonly ('enterprise' | 'platform')[];
  revocations?: Revocations;
  backend?: Ed25519Backend;
  /**
   * This verifier's own memory of root signatures already checked over these exact bytes
   * (cert-cache.ts). Skips only the decode and the root's signature; every other check runs.
   */
  cache?: CertificateCache;
}

export function verifyCertificate(bytes: Uint8Array, trust: TrustStore, check: CertificateCheck): VerifiedCertificate {
  const cached = check.cache?.get(bytes);
  if (cached) {
    // The root must still be in this trust store with the key that verified the signature.
    const root = trust.rootByKid(cached.rootKid);
    if (root && bytesEqual(root.publicKey, cached.rootPublicKey)) return checkUse(cached.certificate, root, cached.kid, check);
    check.cache!.forget(bytes);
  }
  const backend = check.backend ?? nodeEd25519;
  let opened;
  try {
    opened = openSign1(certificateKind, bytes);
  } catch (err) {
    throw asTrustError(err, 'certificate');
  }
  const cert = opened.value;
  const root = trust.rootByKid(opened.cose.protected.kid!);
  if (!root) throw new TrustError('TRUST_UNKNOWN_ROOT', `certificate of ${cert.subjectKind} ${cert.subject}: signed by a root not in the trust store`);
  // The root's signature, in the root's algorithm only (§"Algorithm pinning").
  const signedWith = algMismatch(opened.cose.protected.alg, rootAlg(root));
  if (signedWith) throw new TrustError('TRUST_ALG_MISMATCH', `certificate of ${cert.subjectKind} ${cert.subject}: ${signedWith}`);
  if (!verifyOpened(opened, root.publicKey, backend, rootAlg(root))) {
    throw new TrustError('TRUST_BAD_SIGNATURE', `certificate of ${cert.subjectKind} ${cert.subject}: root signature does not verify`);
  }
  // The certified key must be a key of the algorithm the certificate pins: an SM2 point
  // certified for EdDSA (or an Ed25519 key for SM2) is refused here, not at first use.
  const alg = certificateAlg(cert);
  if (!isSupportedAlg(alg)) throw new TrustError('TRUST_MALFORMED', `certificate of ${cert.subjectKind} ${cert.subject}: unsupported ${describeAlg(alg)}`);
  if (cert.publicKey.length !== publicKeyBytes(alg)) {
    throw new TrustError('TRUST_MALFORMED', `certificate of ${cert.subjectKind} ${cert.subject}: expected a ${publicKeyBytes(alg)}-byte ${describeAlg(alg)} public key, got ${cert.publicKey.length} bytes`);
  }
  const problem = publicKeyProblem(alg, cert.publicKey);
  if (problem) throw new TrustError('TRUST_WEAK_KEY', `certificate of ${cert.subjectKind} ${cert.subject}: ${problem}`);
  const kid = keyIdFor(alg, cert.publicKey);
  check.cache?.remember(bytes, { certificate: cert, rootKid: root.kid, rootPublicKey: root.publicKey, kid });
  return checkUse(cert, root, kid, check);
}

/** Everything that depends on the time, the use and the revocation list: checked on every call. */
function checkUse(cert: Certificate, root: Root, kid: Uint8Array, check: CertificateCheck): VerifiedCertificate {
  const alg = certificateAlg(cert);
  const revocations = check.revocations ?? Revocations.none;
  if (cert.country !== root.country) {
    throw new TrustError('TRUST_COUNTRY_MISMATCH', `certificate of ${cert.subject}: names country ${cert.country} but its root is for ${root.country}`);
  }
  // A root counts only for reference times inside its own validity and before a rotation
  // superseded it (§"Root rotation"): what it issued stays valid when judged at issue time.
  const rootProblem = rootProblemAt(root, check.at);
  if (rootProblem) throw new TrustError('TRUST_NOT_VALID_AT_TIME', `certificate of ${cert.subjectKind} ${cert.subject}: ${rootProblem}`);
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
  if (revocations.isKeyRevoked(kid, check.at)) {
    throw new TrustError('TRUST_REVOKED', `certificate of ${cert.subjectKind} ${cert.subject}: its key has been revoked`);
  }
  return { certificate: cert, root, kid, alg };
}

export function iso(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().replace('.000Z', 'Z');
}
