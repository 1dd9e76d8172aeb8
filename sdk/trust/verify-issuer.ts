/**
 * Objects signed by a certified key (recalls, orders, receipts, the platform index) carry the
 * signer's certificate in the unprotected header (HEADER.certificate). This checks, for one
 * signature, that the certificate chains to the trust store with the required role at the
 * time that matters, that the signature's kid is the certified key, and that the signature
 * verifies over the bytes received.
 */
import { TrustError, describe } from '../errors.js';
import type { CborValue } from '../cbor/index.js';
import { bytesEqual } from '../cbor/index.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519 } from '../crypto/ed25519-node.js';
import { HEADER, type ProtectedHeader } from '../cose/headers.js';
import { algMismatch } from '../cose/pinned.js';
import { verifyCoseSignature, type CoseSignature, type MultiSign } from '../cose/sign.js';
import { verifySign1Signature, type Sign1 } from '../cose/sign1.js';
import type { TrustStore } from './trust-store.js';
import { verifyCertificate, type CertificateCheck, type VerifiedCertificate } from './verify-certificate.js';

function certificateFrom(unprotected: Map<number | string, CborValue>): Uint8Array {
  const cert = unprotected.get(HEADER.certificate);
  if (cert === undefined) throw new TrustError('TRUST_UNKNOWN_SIGNER', 'signature carries no certificate');
  if (!(cert instanceof Uint8Array)) throw new TrustError('TRUST_MALFORMED', `certificate header: expected bytes, got ${describe(cert)}`);
  return cert;
}

function checkKid(prot: ProtectedHeader, cert: VerifiedCertificate): void {
  if (!prot.kid || !bytesEqual(prot.kid, cert.kid)) {
    throw new TrustError('TRUST_BAD_SIGNATURE', `signature's kid does not name the key certified for ${cert.certificate.subject}`);
  }
}

/** The no-downgrade rule: the signature's protected alg must be the one the certificate pins. */
function checkAlg(prot: ProtectedHeader, cert: VerifiedCertificate): void {
  const why = algMismatch(prot.alg, cert.alg);
  if (why) throw new TrustError('TRUST_ALG_MISMATCH', `signature by ${cert.certificate.subject}: ${why}`);
}

export function verifySign1Issuer(msg: Sign1, trust: TrustStore, check: CertificateCheck): VerifiedCertificate {
  const backend: Ed25519Backend = check.backend ?? nodeEd25519;
  const cert = verifyCertificate(certificateFrom(msg.unprotected), trust, check);
  checkKid(msg.protected, cert);
  checkAlg(msg.protected, cert);
  if (!verifySign1Signature(msg, cert.certificate.publicKey, backend, undefined, cert.alg)) {
    throw new TrustError('TRUST_BAD_SIGNATURE', `signature by ${cert.certificate.subject} does not verify`);
  }
  return cert;
}

export function verifyMultiIssuer(msg: MultiSign, sig: CoseSignature, trust: TrustStore, check: CertificateCheck): VerifiedCertificate {
  const backend: Ed25519Backend = check.backend ?? nodeEd25519;
  const cert = verifyCertificate(certificateFrom(sig.unprotected), trust, check);
  checkKid(sig.protected, cert);
  checkAlg(sig.protected, cert);
  if (!verifyCoseSignature(msg, sig, cert.certificate.publicKey, backend, undefined, cert.alg)) {
    throw new TrustError('TRUST_BAD_SIGNATURE', `signature by ${cert.certificate.subject} does not verify`);
  }
  return cert;
}
