import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttestationError, QR_PAYLOAD_MAX_CHARS, base45Decode, base45Encode, decodeQrPayload, encodeQrPayload } from '../../sdk/index.js';

function code(fn: () => unknown): string {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(AttestationError);
    return (err as AttestationError).code;
  }
}

describe('base45 (RFC 9285)', () => {
  it('matches the RFC 9285 examples', () => {
    const enc = (s: string) => base45Encode(new TextEncoder().encode(s));
    expect(enc('AB')).toBe('BB8');
    expect(enc('Hello!!')).toBe('%69 VD92EX0');
    expect(enc('base-45')).toBe('UJCLQE7W581');
    expect(new TextDecoder().decode(base45Decode('QED8WEX0'))).toBe('ietf!');
  });

  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => Buffer.from(base45Decode(base45Encode(b))).equals(Buffer.from(b))));
  });

  it('rejects bad lengths, characters and overflowing groups', () => {
    expect(code(() => base45Decode('A'))).toBe('QR_MALFORMED');
    expect(code(() => base45Decode('ab'))).toBe('QR_MALFORMED');
    expect(code(() => base45Decode('GGW'))).toBe('QR_MALFORMED'); // 65536+
    expect(code(() => base45Decode('::'))).toBe('QR_MALFORMED'); // 2024 > 255
  });
});

describe('QR identity payload', () => {
  it('is RID1: + base45 and enforces the size cap both ways', () => {
    const rec = new Uint8Array(580).map((_, i) => i);
    const text = encodeQrPayload(rec);
    expect(text.startsWith('RID1:')).toBe(true);
    expect(text).toMatch(/^[0-9A-Z $%*+\-./:]+$/);
    expect(decodeQrPayload(`  ${text}\n`)).toEqual(rec);
    expect(code(() => encodeQrPayload(new Uint8Array(1100)))).toBe('QR_TOO_LARGE');
    expect(code(() => decodeQrPayload('RID1:' + '0'.repeat(QR_PAYLOAD_MAX_CHARS)))).toBe('QR_TOO_LARGE');
    expect(code(() => decodeQrPayload('RID2:BB8'))).toBe('QR_MALFORMED');
    expect(code(() => decodeQrPayload(null))).toBe('QR_MALFORMED');
  });
});
