/**
 * The one CBOR codec of the project: cbor-x configured for COSE, with deterministic encoding
 * (RFC 8949 §4.2.1) enforced both ways.
 *
 * cbor-x's defaults do not suit COSE: it turns integer map labels into strings, keeps the last
 * of duplicate keys, tags typed arrays (tag 64) and Maps (tag 259), reuses its output buffer,
 * encodes integers above 2^32 as float64 and 64-bit integers as BigInt. We therefore:
 *   - encode through `toCanonical`, which only admits the data model the protocol uses
 *     (safe integers, byte strings, text strings, booleans, null, arrays, Maps with integer or
 *     text keys sorted by their encoded bytes, and tags) and converts integers so cbor-x writes
 *     their shortest form;
 *   - decode and then re-encode, and reject the input unless the bytes are identical. That one
 *     comparison rejects duplicate keys, unsorted keys, non-shortest integers and lengths,
 *     indefinite lengths, floats, undefined and any tag cbor-x would turn into an object.
 */
import { Encoder, Tag } from 'cbor-x';
import { EncodingError, describe } from '../errors.js';
import { scanCbor } from './deterministic.js';

export { Tag };

/** Values the protocol's CBOR may hold. */
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | CborValue[]
  | Map<number | string, CborValue>
  | Tag;

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  variableMapSize: true,
  pack: false,
  structuredClone: false,
  bundleStrings: false,
} as ConstructorParameters<typeof Encoder>[0]);

const U32 = 0x1_0000_0000;

/**
 * cbor-x writes numbers in [-2^32, 2^32) in their shortest head but numbers outside as float64,
 * so those go through BigInt (which it writes as a 64-bit head). The range is asymmetric: -2^32
 * is -1 - 0xffffffff and fits a 4-byte head.
 */
function needsBigInt(n: number): boolean {
  return n >= U32 || n < -U32;
}

function keyBytes(key: number | string): Uint8Array {
  return encoder.encode(typeof key === 'number' && needsBigInt(key) ? BigInt(key) : key);
}

function isSmallUint(k: unknown): k is number {
  return typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < U32 && !Object.is(k, -0);
}

/** 'ascending': every key a small unsigned integer, already in order (every payload schema's maps). */
function smallUintKeys(m: Map<unknown, unknown>): 'ascending' | 'unsorted' | false {
  let prev = -1;
  let ascending = true;
  for (const k of m.keys()) {
    if (!isSmallUint(k)) return false;
    if (k <= prev) ascending = false;
    prev = k;
  }
  return ascending ? 'ascending' : 'unsorted';
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const NOT_PLAIN = Symbol('not plain');

/**
 * A value already in the form cbor-x encodes deterministically (text, boolean, null, a safe
 * integer in the 4-byte-head range, a plain Uint8Array), or NOT_PLAIN. Lets a map's entries
 * skip the recursion, and the error path string it carries, for the common leaves.
 */
function plain(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isSafeInteger(v) && !Object.is(v, -0) && !needsBigInt(v) ? v : NOT_PLAIN;
    case 'object':
      return v === null || (v instanceof Uint8Array && v.constructor === Uint8Array) ? v : NOT_PLAIN;
    default:
      return NOT_PLAIN;
  }
}

/** Converts a value into the form cbor-x encodes deterministically; throws TypeError on misuse. */
function toCanonical(value: unknown, path: string): unknown {
  switch (typeof value) {
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TypeError(`${path}: expected a safe integer, got ${value}`);
      if (Object.is(value, -0)) return 0;
      return needsBigInt(value) ? BigInt(value) : value;
    case 'bigint':
      // -2^64 is excluded: cbor-x writes it as a tag 3 bignum, not as the 9-byte head.
      if (value > -(2n ** 64n) && value < 2n ** 64n) {
        return value >= -BigInt(U32) && value < BigInt(U32) ? Number(value) : value;
      }
      throw new TypeError(`${path}: integer out of 64-bit range`);
    case 'string':
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (value instanceof Uint8Array) {
        // A plain Uint8Array view, so no Buffer/subclass detail reaches the encoder.
        return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      }
      if (Array.isArray(value)) return value.map((v, i) => toCanonical(v, `${path}[${i}]`));
      if (value instanceof Map) {
        const small = smallUintKeys(value);
        if (small) {
          // Keys 0 .. 2^32-1 encode as heads whose bytes sort as the numbers do: no encoding
          // of each key needed (every payload schema's labels; held to the general path by a
          // test). The schemas build their maps in key order, so there is usually nothing to
          // sort, and plain leaves skip the recursion: this runs for every event the agent signs.
          const m = value as Map<number, unknown>;
          const inOrder: Iterable<[number, unknown]> = small === 'ascending' ? m : [...m].sort(([a], [b]) => a - b);
          const out = new Map<number, unknown>();
          for (const [k, v] of inOrder) {
            const p = plain(v);
            out.set(k, p !== NOT_PLAIN ? p : toCanonical(v, `${path}.${k}`));
          }
          return out;
        }
        const entries: { k: unknown; kb: Uint8Array; v: unknown }[] = [];
        for (const [k, v] of value) {
          if (!(typeof k === 'string' || (typeof k === 'number' && Number.isSafeInteger(k)))) {
            throw new TypeError(`${path}: map keys must be integers or text, got ${describe(k)}`);
          }
          entries.push({ k, kb: keyBytes(k), v: toCanonical(v, `${path}.${String(k)}`) });
        }
        entries.sort((a, b) => compareBytes(a.kb, b.kb));
        return new Map(entries.map((e) => [toCanonical(e.k, path), e.v]));
      }
      if (value instanceof Tag) return new Tag(toCanonical(value.value, `${path}<tag>`), value.tag);
      throw new TypeError(`${path}: unsupported CBOR value ${value.constructor?.name ?? 'object'}`);
    }
    default:
      throw new TypeError(`${path}: unsupported CBOR value ${typeof value}`);
  }
}

