/**
 * The label's QR text (docs/protocol.md §"Label payload"): "RL1:" || base45(label bytes).
 * Every character is in the QR alphanumeric set; at most LABEL_PAYLOAD_MAX_CHARS characters,
 * a version 10 code at level M, checked before anything is decoded.
 */
import { AttestationError, describe } from '../errors.js';
import { base45Decode, base45Encode } from '../qr/base45.js';
import { QR_PREFIX } from '../qr/payload.js';
import { LABEL_MAX_BYTES } from './claims.js';

export const LABEL_PREFIX = 'RL1:';
export const LABEL_PAYLOAD_MAX_CHARS = LABEL_PREFIX.length + Math.floor(LABEL_MAX_BYTES / 2) * 3 + (LABEL_MAX_BYTES % 2) * 2;

export function encodeLabelPayload(label: Uint8Array): string {
  if (label.length > LABEL_MAX_BYTES) throw new AttestationError('QR_TOO_LARGE', `label: expected at most ${LABEL_MAX_BYTES} bytes, got ${label.length}`);
  return LABEL_PREFIX + base45Encode(label);
}

export function isLabelPayload(text: string): boolean {
  return text.trimStart().slice(0, LABEL_PREFIX.length).toUpperCase() === LABEL_PREFIX;
}

/** The label bytes of a scanned "RL1:" payload; verify them with verifyLabel. */
export function decodeLabelPayload(text: unknown): Uint8Array {
  if (typeof text !== 'string') throw new AttestationError('QR_MALFORMED', `label payload: expected text, got ${describe(text)}`);
  const t = text.trim();
  if (t.length > LABEL_PAYLOAD_MAX_CHARS) {
    throw new AttestationError('QR_TOO_LARGE', `label payload: expected at most ${LABEL_PAYLOAD_MAX_CHARS} characters, got ${t.length}`);
  }
  if (!isLabelPayload(t)) throw new AttestationError('QR_MALFORMED', `label payload: expected the prefix ${LABEL_PREFIX}, got ${JSON.stringify(t.slice(0, 4))}`);
  return base45Decode(t.slice(LABEL_PREFIX.length).toUpperCase());
}

/** Which of the two QR payloads a scanned text is: the label (RL1:) or the full record (RID1:). */
export function payloadKind(text: string): 'label' | 'record' | undefined {
  if (isLabelPayload(text)) return 'label';
  if (text.trimStart().slice(0, QR_PREFIX.length).toUpperCase() === QR_PREFIX) return 'record';
  return undefined;
}
