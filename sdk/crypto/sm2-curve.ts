/**
 * The SM2 recommended curve (GB/T 32918.5-2017 / GM/T 0003.5-2012) in BigInt arithmetic. The
 * point arithmetic is for the verifier only: every value it handles is public (signature, key,
 * message), so its variable timing leaks nothing. Signing computes k*G with node:crypto's
 * constant-time ladder instead (sm2.ts) and uses only modN/invMod from here.
 *
 * Why BigInt and not node:crypto for the verifier: node offers no raw SM2 or ECDSA verify over a
 * prehashed value, and its only variable-base product on this curve, ECDH computeSecret, gives x
 * alone and costs about 1 ms here (it validates the peer point with a further multiplication);
 * with the 0.4 ms setPrivateKey it needs, the sound native route (x(t * (P + uG)), u = s/t) came
 * to about 1.4 ms a verification, more than this file's 1.2 ms. Jacobian coordinates with a = -3,
 * a precomputed comb for G and a width-5 NAF for the public key keep a verification to about 256
 * doublings and 95 additions; a key verified again and again gets its own comb (no doublings at
 * all, about 0.4-0.6 ms). Measured by scripts/bench/sm2.ts.
 */

export const SM2_P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
export const SM2_A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn; // p - 3
export const SM2_B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
export const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
export const SM2_GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
export const SM2_GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

const P = SM2_P;

/** Affine point; the point at infinity never appears in this form. */
export interface Affine {
  readonly x: bigint;
  readonly y: bigint;
}

/** Jacobian (X, Y, Z) for x = X/Z^2, y = Y/Z^3; Z = 0 is the point at infinity. */
interface Jacobian {
  x: bigint;
  y: bigint;
  z: bigint;
}

const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

export function modP(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

export function modN(a: bigint): bigint {
  const r = a % SM2_N;
  return r < 0n ? r + SM2_N : r;
}

/** Inverse modulo m (m prime, a not a multiple of m) by the extended Euclidean algorithm. */
export function invMod(a: bigint, m: bigint): bigint {
  let r0 = m;
  let r1 = a % m;
  if (r1 < 0n) r1 += m;
  if (r1 === 0n) throw new RangeError('invMod: zero has no inverse');
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return t0 < 0n ? t0 + m : t0;
}

/** Whether (x, y) with 0 <= x, y < p satisfies y^2 = x^3 + ax + b. */
export function onCurve(x: bigint, y: bigint): boolean {
  if (x < 0n || x >= P || y < 0n || y >= P) return false;
  return modP(y * y - (x * x * x + SM2_A * x + SM2_B)) === 0n;
}

/**
 * dbl-2001-b (a = -3): 3M + 5S. Differences are kept non-negative by adding multiples of p
 * (every input is already reduced), so each result needs one % and no sign test.
 */
function double(p: Jacobian): Jacobian {
  if (p.z === 0n || p.y === 0n) return INFINITY;
  const delta = (p.z * p.z) % P;
  const gamma = (p.y * p.y) % P;
  const beta = (p.x * gamma) % P;
  const alpha = (3n * (p.x - delta + P) * (p.x + delta)) % P;
  const x = (alpha * alpha + 8n * (P - beta)) % P;
  const yz = p.y + p.z;
  const z = (yz * yz + 2n * P - gamma - delta) % P;
  const y = (alpha * (4n * beta - x + P) + 8n * (P - ((gamma * gamma) % P))) % P;
  return { x, y, z };
}

/** madd-2007-bl: Jacobian plus affine, with the doubling and inverse cases handled. */
function addAffine(p: Jacobian, q: Affine): Jacobian {
  if (p.z === 0n) return { x: q.x, y: q.y, z: 1n };
  const z1z1 = (p.z * p.z) % P;
  const u2 = (q.x * z1z1) % P;
  const s2 = (((q.y * p.z) % P) * z1z1) % P;
  const h = (u2 - p.x + P) % P;
  const r = (2n * (s2 - p.y + P)) % P;
  if (h === 0n) return r === 0n ? double(p) : INFINITY;
  const hh = (h * h) % P;
  const i = 4n * hh;
  const j = (h * i) % P;
  const v = (p.x * i) % P;
  const x = (r * r + 3n * P - j - 2n * v) % P;
  const y = (r * (v - x + P) + 2n * P - ((2n * p.y * j) % P)) % P;
  const zh = p.z + h;
  const z = (zh * zh + 2n * P - z1z1 - hh) % P;
  return { x, y, z };
}

/** Jacobian to affine for many points with one inversion (Montgomery's trick); none may be infinity. */
function normalizeAll(points: Jacobian[]): Affine[] {
  const prefix: bigint[] = new Array<bigint>(points.length);
  let acc = 1n;
  for (let i = 0; i < points.length; i++) {
    prefix[i] = acc;
    acc = (acc * points[i]!.z) % P;
  }
  let inv = invMod(acc, P);
  const out: Affine[] = new Array<Affine>(points.length);
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i]!;
    const zi = (inv * prefix[i]!) % P;
    inv = (inv * p.z) % P;
    const zi2 = (zi * zi) % P;
    out[i] = { x: (p.x * zi2) % P, y: (((p.y * zi2) % P) * zi) % P };
  }
  return out;
}

