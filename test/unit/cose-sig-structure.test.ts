// The concatenated Sig_structure must be byte-identical to encoding the RFC 9052 §4.4 array.
import { describe, expect, it } from 'vitest';
import { encodeCbor, sigStructure, sigStructure1 } from '../../sdk/index.js';

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
});
