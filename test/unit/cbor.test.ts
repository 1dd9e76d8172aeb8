// sdk/cbor: the deterministic codec (RFC 8949 §4.2.1) and schemas. Every violation class of
// the deterministic rules is rejected with CBOR_NONDETERMINISTIC; size before decode; malformed.
import { describe, expect, it } from 'vitest';
import { EncodingError, Tag, decodeCbor, defineSchema, encodeCbor, fromHex, toHex, type CborValue } from '../../sdk/index.js';

const dec = (hex: string, maxBytes = 1 << 16): CborValue => decodeCbor(fromHex(hex), { maxBytes });

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(EncodingError);
    return (err as EncodingError).code;
  }
  return 'ACCEPTED';
}

describe('encodeCbor: deterministic output', () => {
  it.each([
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [255, '18ff'],
    [256, '190100'],
    [65535, '19ffff'],
    [65536, '1a00010000'],
    [2 ** 32 - 1, '1affffffff'],
    [2 ** 32, '1b0000000100000000'],
    [2 ** 53 - 1, '1b001fffffffffffff'],
    [-1, '20'],
    [-24, '37'],
    [-25, '3818'],
    [-(2 ** 32), '3affffffff'],
    [-(2 ** 32) - 1, '3b0000000100000000'],
    [-(2 ** 53 - 1), '3b001ffffffffffffe'],
  ])('integer %d is written in its shortest form %s and reads back', (n, hex) => {
    expect(toHex(encodeCbor(n))).toBe(hex);
    expect(dec(hex)).toBe(n);
  });

  it('64-bit integers beyond 2^53 stay exact as bigint, shortest uint64', () => {
    expect(toHex(encodeCbor(2n ** 64n - 1n))).toBe('1bffffffffffffffff');
    expect(dec('1bffffffffffffffff')).toBe(2n ** 64n - 1n);
    expect(toHex(encodeCbor(2n ** 53n + 1n))).toBe('1b0020000000000001');
    // bigints that fit a 4-byte head are written like numbers
    expect(toHex(encodeCbor(5n))).toBe('05');
  });

  it('map keys are sorted bytewise by their encodings (RFC 8949 §4.2.1), integer keys stay integers', () => {
    const m = new Map<number | string, CborValue>([
      ['a', 1],
      [2 ** 32, 2],
      [-1, 3],
      [10, 4],
      [24, 5],
      [-(2 ** 32), 6],
    ]);
    expect(toHex(encodeCbor(m))).toBe('a6' + '0a04' + '181805' + '1b000000010000000002' + '2003' + '3affffffff06' + '616101');
    const back = dec(toHex(encodeCbor(m))) as Map<number | string, CborValue>;
    expect([...back.keys()]).toEqual([10, 24, 2 ** 32, -1, -(2 ** 32), 'a']);
  });

  it('byte strings are plain byte strings (no tag 64), Buffers included', () => {
    expect(toHex(encodeCbor(new Uint8Array([1, 2, 3])))).toBe('43010203');
    expect(toHex(encodeCbor(Buffer.from([1, 2, 3])))).toBe('43010203');
    expect(toHex(encodeCbor(new Uint8Array([9, 1, 2, 3]).subarray(1)))).toBe('43010203');
  });

  it('output is not shared between calls (cbor-x reuses its buffer internally)', () => {
    const a = encodeCbor([1, 'first', new Uint8Array(40).fill(0xaa)]);
    const copy = toHex(a);
    const b = encodeCbor([2, 'second', new Uint8Array(40).fill(0xbb)]);
    expect(toHex(a)).toBe(copy);
    expect(a.buffer).not.toBe(b.buffer);
    a[0] = 0;
    expect(toHex(encodeCbor([1, 'first', new Uint8Array(40).fill(0xaa)]))).toBe(copy);
  });

  it('refuses values outside the data model with TypeError (misuse, not wire input)', () => {
    expect(() => encodeCbor(1.5)).toThrow(TypeError);
    expect(() => encodeCbor(Number.NaN)).toThrow(TypeError);
    expect(() => encodeCbor(2 ** 53)).toThrow(TypeError);
    expect(() => encodeCbor(2n ** 64n)).toThrow(TypeError);
    expect(() => encodeCbor(undefined as unknown as CborValue)).toThrow(TypeError);
    expect(() => encodeCbor({ a: 1 } as unknown as CborValue)).toThrow(TypeError);
    expect(() => encodeCbor(new Map([[true, 1]]) as unknown as CborValue)).toThrow(TypeError);
  });

  it('-0 is written as 0', () => {
    expect(toHex(encodeCbor(-0))).toBe('00');
  });

  it('values in a map with ascending small keys get the same care as anywhere else', () => {
    // The one-pass path for such maps (every payload schema's) passes plain values through.
    const m = new Map<number, CborValue>([
      [1, -0],
      [2, Buffer.from([1, 2])],
      [3, 2 ** 32],
      [4, -(2 ** 32) - 1],
      [5, new Uint8Array([9])],
    ]);
    expect(toHex(encodeCbor(m))).toBe('a5010002420102031b0000000100000000043b0000000100000000054109');
    expect(() => encodeCbor(new Map<number, CborValue>([[0, 1], [1, 1.5]]))).toThrow(/\$\.1: expected a safe integer, got 1.5/);
    expect(() => encodeCbor(new Map<number, CborValue>([[0, 1], [1, [2, 2 ** 53]]]))).toThrow(/\$\.1\[1\]: expected a safe integer/);
  });

  it('tags round-trip', () => {
    const bytes = encodeCbor(new Tag([new Uint8Array(0), new Map(), new Uint8Array(0), new Uint8Array(0)], 18));
    expect(toHex(bytes)).toBe('d28440a04040');
    const back = dec('d28440a04040') as Tag;
    expect(back.tag).toBe(18);
  });
});

