/**
 * Base45 (RFC 9285): two bytes become three characters of the QR alphanumeric set, so a QR
 * code can carry binary data in its dense alphanumeric mode (5.5 bits per character, i.e.
 * 8.25 bits per byte, against 10.7 for base64 in byte mode).
 */
import { AttestationError } from '../errors.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

export function base45Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    let n = bytes[i]! * 256 + bytes[i + 1]!;
    const c = n % 45;
    n = (n - c) / 45;
    out += ALPHABET[c]! + ALPHABET[n % 45]! + ALPHABET[Math.floor(n / 45)]!;
  }
  if (bytes.length % 2 === 1) {
    const n = bytes[bytes.length - 1]!;
    out += ALPHABET[n % 45]! + ALPHABET[Math.floor(n / 45)]!;
  }
  return out;
}

function value(text: string, i: number): number {
  const v = VALUE.get(text[i]!);
  if (v === undefined) throw new AttestationError('QR_MALFORMED', `base45: expected a character of the QR alphanumeric set at ${i}, got ${JSON.stringify(text[i])}`);
  return v;
}

export function base45Decode(text: string): Uint8Array {
  if (text.length % 3 === 1) throw new AttestationError('QR_MALFORMED', `base45: length ${text.length} is not a valid encoding (3n or 3n+2 characters)`);
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < text.length; i += 3) {
    if (i + 2 < text.length) {
      const n = value(text, i) + value(text, i + 1) * 45 + value(text, i + 2) * 2025;
      if (n > 0xffff) throw new AttestationError('QR_MALFORMED', `base45: triple at ${i} encodes ${n}, above 65535`);
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = value(text, i) + value(text, i + 1) * 45;
      if (n > 0xff) throw new AttestationError('QR_MALFORMED', `base45: final pair encodes ${n}, above 255`);
      out[o++] = n;
    }
  }
  return out;
}
