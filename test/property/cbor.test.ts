// Property tests over the deterministic codec: encode/decode round-trips exactly; random bytes
// either decode to a value that re-encodes to the same bytes or throw an EncodingError; the
// shared hostile table is fed to the decoder.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncodingError, decodeCbor, encodeCbor, toHex, type CborValue } from '../../sdk/index.js';
import { HOSTILE, hostileEnvelopes } from '../helpers/hostile.js';

const cborValue: fc.Arbitrary<CborValue> = fc.letrec<{ v: CborValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
    fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }),
    fc.string({ maxLength: 20 }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('v'), { maxLength: 5 }),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.string({ maxLength: 6 })), tie('v')), {
        maxLength: 5,
        selector: ([k]) => (typeof k === 'number' ? `n${k}` : `s${k}`),
      })
      .map((entries) => new Map(entries)),
  ),
})).v;

/** What a decoded value re-encodes to is the canonical form of what was encoded. */
function decodeStrict(b: Uint8Array): CborValue {
  return decodeCbor(b, { maxBytes: 1 << 20 });
}

describe('deterministic CBOR round trip (property)', () => {
  it('maps keyed by unsigned integers below 2^32 (the fast path) come out in canonical key order', () => {
    const key = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom(23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, cborValue), { maxLength: 12, selector: ([k]) => k }), (entries) => {
        const bytes = encodeCbor(new Map(entries));
        // The strict decoder refuses keys out of canonical order; the keys all survive.
        const back = decodeStrict(bytes) as Map<number, CborValue>;
        expect([...back.keys()]).toEqual(entries.map(([k]) => k).sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });

  it('a map whose small unsigned keys are already ascending (one pass) encodes as the same map built in any other order', () => {
    const key = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom(23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, cborValue), { minLength: 2, maxLength: 12, selector: ([k]) => k }), (entries) => {
        const ascending = [...entries].sort(([a], [b]) => a - b);
        const bytes = encodeCbor(new Map(ascending));
        expect(Buffer.from(bytes).equals(Buffer.from(encodeCbor(new Map([...ascending].reverse()))))).toBe(true);
        expect(Buffer.from(encodeCbor(decodeStrict(bytes))).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('decode(encode(x)) re-encodes to the identical bytes', () => {
    fc.assert(
      fc.property(cborValue, (x) => {
        const bytes = encodeCbor(x);
        const back = decodeStrict(bytes);
        expect(toHex(encodeCbor(back))).toBe(toHex(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('map insertion order never changes the encoding', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.nat()), { selector: ([k]) => k, maxLength: 12 }), (entries) => {
        const a = encodeCbor(new Map(entries));
        const b = encodeCbor(new Map([...entries].reverse()));
        expect(toHex(a)).toBe(toHex(b));
      }),
    );
  });

  it('random bytes: an EncodingError, or a value whose encoding is exactly the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        let v: CborValue;
        try {
          v = decodeStrict(b);
        } catch (err) {
          expect(err).toBeInstanceOf(EncodingError);
          return;
        }
        expect(toHex(encodeCbor(v))).toBe(toHex(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes behind a plausible head (arrays, maps, tags, strings) likewise', () => {
    const head = fc.constantFrom(0x82, 0x84, 0xa1, 0xa2, 0xd2, 0x58, 0x78, 0x9f, 0xbf, 0x1b, 0x3b, 0xc2, 0xd9);
    fc.assert(
      fc.property(head, fc.uint8Array({ maxLength: 60 }), (h, rest) => {
        const b = Uint8Array.from([h, ...rest]);
        try {
          expect(toHex(encodeCbor(decodeStrict(b)))).toBe(toHex(b));
        } catch (err) {
          if (!(err instanceof EncodingError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('encoding a value twice gives equal, independent buffers', () => {
    fc.assert(
      fc.property(cborValue, (x) => {
        const a = encodeCbor(x);
        const b = encodeCbor(x);
        expect(toHex(a)).toBe(toHex(b));
        if (a.length > 0) {
          a[0] = a[0]! ^ 0xff;
          expect(toHex(b)).toBe(toHex(encodeCbor(x)));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('the hostile table against decodeCbor', () => {
  it.each([...HOSTILE, ...hostileEnvelopes()].map((h) => [`${h.kind}: ${h.name}`, h.bytes] as const))('%s', (_n, bytes) => {
    try {
      const v = decodeStrict(bytes);
      // Only well-formed deterministic CBOR may decode, and then it is exactly the input.
      expect(toHex(encodeCbor(v))).toBe(toHex(bytes));
    } catch (err) {
      expect(err).toBeInstanceOf(EncodingError);
    }
  });

  it('the classes that are never deterministic CBOR are always rejected', () => {
    const never = new Set(['empty', 'truncated', 'huge-length', 'indefinite', 'duplicate-key', 'float', 'non-shortest', 'simple', 'bad-utf8', 'reserved', 'trailing', 'bad-key', 'bignum']);
    for (const h of HOSTILE.filter((x) => never.has(x.kind))) {
      expect(() => decodeStrict(h.bytes), h.name).toThrow(EncodingError);
    }
  });

  it('the size cap answers before anything else for every hostile entry', () => {
    for (const h of HOSTILE.filter((x) => x.bytes.length > 0)) {
      expect(() => decodeCbor(h.bytes, { maxBytes: h.bytes.length - 1 }), h.name).toThrow(/expected at most/);
    }
  });
});