describe('decodeCbor: every deterministic-encoding violation is CBOR_NONDETERMINISTIC', () => {
  it.each([
    ['uint in a longer head than needed (1 byte)', '1801'],
    ['uint in a longer head than needed (2 bytes)', '190017'],
    ['uint in a longer head than needed (4 bytes)', '1a0000ffff'],
    ['uint in a longer head than needed (8 bytes)', '1b00000000ffffffff'],
    ['negative in a longer head', '3800'],
    ['-2^32 in an 8-byte head', '3b00000000ffffffff'],
    ['byte string length in a longer head', '58024142'],
    ['text length in a longer head', '780161'],
    ['array length in a longer head', '980100'],
    ['map size in a longer head', 'b8010102'],
    ['tag number in a longer head', 'd81240'],
    ['duplicate map key', 'a201010102'],
    ['duplicate text key', 'a2616101616102'],
    ['map keys out of order', 'a202010101'],
    ['longer key before shorter', 'a2180a010a02'],
    ['text key before integer key', 'a261610101' + '02'],
    ['indefinite-length array', '9f0102ff'],
    ['indefinite-length map', 'bf0102ff'],
    ['indefinite-length byte string', '5f41014102ff'],
    ['indefinite-length text', '7f616161' + '62ff'],
    ['half float', 'f93c00'],
    ['single float', 'fa3fc00000'],
    ['double float', 'fb3ff8000000000000'],
    ['float for an integral value', 'fb4000000000000000'],
    ['NaN', 'f97e00'],
    ['undefined', 'f7'],
    ['simple value', 'f0'],
    ['simple value in a two-byte head', 'f813'],
    ['bignum tag 2 for a small number', 'c24101'],
    ['bignum beyond 64 bits', 'c249010000000000000000'],
    ['map keyed by a byte string', 'a1410000'],
  ])('%s (%s)', (_what, hex) => {
    expect(codeOf(() => dec(hex))).toBe('CBOR_NONDETERMINISTIC');
  });

  it('the same values in deterministic form are accepted', () => {
    expect(dec('a201010202')).toEqual(new Map([[1, 1], [2, 2]]));
    expect(dec('820102')).toEqual([1, 2]);
    expect(dec('f5')).toBe(true);
    expect(dec('f6')).toBe(null);
    expect(dec('3affffffff')).toBe(-(2 ** 32));
  });

  it('deterministic: false (interop only) accepts non-shortest forms', () => {
    expect(decodeCbor(fromHex('1801'), { maxBytes: 10, deterministic: false })).toBe(1);
  });
});