/** Encodes deterministically (RFC 8949 §4.2.1). Returns a fresh buffer the caller owns. */
export function encodeCbor(value: CborValue): Uint8Array {
  const out = encoder.encode(toCanonical(value, '$'));
  // cbor-x reuses its internal buffer between calls: copy out.
  return Uint8Array.prototype.slice.call(out);
}

/**
 * Converts 64-bit integers that fit a JavaScript number back to numbers, in place: the decoder's
 * output is this call's own, and almost every value is already what it should be (a fleet
 * ingest decodes every message: rebuilding each map and byte-string view was the top of its
 * event loop's own time, and garbage). A map with a 64-bit key is rebuilt.
 */
function fromDecoded(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = fromDecoded(value[i]);
      if (v !== value[i]) value[i] = v;
    }
    return value;
  }
  if (value instanceof Map) {
    let bigKey = false;
    for (const [k, v] of value) {
      if (typeof k === 'bigint') bigKey = true;
      const nv = fromDecoded(v);
      // Replacing the value of a key already there keeps the order and the iteration.
      if (nv !== v) value.set(k, nv);
    }
    if (!bigKey) return value;
    const m = new Map();
    for (const [k, v] of value) m.set(fromDecoded(k), v);
    return m;
  }
  if (value instanceof Tag) {
    value.value = fromDecoded(value.value);
    return value;
  }
  // Byte strings are views of the array decoded, plain Uint8Arrays already (decodeCbor hands the
  // decoder one); anything else is made one.
  if (value instanceof Uint8Array && value.constructor !== Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

export interface DecodeOptions {
  /** Largest input accepted, checked before any decoding. */
  maxBytes: number;
  /** What is being decoded, for messages ("identity record", "heartbeat"). */
  what?: string;
  /**
   * Require deterministic encoding (default true). Only interop tests against third-party
   * examples turn it off; nothing the product receives is read without it.
   */
  deterministic?: boolean;
}

/**
 * Decodes one CBOR item strictly: size cap first, then decode, then the deterministic-encoding
 * check against the exact input bytes. Every failure is an EncodingError with code
 * CBOR_TOO_LARGE, CBOR_MALFORMED or CBOR_NONDETERMINISTIC.
 */
export function decodeCbor(bytes: Uint8Array, options: DecodeOptions): CborValue {
  const what = options.what ?? 'CBOR item';
  if (!(bytes instanceof Uint8Array)) {
    throw new EncodingError('CBOR_MALFORMED', `${what}: expected bytes, got ${describe(bytes)}`);
  }
  if (bytes.length > options.maxBytes) {
    throw new EncodingError('CBOR_TOO_LARGE', `${what}: expected at most ${options.maxBytes} bytes, got ${bytes.length}`);
  }
  if (bytes.length === 0) throw new EncodingError('CBOR_MALFORMED', `${what}: expected a CBOR item, got no bytes`);
  const strict = options.deterministic !== false;
  // One pass over the bytes first: well-formedness and the deterministic profile, before the
  // decoder sees anything (see deterministic.ts).
  const scan = strict ? scanCbor(bytes) : undefined;
  if (scan?.problem?.kind === 'malformed') {
    throw new EncodingError('CBOR_MALFORMED', `${what}: not well-formed CBOR (${scan.problem.message})`);
  }
  if (scan?.problem) {
    throw new EncodingError(
      'CBOR_NONDETERMINISTIC',
      `${what}: expected deterministic CBOR (RFC 8949 §4.2: shortest forms, sorted unique keys, definite lengths, no floats or simple values): ${scan.problem.message}`,
    );
  }
  let decoded: unknown;
  try {
    // cbor-x keeps a DataView on the array it decodes (`src.dataView`): on the caller's array
    // that DataView and a property array stay for as long as the bytes do (a fleet ingest keeps
    // every unit's identity record: about 100 bytes of heap per unit), so it decodes a view of
    // its own, dropped afterwards.
    decoded = fromDecoded(encoder.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  } catch (err) {
    // cbor-x refuses two well-formed constructs outright: indefinite-length byte/text strings
    // and simple values (it reads them as its "packed values" extension). Both are outside the
    // deterministic profile, so they get that reason rather than "malformed".
    const msg = (err as Error).message ?? '';
    if (/Indefinite length not supported|No packed values/.test(msg)) {
      throw new EncodingError(
        'CBOR_NONDETERMINISTIC',
        `${what}: expected deterministic CBOR without indefinite-length strings or simple values (${msg})`,
        { cause: err },
      );
    }
    throw new EncodingError('CBOR_MALFORMED', `${what}: not well-formed CBOR (${msg})`, { cause: err });
  }
  // The scan is the check; only tags the decoder may turn into objects need the re-encoding
  // comparison too (rare: our objects use tags 18 and 98 only).
  if (!scan?.unusualTags) return decoded as CborValue;
  let again: Uint8Array;
  try {
    again = encoder.encode(toCanonical(decoded, '$'));
  } catch (err) {
    throw new EncodingError(
      'CBOR_NONDETERMINISTIC',
      `${what}: contains a value outside the protocol's CBOR subset (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (again.length !== bytes.length || compareBytes(again, bytes) !== 0) {
    throw new EncodingError(
      'CBOR_NONDETERMINISTIC',
      `${what}: expected deterministic CBOR (RFC 8949 §4.2: shortest forms, sorted unique keys, definite lengths)`,
    );
  }
  return decoded as CborValue;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}
