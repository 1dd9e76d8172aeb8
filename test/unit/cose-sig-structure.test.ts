// The concatenated Sig_structure and COSE_Sign1 must be byte-identical to encoding the
// RFC 9052 arrays with the CBOR encoder.
import { describe, expect, it } from 'vitest';
import { HEADER, TAG_SIGN1, Tag, decodeSign1, encodeCbor, randomBytes32, seedSigner, sigStructure, sigStructure1, signSign1 } from '../../sdk/index.js';

const LENGTHS = [0, 1, 23, 24, 255, 256, 65535, 65536, 70000];
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

describe('Sig_structure by concatenation', () => {
  it('equals the CBOR encoding of ["Signature1", protected, aad, payload] at every length boundary', () => {
    for (const p of LENGTHS.slice(0, 5)) {
      for (const a of [0, 24]) {
        for (const n of LENGTHS) {
          const expected = encodeCbor(['Signature1', bytes(p, 1), bytes(a, 2), bytes(n, 3)]);
          expect(Buffer.from(sigStructure1(bytes(p, 1), bytes(n, 3), bytes(a, 2))).equals(Buffer.from(expected))).toBe(true);
        }
      }
    }
  });

  it('equals the CBOR encoding of ["Signature", body, sign, aad, payload]', () => {
    for (const p of [0, 5, 24, 300]) {
      for (const n of LENGTHS) {
        const expected = encodeCbor(['Signature', bytes(p, 1), bytes(7, 4), new Uint8Array(0), bytes(n, 3)]);
        expect(Buffer.from(sigStructure(bytes(p, 1), bytes(7, 4), bytes(n, 3))).equals(Buffer.from(expected))).toBe(true);
      }
    }
  });

  it('signSign1 output equals the CBOR encoding of the tagged [protected, unprotected, payload, signature]', async () => {
    const signer = seedSigner(randomBytes32());
    for (const n of LENGTHS) {
      for (const unprotected of [undefined, new Map([[HEADER.certificate, bytes(300, 9)]])]) {
        const out = await signSign1(bytes(n, 3), signer, { contentType: 'application/x-test', unprotected });
        const m = decodeSign1(out, { maxBytes: 1 << 20 });
        const expected = encodeCbor(new Tag([m.protectedBytes, unprotected ?? new Map(), bytes(n, 3), m.signature], TAG_SIGN1));
        expect(Buffer.from(out).equals(Buffer.from(expected))).toBe(true);
      }
    }
  });
});
