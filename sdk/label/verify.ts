/**
 * Label verification (docs/protocol.md §"Label payload", steps L1-L6). Offline: the verdict
 * rests on the trust bundle the verifier holds, never on the unit or the network.
 */
import { CodeFormatError, TrustError } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519 } from '../crypto/ed25519-node.js';
import { COSE_ALG_EDDSA, kidHex } from '../crypto/signer.js';
import { openSign1, verifyOpened, type Opened } from '../cose/object.js';
import { parseCode, type RobotCode } from '../code/index.js';
import { asTrustError } from '../trust/errors.js';
import { ROLES } from '../trust/roles.js';
import { certificateKind } from '../trust/certificate.js';
import { Revocations } from '../trust/revocation.js';
import { verifyCertificate, type VerifiedCertificate } from '../trust/verify-certificate.js';
import type { TrustBundle } from './bundle.js';
import { labelKind, type LabelClaims } from './claims.js';

export interface VerifiedLabel {
  label: LabelClaims;
  code: RobotCode;
  enterprise: VerifiedCertificate;
  /** The exact bytes that were verified. */
  bytes: Uint8Array;
}

export interface LabelCheck {
  /** Default: the bundle's own list. */
  revocations?: Revocations;
  backend?: Ed25519Backend;
}

export function verifyLabel(bytes: Uint8Array, bundle: TrustBundle, check: LabelCheck = {}): VerifiedLabel {
  const backend = check.backend ?? nodeEd25519;
  const revocations = check.revocations ?? bundle.revocations ?? Revocations.none;
  // L1-L2: size cap (labelKind.maxBytes), strict decode, content type, schema and version.
  let opened: Opened<LabelClaims>;
  try {
    opened = openSign1(labelKind, bytes);
  } catch (err) {
    throw asTrustError(err, 'label');
  }
  const label = opened.value;
  // L3: the certificate of the key the kid names, from the bundle (not yet trusted).
  const kid = kidHex(opened.cose.protected.kid!);
  const cert = bundle.certificates.get(kid);
  if (!cert) throw new TrustError('TRUST_UNKNOWN_SIGNER', `label: signed by enterprise key ${kid}, whose certificate is not in the trust bundle`);
  // L4: the signature over the bytes received, by that key. Checked before the certificate's
  // time and role, so an altered label is reported as altered, whichever field was changed.
  let certifiedKey: Uint8Array;
  let certifiedAlg: number;
  try {
    const c = openSign1(certificateKind, cert).value;
    certifiedKey = c.publicKey;
    certifiedAlg = c.alg ?? COSE_ALG_EDDSA;
  } catch (err) {
    throw asTrustError(err, 'label: enterprise certificate');
  }
  // Pinned to the certified key's algorithm: a label in another one is refused, never tried.
  let good: boolean;
  try {
    good = verifyOpened(opened, certifiedKey, backend, certifiedAlg);
  } catch (err) {
    throw asTrustError(err, 'label');
  }
  if (!good) {
    throw new TrustError('TRUST_BAD_SIGNATURE', `label: the enterprise signature does not verify (the label was altered or forged)`);
  }
  // L3 (cont.): the certificate chains to a root, valid at the label's issue time, with the
  // identity.issue role, its key not revoked.
  const enterprise = verifyCertificate(cert, bundle.trust, { at: label.issuedAt, role: ROLES.identityIssue, subjectKinds: ['enterprise'], revocations, backend });
  // L5: the code, with the scheme of the root's country; the enterprise signs only its own codes.
  let code: RobotCode;
  try {
    code = parseCode(label.code, enterprise.root.codeScheme);
  } catch (err) {
    if (err instanceof CodeFormatError) throw new TrustError('TRUST_MALFORMED', `label: code: ${err.message}`, { cause: err });
    throw err;
  }
  if (code.code !== label.code) throw new TrustError('TRUST_MALFORMED', 'label: code is not in canonical form');
  if (code.enterprise !== enterprise.certificate.subject) {
    throw new TrustError('TRUST_ENTERPRISE_MISMATCH', `label: code ${code.code} belongs to enterprise ${code.enterprise}, signed by enterprise ${enterprise.certificate.subject}`);
  }
  if (code.country !== enterprise.root.country) throw new TrustError('TRUST_COUNTRY_MISMATCH', `label: code of country ${code.country} under the root of ${enterprise.root.country}`);
  if (label.deviceKid.length !== 16) throw new TrustError('TRUST_MALFORMED', `label: expected a 16-byte device kid, got ${label.deviceKid.length}`);
  // L6: revocation of the unit's device key or code.
  if (revocations.isKeyRevoked(label.deviceKid)) throw new TrustError('TRUST_REVOKED', `label: device key of ${code.code} has been revoked`);
  if (revocations.isCodeScrapped(code.code)) throw new TrustError('TRUST_REVOKED', `label: unit ${code.code} is scrapped: it may not be sold or operated`);
  if (revocations.isCodeRevoked(code.code)) throw new TrustError('TRUST_REVOKED', `label: code ${code.code} has been revoked`);
  return { label, code, enterprise, bytes };
}