// ---- fixed base: combs over G (built on first use, about 20 ms) and over hot public keys ----

/** A comb: table[i][j - 1] = j * 2^(bits * i) * B for j in 1 .. 2^bits - 1. */
interface Comb {
  readonly bits: number;
  readonly table: Affine[][];
}

function buildComb(point: Affine, bits: number): Comb {
  const windows = Math.ceil(256 / bits);
  const rows = (1 << bits) - 1;
  const all: Jacobian[] = [];
  let base: Jacobian = { x: point.x, y: point.y, z: 1n };
  for (let w = 0; w < windows; w++) {
    let acc = base;
    all.push(acc);
    for (let j = 2; j <= rows; j++) {
      acc = addJacobian(acc, base);
      all.push(acc);
    }
    for (let k = 0; k < bits; k++) base = double(base);
  }
  // Every entry is j * 2^(bits*i) * B with B of odd prime order n > j: no such multiple of B
  // is the point at infinity, so one inversion normalises them all.
  const affine = normalizeAll(all);
  const table: Affine[][] = [];
  for (let w = 0; w < windows; w++) table.push(affine.slice(w * rows, (w + 1) * rows));
  return { bits, table };
}

/** acc + k * B using B's comb: one mixed addition per non-zero window of k, no doublings. */
function addComb(acc: Jacobian, comb: Comb, k: bigint): Jacobian {
  const mask = (1n << BigInt(comb.bits)) - 1n;
  const step = BigInt(comb.bits);
  for (let w = 0; w < comb.table.length; w++, k >>= step) {
    const digit = Number(k & mask);
    if (digit !== 0) acc = addAffine(acc, comb.table[w]![digit - 1]!);
  }
  return acc;
}

const G_COMB_BITS = 6;
let gComb: Comb | undefined;

/**
 * Combs for public keys verified again and again (an agent's platform and recall-authority
 * keys, a fleet's busiest units). A key earns one after KEY_COMB_AFTER verifications; at most
 * KEY_COMB_MAX are kept (each about 200 KB), first come first kept and never evicted, so a fleet
 * cycling through more keys than that can never make the verifier rebuild tables in a loop.
 */
const KEY_COMB_BITS = 5;
const KEY_COMB_AFTER = 8;
const KEY_COMB_MAX = 16;
const SEEN_MAX = 4096;
const keyCombs = new Map<string, Comb>();
const seen = new Map<string, number>();

function keyComb(q: Affine): Comb | undefined {
  const id = q.x.toString(16) + ':' + q.y.toString(16);
  const comb = keyCombs.get(id);
  if (comb || keyCombs.size >= KEY_COMB_MAX) return comb;
  const count = (seen.get(id) ?? 0) + 1;
  if (count < KEY_COMB_AFTER) {
    if (!seen.has(id) && seen.size >= SEEN_MAX) seen.delete(seen.keys().next().value as string);
    seen.set(id, count);
    return undefined;
  }
  seen.delete(id);
  const built = buildComb(q, KEY_COMB_BITS);
  keyCombs.set(id, built);
  return built;
}

