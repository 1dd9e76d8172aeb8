/** The enterprise side: sign a unit's label at provisioning (docs/protocol.md §"Label payload"). */
import type { Signer } from '../crypto/signer.js';
import { keyIdFor } from '../crypto/alg.js';
import { COSE_ALG_EDDSA } from '../crypto/signer.js';
import { signObject } from '../cose/object.js';
import { PROTOCOL_VERSION } from '../version.js';
import { LABEL_MAX_BYTES, LABEL_MODEL_MAX_BYTES, fitUtf8, labelKind } from './claims.js';
import { AttestationError } from '../errors.js';

export interface LabelInput {
  /** Canonical code, from the unit's verified identity record. */
  code: string;
  /** The full model name; the label carries it cut to fit (fitUtf8). */
  modelName: string;
  devicePublicKey: Uint8Array;
  /** The device key's COSE alg (the identity record's deviceAlg; absent: EdDSA): its kid depends on it. */
  deviceAlg?: number;
  /** Seconds since the epoch: the identity record's issue time. */
  issuedAt: number;
}

export async function signLabel(enterprise: Signer, input: LabelInput): Promise<Uint8Array> {
  const sign = (model: string): Promise<Uint8Array> =>
    signObject(
      labelKind,
      { v: PROTOCOL_VERSION, code: input.code, model, deviceKid: keyIdFor(input.deviceAlg ?? COSE_ALG_EDDSA, input.devicePublicKey), issuedAt: Math.floor(input.issuedAt) },
      enterprise,
    );
  let bytes = await sign(fitUtf8(input.modelName));
  // An algorithm whose COSE identifier takes more bytes than EdDSA's (SM2's private-use value:
  // 4 more) leaves less room for the model name: it is cut by what the label overshoots.
  const over = bytes.length - LABEL_MAX_BYTES;
  if (over > 0) bytes = await sign(fitUtf8(input.modelName, Math.max(0, LABEL_MODEL_MAX_BYTES - over)));
  if (bytes.length > LABEL_MAX_BYTES) throw new AttestationError('QR_TOO_LARGE', `label: expected at most ${LABEL_MAX_BYTES} bytes, made ${bytes.length}`);
  return bytes;
}
