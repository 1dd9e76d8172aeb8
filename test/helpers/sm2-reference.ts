// A slow textbook SM2 verifier written from GB/T 32918.1/.2 with its own copy of the curve (affine
// double-and-add), and the DER signature form openssl speaks: for test/unit/sm2.test.ts, which
// holds sdk/crypto/sm2.ts to them.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { fromHex, toHex } from '../../sdk/index.js';

export const big = (hex: string): bigint => BigInt('0x' + hex);
export const hex32 = (v: bigint): string => v.toString(16).padStart(64, '0');
export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
export const sm3 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

export const ref = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  g: {
    x: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
    y: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
  },
};
export type RefPoint = { x: bigint; y: bigint } | null; // null: the point at infinity
export const md = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
/** Extended Euclid (faster than Fermat's a^(m-2) here, and still a few lines from the textbook). */
export const inv = (a: bigint, m: bigint): bigint => {
  let [r0, r1, t0, t1] = [m, md(a, m), 0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, t0, t1] = [r1, r0 - q * r1, t1, t0 - q * t1];
  }
  if (r0 !== 1n) throw new RangeError('not invertible');
  return md(t0, m);
};

export function refAdd(P: RefPoint, Q: RefPoint): RefPoint {
  if (P === null) return Q;
  if (Q === null) return P;
  const { p, a } = ref;
  if (P.x === Q.x && md(P.y + Q.y, p) === 0n) return null;
  const l = P.x === Q.x ? md((3n * P.x * P.x + a) * inv(2n * P.y, p), p) : md((Q.y - P.y) * inv(Q.x - P.x, p), p);
  const x = md(l * l - P.x - Q.x, p);
  return { x, y: md(l * (P.x - x) - P.y, p) };
}

export function refMul(k: bigint, P: RefPoint): RefPoint {
  let acc: RefPoint = null;
  for (let i = 255; i >= 0; i--) {
    acc = refAdd(acc, acc);
    if ((k >> BigInt(i)) & 1n) acc = refAdd(acc, P);
  }
  return acc;
}

export function refVerify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  const { p, a, b, n, g } = ref;
  if (sig.length !== 64 || pub.length !== 65 || pub[0] !== 4) return false;
  const x = big(toHex(pub.subarray(1, 33)));
  const y = big(toHex(pub.subarray(33)));
  if (x >= p || y >= p || md(y * y - x * x * x - a * x - b, p) !== 0n) return false;
  const r = big(toHex(sig.subarray(0, 32)));
  const s = big(toHex(sig.subarray(32)));
  if (r < 1n || r > n - 1n || s < 1n || s > n - 1n) return false;
  const id = ascii('1234567812345678');
  const za = sm3(new Uint8Array([0, 128]), id, fromHex([a, b, g.x, g.y].map(hex32).join('')), pub.subarray(1));
  const e = big(toHex(sm3(za, msg)));
  const t = md(r + s, n);
  if (t === 0n) return false;
  const R = refAdd(refMul(s, g), refMul(t, { x, y }));
  return R !== null && md(e + R.x, n) === r;
}

// ---- DER for openssl: SEQUENCE { INTEGER r, INTEGER s } ----

function derInt(v: Uint8Array): Buffer {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  let body = Buffer.from(v.subarray(i));
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}
export function toDer(sig: Uint8Array): Buffer {
  const body = Buffer.concat([derInt(sig.subarray(0, 32)), derInt(sig.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
export function fromDer(der: Buffer): Uint8Array {
  expect(der[0]).toBe(0x30);
  expect(der[1]).toBe(der.length - 2);
  const out = new Uint8Array(64);
  let at = 2;
  for (const half of [0, 32]) {
    expect(der[at]).toBe(0x02);
    const len = der[at + 1]!;
    const value = der.subarray(at + 2, at + 2 + len);
    const trimmed = value[0] === 0 ? value.subarray(1) : value;
    expect(trimmed.length).toBeLessThanOrEqual(32);
    out.set(trimmed, half + 32 - trimmed.length);
    at += 2 + len;
  }
  expect(at).toBe(der.length);
  return out;
}