/** Forgets the key combs (tests compare the cold and hot paths). @internal */
export function resetKeyCombs(): void {
  keyCombs.clear();
  seen.clear();
}

/** add-2007-bl, only for building tables (both operands Jacobian). */
function addJacobian(p: Jacobian, q: Jacobian): Jacobian {
  if (p.z === 0n) return q;
  if (q.z === 0n) return p;
  const z1z1 = (p.z * p.z) % P;
  const z2z2 = (q.z * q.z) % P;
  const u1 = (p.x * z2z2) % P;
  const u2 = (q.x * z1z1) % P;
  const s1 = (((p.y * q.z) % P) * z2z2) % P;
  const s2 = (((q.y * p.z) % P) * z1z1) % P;
  const h = modP(u2 - u1);
  const r = modP(2n * (s2 - s1));
  if (h === 0n) return r === 0n ? double(p) : INFINITY;
  const i = (4n * h * h) % P;
  const j = (h * i) % P;
  const v = (u1 * i) % P;
  const x = modP(r * r - j - 2n * v);
  const y = modP(r * (v - x) - ((2n * s1 * j) % P));
  const z = (modP((p.z + q.z) * (p.z + q.z) - z1z1 - z2z2) * h) % P;
  return { x, y, z };
}

// ---- variable base: width-5 NAF over the public key ----

const NAF_WIDTH = 5;

/** Signed digits of k, least significant first, each zero or odd with |d| < 2^(w-1). */
function wnaf(k: bigint, w: number): Int8Array {
  const out = new Int8Array(258);
  const full = 1n << BigInt(w);
  const half = 1n << BigInt(w - 1);
  let i = 0;
  while (k > 0n) {
    if (k & 1n) {
      let d = k & (full - 1n);
      if (d >= half) d -= full;
      out[i] = Number(d);
      k -= d;
    }
    k >>= 1n;
    i++;
  }
  return out;
}

/** Odd multiples 1q, 3q, ..., (2^(w-1) - 1)q of an affine point, in affine form. */
function oddMultiples(q: Affine, w: number): Affine[] {
  const count = 1 << (w - 2);
  const first: Jacobian = { x: q.x, y: q.y, z: 1n };
  const twice = double(first);
  const jac: Jacobian[] = [first];
  for (let i = 1; i < count; i++) jac.push(addJacobian(jac[i - 1]!, twice));
  // q has prime order n > 2^(w-1), so none of these multiples is the point at infinity.
  return normalizeAll(jac);
}

/** v * Q by doubling and adding over v's width-5 NAF. */
function wnafMul(q: Affine, v: bigint): Jacobian {
  const odd = oddMultiples(q, NAF_WIDTH);
  const digits = wnaf(v, NAF_WIDTH);
  let acc: Jacobian = INFINITY;
  for (let i = digits.length - 1; i >= 0; i--) {
    acc = double(acc);
    const d = digits[i]!;
    if (d > 0) acc = addAffine(acc, odd[(d - 1) >> 1]!);
    else if (d < 0) {
      const m = odd[(-d - 1) >> 1]!;
      acc = addAffine(acc, { x: m.x, y: P - m.y });
    }
  }
  return acc;
}

/**
 * x-coordinate of u*G + v*Q as an integer in [0, p), or undefined when the sum is the point at
 * infinity. Q must be on the curve (checked by the caller); u and v in [0, n).
 */
export function mulAddX(u: bigint, v: bigint, q: Affine, options: { keyComb?: boolean } = {}): bigint | undefined {
  const g = (gComb ??= buildComb({ x: SM2_GX, y: SM2_GY }, G_COMB_BITS));
  const hot = options.keyComb === false ? undefined : keyComb(q);
  let acc: Jacobian = hot ? addComb(INFINITY, hot, v) : wnafMul(q, v);
  acc = addComb(acc, g, u);
  if (acc.z === 0n) return undefined;
  const zi = invMod(acc.z, P);
  return (acc.x * ((zi * zi) % P)) % P;
}

/** Big-endian 32 bytes to an integer. */
export function bytesToBig(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex === '' ? 0n : BigInt('0x' + hex);
}

/** An integer in [0, 2^256) to big-endian 32 bytes. */
export function bigToBytes32(v: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
}
