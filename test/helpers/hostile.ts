/**
 * The shared table of hostile inputs: every decoder and verifier of the SDK is fed each entry
 * and must answer with a typed RobotIdError, never a raw exception and never success.
 * Modelled on noble's "hostile inputs fed to every API" habit.
 *
 * `HOSTILE` holds stand-alone byte strings by class; `hostileVariants(valid)` derives more from a
 * valid object (truncations, appended bytes, re-wrapping under the wrong tag, ...), and
 * `hostileEnvelopes(valid)` puts each hostile entry inside an otherwise well-formed COSE_Sign1,
 * where a decoder must look at it only after the outer checks.
 */
import { fromHex } from '../../sdk/crypto/hash.js';

export interface Hostile {
  /** Class of the input, for test names and for grouping. */
  readonly kind:
    | 'empty'
    | 'garbage'
    | 'truncated'
    | 'huge-length'
    | 'wrong-tag'
    | 'indefinite'
    | 'duplicate-key'
    | 'float'
    | 'non-shortest'
    | 'simple'
    | 'bad-utf8'
    | 'reserved'
    | 'deep'
    | 'bad-key'
    | 'bignum'
    | 'cbor-x-extension'
    | 'trailing';
  readonly name: string;
  readonly bytes: Uint8Array;
}

const h = (kind: Hostile['kind'], name: string, hex: string): Hostile => ({ kind, name, bytes: fromHex(hex.replace(/\s+/g, '')) });

/** A fixed pseudo-random stream (xorshift32) so garbage is the same on every run. */
export function fixedGarbage(length: number, seed = 0x2545f491): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function nested(open: string, depth: number, inner: string): string {
  return open.repeat(depth) + inner;
}

export const HOSTILE: readonly Hostile[] = [
  h('empty', 'no bytes', ''),
  h('truncated', 'lone initial byte of a uint8', '18'),
  h('truncated', 'uint64 head without its bytes', '1b0000'),
  h('truncated', 'array(4) with nothing after it', '84'),
  h('truncated', 'tag 18 with nothing after it', 'd2'),
  h('truncated', 'bstr(5) with 2 bytes', '450102'),
  h('truncated', 'COSE_Sign1 cut after the protected header', 'd28443a10127'),
  h('garbage', 'single break byte', 'ff'),
  h('garbage', '64 fixed pseudo-random bytes', Buffer.from(fixedGarbage(64)).toString('hex')),
  h('garbage', '512 fixed pseudo-random bytes', Buffer.from(fixedGarbage(512, 7)).toString('hex')),
  h('garbage', 'ASCII text, not CBOR', Buffer.from('{"not":"cbor"}').toString('hex')),
  h('garbage', 'PEM header bytes', Buffer.from('-----BEGIN PRIVATE KEY-----').toString('hex')),
  h('huge-length', 'bstr declaring 2^64-1 bytes', '5bffffffffffffffff00'),
  h('huge-length', 'bstr declaring 2^32-1 bytes', '5affffffff00'),
  h('huge-length', 'tstr declaring 2^32-1 bytes', '7affffffff41'),
  h('huge-length', 'array declaring 2^64-1 items', '9bffffffffffffffff00'),
  h('huge-length', 'map declaring 2^32-1 pairs', 'baffffffff0000'),
  h('huge-length', 'COSE_Sign1 whose payload declares 2^32-1 bytes', 'd28443a10127a05affffffff00'),
  h('wrong-tag', 'tag 17 (COSE_Mac0) around a Sign1 body', 'd18440a040 40'),
  h('wrong-tag', 'tag 98 (COSE_Sign) around a Sign1 body', 'd8628440a04040'),
  h('wrong-tag', 'tag 18 (COSE_Sign1) around a COSE_Sign body', 'd28440a04080'),
  h('wrong-tag', 'tag 18 around a map', 'd2a0'),
  h('wrong-tag', 'tag 0 (date text)', 'c074323031332d30332d32315432303a30343a30305a'),
  h('wrong-tag', 'tag 1 (epoch time)', 'c11a514b67b0'),
  h('wrong-tag', 'tag 55799 (self-described CBOR) prefix on a Sign1', 'd9d9f7d28440a04040'),
  h('wrong-tag', 'untagged Sign1 array', '8440a04040'),
  h('wrong-tag', 'tag 64 (typed uint8 array)', 'd84043010203'),
  h('wrong-tag', 'tag 259 (map as Map)', 'd90103a10102'),
  h('wrong-tag', 'tag 258 (set)', 'd9010282 0102'),
  h('indefinite', 'indefinite array', '9f0102ff'),
  h('indefinite', 'indefinite map', 'bf0102ff'),
  h('indefinite', 'indefinite bstr', '5f4101410 2ff'),
  h('indefinite', 'indefinite tstr', '7f6161ff'),
  h('indefinite', 'Sign1 body as an indefinite array', 'd29f40a04040ff'),
  h('indefinite', 'unterminated indefinite array', '9f0102'),
  h('duplicate-key', 'map with key 1 twice', 'a201010102'),
  h('duplicate-key', 'protected-header-like map with alg twice', 'a201270126'),
  h('float', 'half float 1.0', 'f93c00'),
  h('float', 'half float NaN', 'f97e00'),
  h('float', 'single float Infinity', 'fa7f800000'),
  h('float', 'double float 1.5', 'fb3ff8000000000000'),
  h('float', 'array holding a float', '81fb3ff8000000000000'),
  h('non-shortest', 'uint 1 in one extra byte', '1801'),
  h('non-shortest', 'uint 1 in two bytes', '190001'),
  h('non-shortest', 'uint 1 in four bytes', '1a00000001'),
  h('non-shortest', 'uint 1 in eight bytes', '1b0000000000000001'),
  h('non-shortest', 'negative -1 in one extra byte', '3800'),
  h('non-shortest', 'bstr length 1 in one extra byte', '580100'),
  h('non-shortest', 'array length in one extra byte', '980100'),
  h('non-shortest', 'map with keys out of order', 'a203010102'),
  h('simple', 'undefined', 'f7'),
  h('simple', 'simple value 16', 'f0'),
  h('simple', 'simple value 255 (two bytes)', 'f8ff'),
  h('simple', 'simple value 19 in two bytes', 'f813'),
  h('bad-utf8', 'text string with invalid UTF-8', '62fffe'),
  h('bad-utf8', 'text string with an unpaired surrogate', '63eda080'),
  h('reserved', 'reserved additional info 28', '1c'),
  h('reserved', 'reserved additional info 30 on a bstr', '5e'),
  h('reserved', 'break inside a definite array', '82ff01'),
  h('deep', '4000 nested arrays', nested('81', 4000, '00')),
  h('deep', '4000 nested tags', nested('c6', 4000, '00')),
  h('bad-key', 'map keyed by a byte string', 'a14100 00'),
  h('bad-key', 'map keyed by an array', 'a18000'),
  h('bad-key', 'map keyed by null', 'a1f600'),
  h('bignum', 'tag 2 bignum 2^64', 'c249010000000000000000'),
  h('bignum', 'negative beyond 64 bits (tag 3)', 'c349010000000000000000'),
  h('cbor-x-extension', 'cbor-x record definition tag 57344', 'd9e00083 6161 6162 01'),
  h('cbor-x-extension', 'shareable tag 28', 'd81c8100'),
  h('cbor-x-extension', 'shared reference tag 29', 'd81d00'),
  h('cbor-x-extension', 'string reference namespace tag 256', 'd901008263616263d81900'),
  h('cbor-x-extension', 'packed value tag 6', 'c600'),
  h('cbor-x-extension', 'typed array tag 72 (int8)', 'd84843010203'),
  h('cbor-x-extension', 'regexp tag 21066', 'd9524a826161 60'),
  h('trailing', 'two items back to back', '0001'),
  h('trailing', 'COSE-like item followed by a byte', 'd28440a0404000'),
];

