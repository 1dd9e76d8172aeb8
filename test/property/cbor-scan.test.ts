// Differential test of the single-pass deterministic check (sdk/cbor/deterministic.ts) against
// the reference it replaced on the hot path: decode, re-encode canonically, compare bytes.
// Inputs are random protocol values encoded both canonically and by cbor-x's default
// (non-canonical) encoder, then randomly mutated.
import fc from 'fast-check';
import { Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { bytesEqual, decodeCbor, encodeCbor, EncodingError, type CborValue } from '../../sdk/index.js';

const loose = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });

function reference(bytes: Uint8Array): boolean {
  try {
    const d = decodeCbor(bytes, { maxBytes: 1 << 20, deterministic: false });
    return bytesEqual(encodeCbor(d), bytes);
  } catch {
    return false;
  }
}

function strict(bytes: Uint8Array): boolean {
  try {
    decodeCbor(bytes, { maxBytes: 1 << 20 });
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(EncodingError);
    return false;
  }
}

const int = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.maxSafeInteger(), fc.constantFrom(0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1));
const value: fc.Arbitrary<CborValue> = fc.letrec<{ v: CborValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    int,
    fc.string({ maxLength: 30 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: -300, max: 70000 }), fc.string({ maxLength: 6 })), tie('v')), { maxLength: 5 }).map((es) => new Map(es)),
  ),
})).v;

describe('single-pass deterministic check', () => {
  it('accepts exactly what decode + canonical re-encode accepts', () => {
    fc.assert(
      fc.property(value, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.boolean(), (v, flips, useLoose) => {
        const base = useLoose ? new Uint8Array(loose.encode(v)) : encodeCbor(v);
        const bytes = Uint8Array.from(base);
        for (const [at, b] of flips) if (bytes.length) bytes[at % bytes.length] = b;
        expect(strict(bytes)).toBe(reference(bytes));
      }),
      { numRuns: 3000 },
    );
  });
});
