/**
 * Attestation against a scanned label (docs/protocol.md §"Attestation", step A8): the unit's
 * answer is verified as `robot-id attest` does (verifyAttestation, with the label's code as the
 * expected one), and the device key that signed it must be the one the label names. A label
 * copied onto another unit fails: that unit answers with its own record and key.
 */
import { AttestationError } from '../errors.js';
import { bytesEqual } from '../cbor/index.js';
import { kidHex } from '../crypto/signer.js';
import { verifyAttestation, type AttestationCheck, type VerifiedAttestation } from '../attestation/verify.js';
import type { VerifiedLabel } from './verify.js';

export function verifyLabelAttestation(label: VerifiedLabel, attestation: Uint8Array, check: Omit<AttestationCheck, 'expectedCode'>): VerifiedAttestation {
  const v = verifyAttestation(attestation, { ...check, expectedCode: label.code.code });
  if (!bytesEqual(v.identity.deviceKid, label.label.deviceKid)) {
    throw new AttestationError('ATTEST_WRONG_UNIT', `the label names device key ${kidHex(label.label.deviceKid)}, the unit holds ${kidHex(v.identity.deviceKid)}`);
  }
  return v;
}
