/**
 * The compact signed identity a QR code carries (docs/protocol.md §"QR identity payload"):
 *   "RID1:" || base45(identity record bytes)
 * The identity record is already signed by the enterprise and carries its certificate, so a
 * phone or laptop verifies it offline with only the trust store. Every character is in the QR
 * alphanumeric set, so the code uses the dense alphanumeric mode. A typical record (580 bytes)
 * gives 875 characters: a version 19 QR code at error correction level M.
 *
 * The cap (QR_PAYLOAD_MAX_CHARS) is checked before anything is decoded; it keeps every
 * payload within a version 27 code at level M, which phone cameras read from a printed label.
 */
import { AttestationError, describe } from '../errors.js';
import { base45Decode, base45Encode } from './base45.js';

export const QR_PREFIX = 'RID1:';
export const QR_PAYLOAD_MAX_CHARS = 1600;
/** The largest identity record that fits under the cap. */
export const QR_RECORD_MAX_BYTES = Math.floor(((QR_PAYLOAD_MAX_CHARS - QR_PREFIX.length) / 3) * 2);

export function encodeQrPayload(identity: Uint8Array): string {
  const text = QR_PREFIX + base45Encode(identity);
  if (text.length > QR_PAYLOAD_MAX_CHARS) {
    throw new AttestationError('QR_TOO_LARGE', `QR payload: expected at most ${QR_PAYLOAD_MAX_CHARS} characters, the record gives ${text.length}`);
  }
  return text;
}

/** The prefix in any case (a payload typed by hand, or read back lowercased). */
export function isQrPayload(text: string): boolean {
  return text.trimStart().slice(0, QR_PREFIX.length).toUpperCase() === QR_PREFIX;
}

/** Returns the identity record bytes; verify them with verifyIdentityRecord. */
export function decodeQrPayload(text: unknown): Uint8Array {
  if (typeof text !== 'string') throw new AttestationError('QR_MALFORMED', `QR payload: expected text, got ${describe(text)}`);
  const t = text.trim();
  if (t.length > QR_PAYLOAD_MAX_CHARS) {
    throw new AttestationError('QR_TOO_LARGE', `QR payload: expected at most ${QR_PAYLOAD_MAX_CHARS} characters, got ${t.length}`);
  }
  if (!isQrPayload(t)) throw new AttestationError('QR_MALFORMED', `QR payload: expected the prefix ${QR_PREFIX}, got ${JSON.stringify(t.slice(0, 5))}`);
  // Base45 has no lower-case letters: a payload lowercased on the way is restored losslessly.
  return base45Decode(t.slice(QR_PREFIX.length).toUpperCase());
}