describe('decodeCbor: the caller\'s bytes', () => {
  it('are left as they were: nothing is attached to a long-lived array (a fleet ingest keeps one per unit)', () => {
    const bytes = fromHex('a2016161024401020304');
    const own = Object.getOwnPropertyNames(bytes);
    const value = decodeCbor(bytes, { maxBytes: 64 }) as Map<number, unknown>;
    expect(value.get(1)).toBe('a');
    expect(toHex(value.get(2) as Uint8Array)).toBe('01020304');
    expect(Object.getOwnPropertyNames(bytes)).toEqual(own);
    decodeCbor(bytes, { maxBytes: 64 });
    expect(Object.getOwnPropertyNames(bytes)).toEqual(own);
  });
});

describe('decodeCbor: size cap before decoding, malformed input', () => {
  it('checks the size cap before looking at the bytes', () => {
    // 2 bytes over the cap, and not even CBOR: the cap is what answers.
    const err = (() => {
      try {
        decodeCbor(new Uint8Array(12).fill(0xff), { maxBytes: 10, what: 'heartbeat' });
      } catch (e) {
        return e as EncodingError;
      }
      throw new Error('accepted');
    })();
    expect(err.code).toBe('CBOR_TOO_LARGE');
    expect(err.message).toBe('heartbeat: expected at most 10 bytes, got 12');
    expect(codeOf(() => decodeCbor(new Uint8Array(10), { maxBytes: 10 }))).not.toBe('CBOR_TOO_LARGE');
  });

  it.each([
    ['no bytes', ''],
    ['truncated uint', '19 01'],
    ['truncated byte string', '450102'],
    ['truncated array', '8201'],
    ['lone break', 'ff'],
    ['reserved additional info', '1c'],
    ['trailing bytes after one item', '0001'],
    ['unterminated indefinite array', '9f01'],
    ['byte string declaring 2^64-1 bytes', '5bffffffffffffffff'],
    ['array declaring 2^32-1 items', '9affffffff'],
  ])('%s is CBOR_MALFORMED', (_what, hex) => {
    expect(codeOf(() => dec(hex.replace(/ /g, '')))).toBe('CBOR_MALFORMED');
  });

  it('non-bytes input is CBOR_MALFORMED with what arrived', () => {
    expect(() => decodeCbor('a0' as unknown as Uint8Array, { maxBytes: 10 })).toThrow(/expected bytes, got string/);
  });
});

describe('defineSchema', () => {
  interface T {
    v: number;
    name: string;
    data: Uint8Array;
    tags?: string[];
  }
  const schema = defineSchema<T>('thing', {
    v: { l: 0, t: 'uint' },
    name: { l: 1, t: 'tstr', max: 8 },
    data: { l: 2, t: 'bstr', max: 4 },
    tags: { l: 3, t: { arrayOf: 'tstr', max: 2 }, optional: true },
  });

  it('round-trips through integer labels', () => {
    const value: T = { v: 1, name: 'x', data: new Uint8Array([1]) };
    const bytes = encodeCbor(schema.toCbor(value));
    expect(toHex(bytes)).toBe('a3000101617802' + '4101');
    expect(schema.fromCbor(decodeCbor(bytes, { maxBytes: 100 }))).toEqual(value);
  });

  it.each([
    ['unknown label', new Map<number, CborValue>([[0, 1], [1, 'x'], [2, new Uint8Array(1)], [9, 0]]), /unexpected label 9/],
    ['missing field', new Map<number, CborValue>([[0, 1], [1, 'x']]), /thing.data: required field \(label 2\) missing/],
    ['wrong type', new Map<number, CborValue>([[0, 1], [1, 5], [2, new Uint8Array(1)]]), /thing.name: expected text, got number/],
    ['text too long', new Map<number, CborValue>([[0, 1], [1, 'x'.repeat(9)], [2, new Uint8Array(1)]]), /at most 8 characters/],
    ['bytes too long', new Map<number, CborValue>([[0, 1], [1, 'x'], [2, new Uint8Array(5)]]), /at most 4 bytes/],
    ['negative uint', new Map<number, CborValue>([[0, -1], [1, 'x'], [2, new Uint8Array(1)]]), /unsigned integer/],
    ['too many array entries', new Map<number, CborValue>([[0, 1], [1, 'x'], [2, new Uint8Array(1)], [3, ['a', 'b', 'c']]]), /at most 2 entries/],
    ['not a map', [1, 2], /expected map/],
  ])('rejects %s with CBOR_SCHEMA', (_what, value, message) => {
    expect(() => schema.fromCbor(value)).toThrow(message);
    expect(codeOf(() => schema.fromCbor(value))).toBe('CBOR_SCHEMA');
  });
});