/** Hostile variants derived from one valid encoded object. */
export function hostileVariants(valid: Uint8Array): Hostile[] {
  const out: Hostile[] = [];
  const cut = new Set([1, 2, 3, 8, Math.floor(valid.length / 2), valid.length - 1]);
  for (const n of cut) {
    if (n > 0 && n < valid.length) out.push({ kind: 'truncated', name: `first ${n} of ${valid.length} bytes`, bytes: valid.slice(0, n) });
  }
  out.push({ kind: 'trailing', name: 'one byte appended', bytes: concat(valid, new Uint8Array([0])) });
  out.push({ kind: 'trailing', name: 'the object twice', bytes: concat(valid, valid) });
  out.push({ kind: 'wrong-tag', name: 'tag 55799 prefix', bytes: concat(fromHex('d9d9f7'), valid) });
  if (valid[0] === 0xd2) {
    out.push({ kind: 'wrong-tag', name: 'tag 18 swapped for tag 17', bytes: concat(fromHex('d1'), valid.slice(1)) });
    out.push({ kind: 'wrong-tag', name: 'untagged', bytes: valid.slice(1) });
    out.push({ kind: 'non-shortest', name: 'tag 18 in a one-byte extension', bytes: concat(fromHex('d812'), valid.slice(1)) });
  }
  if (valid[0] === 0xd8 && valid[1] === 0x62) {
    out.push({ kind: 'wrong-tag', name: 'tag 98 swapped for tag 18', bytes: concat(fromHex('d2'), valid.slice(2)) });
    out.push({ kind: 'wrong-tag', name: 'untagged', bytes: valid.slice(2) });
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** CBOR head for a byte string of `n` bytes (shortest form). */
function bstrHead(n: number): Uint8Array {
  if (n < 24) return new Uint8Array([0x40 | n]);
  if (n < 0x100) return new Uint8Array([0x58, n]);
  if (n < 0x10000) return new Uint8Array([0x59, n >> 8, n & 0xff]);
  return new Uint8Array([0x5a, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

const bstr = (b: Uint8Array): Uint8Array => concat(bstrHead(b.length), b);

/**
 * Each hostile entry placed inside a deterministic COSE_Sign1 envelope, once as the protected
 * header bytes and once as the payload: the outer structure is fine, the inside is not.
 */
export function hostileEnvelopes(): Hostile[] {
  const sig = new Uint8Array(64);
  const okProtected = fromHex('a10127');
  const out: Hostile[] = [];
  for (const x of HOSTILE) {
    if (x.bytes.length > 1024) continue;
    out.push({
      kind: x.kind,
      name: `Sign1 with protected header = ${x.name}`,
      bytes: concat(fromHex('d284'), bstr(x.bytes), fromHex('a0'), bstr(new Uint8Array(0)), bstr(sig)),
    });
    out.push({
      kind: x.kind,
      name: `Sign1 with payload = ${x.name}`,
      bytes: concat(fromHex('d284'), bstr(okProtected), fromHex('a0'), bstr(x.bytes), bstr(sig)),
    });
  }
  return out;
}
