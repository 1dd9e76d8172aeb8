/** The enterprise side: sign a unit's label at provisioning (docs/protocol.md §"Label payload"). */
import type { Signer } from '../crypto/signer.js';
import { keyId } from '../crypto/signer.js';
import { signObject } from '../cose/object.js';
import { PROTOCOL_VERSION } from '../version.js';
import { LABEL_MAX_BYTES, fitUtf8, labelKind } from './claims.js';
import { AttestationError } from '../errors.js';

export interface LabelInput {
  /** Canonical code, from the unit's verified identity record. */
  code: string;
  /** The full model name; the label carries it cut to fit (fitUtf8). */
  modelName: string;
  devicePublicKey: Uint8Array;
  /** Seconds since the epoch: the identity record's issue time. */
  issuedAt: number;
}

export async function signLabel(enterprise: Signer, input: LabelInput): Promise<Uint8Array> {
  const bytes = await signObject(
    labelKind,
    { v: PROTOCOL_VERSION, code: input.code, model: fitUtf8(input.modelName), deviceKid: keyId(input.devicePublicKey), issuedAt: Math.floor(input.issuedAt) },
    enterprise,
  );
  if (bytes.length > LABEL_MAX_BYTES) throw new AttestationError('QR_TOO_LARGE', `label: expected at most ${LABEL_MAX_BYTES} bytes, made ${bytes.length}`);
  return bytes;
}
