/**
 * The label: the compact signed statement printed on a unit as a QR code (docs/protocol.md
 * §"Label payload"). The full identity record (580 bytes) makes a version 19 code, too dense
 * for a 25 mm label; the label carries only what a verifier needs to name the unit and tie it
 * to its device key, signed by the enterprise key with the identity.issue role:
 *
 *   label  field      here
 *   0      v          protocol version
 *   1      code       the canonical 29-character robot code
 *   2      model      the model name, at most LABEL_MODEL_MAX_BYTES bytes of UTF-8 (cut at a
 *                     character boundary by the signer; the full name is in the record)
 *   3      deviceKid  kid of the unit's device key (16 bytes): what an attestation must be
 *                     signed with, so a label copied onto another unit fails
 *   4      issuedAt   seconds since the epoch; the enterprise certificate is judged at this time
 *
 * The enterprise key id is the COSE kid (protected header); the certificate itself is not
 * carried (it would double the size): the verifier resolves it by that kid from its trust
 * bundle (sdk/label/bundle.ts).
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind } from '../cose/object.js';

export interface LabelClaims {
  v: number;
  code: string;
  model: string;
  deviceKid: Uint8Array;
  issuedAt: number;
}

/**
 * The cap on the whole COSE_Sign1: 204 bytes give 306 base45 characters, 310 with the prefix,
 * within the 311 alphanumeric characters of a version 10 QR code at level M.
 */
export const LABEL_MAX_BYTES = 204;
/** What is left of LABEL_MAX_BYTES for the model name once every other field is at its size. */
export const LABEL_MODEL_MAX_BYTES = 11;

export const labelSchema = defineSchema<LabelClaims>('label', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 32 },
  model: { l: 2, t: 'tstr', max: LABEL_MODEL_MAX_BYTES },
  deviceKid: { l: 3, t: 'bstr', max: 16 },
  issuedAt: { l: 4, t: 'uint' },
});

export const labelKind = defineKind<LabelClaims>({
  name: 'label',
  contentType: CONTENT_TYPES.label,
  schema: labelSchema,
  maxBytes: LABEL_MAX_BYTES,
});

/** `name` cut to at most `maxBytes` bytes of UTF-8 without splitting a character. */
export function fitUtf8(name: string, maxBytes = LABEL_MODEL_MAX_BYTES): string {
  const enc = new TextEncoder();
  let out = '';
  for (const ch of name) {
    if (enc.encode(out + ch).length > maxBytes) break;
    out += ch;
  }
  return out;
}
