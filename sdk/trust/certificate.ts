/**
 * Certificates: a root binds a subject (an enterprise by its 4-character code, or a named
 * platform service) to a public key and the one algorithm that key signs with (EdDSA when the
 * certificate names none, SM2-with-SM3 otherwise), for a validity period, with roles.
 * A certificate is a COSE_Sign1 by the root key (content type CONTENT_TYPES.certificate).
 */
import { TrustError } from '../errors.js';
import { publicKeyProblem } from '../crypto/alg.js';
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, signObject } from '../cose/object.js';
import { COSE_ALG_EDDSA, type Signer } from '../crypto/signer.js';
import { PROTOCOL_VERSION } from '../version.js';
import type { Role } from './roles.js';

export type SubjectKind = 'enterprise' | 'platform';

export interface Certificate {
  v: number;
  subjectKind: SubjectKind;
  /** Enterprise: its 4-character enterprise code. Platform: the service name. */
  subject: string;
  name: string;
  /** Country code of the issuing root; a certificate is valid only under that root. */
  country: string;
  publicKey: Uint8Array;
  /** Seconds since the epoch. */
  notBefore: number;
  notAfter: number;
  roles: Role[];
  serial: Uint8Array;
  /**
   * COSE alg the certified key signs with (docs/protocol.md §"Algorithm pinning"): absent means
   * EdDSA (-8), so every certificate issued before the field existed keeps its meaning.
   */
  alg?: number;
}

export const certificateSchema = defineSchema<Certificate>('certificate', {
  v: { l: 0, t: 'uint' },
  subjectKind: { l: 1, t: { oneOf: ['enterprise', 'platform'] } },
  subject: { l: 2, t: 'tstr', max: 64 },
  name: { l: 3, t: 'tstr', max: 256 },
  country: { l: 4, t: 'tstr', max: 2 },
  publicKey: { l: 5, t: 'bstr', max: 65 },
  notBefore: { l: 6, t: 'uint' },
  notAfter: { l: 7, t: 'uint' },
  roles: { l: 8, t: { arrayOf: 'tstr', max: 16 }, max: 32 },
  serial: { l: 9, t: 'bstr', max: 32 },
  alg: { l: 10, t: 'int', optional: true },
});

export const CERTIFICATE_MAX_BYTES = 2048;

export const certificateKind = defineKind<Certificate>({
  name: 'certificate',
  contentType: CONTENT_TYPES.certificate,
  schema: certificateSchema,
  maxBytes: CERTIFICATE_MAX_BYTES,
});

export type CertificateInput = Omit<Certificate, 'v'>;

/** The algorithm a certificate pins its key to: its `alg`, or EdDSA when it names none. */
export function certificateAlg(cert: Pick<Certificate, 'alg'>): number {
  return cert.alg ?? COSE_ALG_EDDSA;
}

export async function issueCertificate(root: Signer, cert: CertificateInput): Promise<Uint8Array> {
  const alg = certificateAlg(cert);
  const problem = publicKeyProblem(alg, cert.publicKey);
  if (problem) throw new TrustError('TRUST_WEAK_KEY', `certificate for ${cert.subjectKind} ${cert.subject}: ${problem}; not certified`);
  if (cert.notAfter <= cert.notBefore) throw new RangeError('certificate: expected notAfter after notBefore');
  // EdDSA is written as an absent field: certificates of EdDSA keys stay byte-identical to
  // those issued before algorithms could be chosen.
  const { alg: _named, ...rest } = cert;
  return signObject(certificateKind, { v: PROTOCOL_VERSION, ...rest, ...(alg === COSE_ALG_EDDSA ? {} : { alg }) }, root);
}
