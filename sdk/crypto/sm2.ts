/**
 * SM2 signatures with SM3 (GB/T 32918.2-2016 / GM/T 0003.2-2012; SM3 per GB/T 32905-2016) over
 * the recommended curve, with the distinguishing identifier of GM/T 0009-2012 by default.
 *
 * Why not node:crypto's sign('sm3', ..., sm2Key): OpenSSL as node calls it hashes Z_A over an
 * EMPTY identifier, so its signatures verify only where the verifier also uses the empty ID
 * (`openssl pkeyutl` without `-pkeyopt distid:...`), not under the standard default
 * "1234567812345678". Here Z_A is computed by us and e = SM3(Z_A || M) fed to the equations.
 *
 * Side channels: k*G, the product that would leak the nonce most directly, runs in OpenSSL's
 * constant-time ladder; the few operations mod n on d and k (s = (1 + d)^-1 (k - r d)) are
 * BigInt and not constant-time, the same trade noble-curves documents for JavaScript.
 *
 * Signature: r || s, 32 bytes each, big-endian (the raw form COSE uses for ECDSA too). Keys: see
 * sm2-keys.ts. `sm2Verify` returns false for every cryptographic failure and throws only on
 * misuse (non-bytes arguments), as the Ed25519 backends do.
 */
import { KeyObject, createECDH, createHash, randomBytes } from 'node:crypto';
import { KeyError, describe, expectBytes } from '../errors.js';
import { SM2_A, SM2_B, SM2_GX, SM2_GY, SM2_N, bigToBytes32, bytesToBig, invMod, modN, mulAddX } from './sm2-curve.js';
import {
  SM2_PRIVATE_BYTES,
  SM2_PUBLIC_BYTES,
  SM2_SIGNATURE_BYTES,
  sm2KeyPairFromObject,
  sm2PublicKey,
  validSm2PrivateKey,
  validSm2PublicKey,
} from './sm2-keys.js';

/** GM/T 0009-2012 §10: the user identifier when none is agreed, as its 16 ASCII bytes. */
export const DEFAULT_SM2_ID: Uint8Array = new TextEncoder().encode('1234567812345678');

const CURVE_BYTES = Buffer.concat([SM2_A, SM2_B, SM2_GX, SM2_GY].map(bigToBytes32));

function sm3(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (GB/T 32918.2 §5.5), where
 * ENTL_A is the bit length of ID_A in two bytes, big-endian.
 */
export function sm2ZA(publicKey: Uint8Array, id: Uint8Array = DEFAULT_SM2_ID): Uint8Array {
  expectBytes(publicKey, 'publicKey', SM2_PUBLIC_BYTES);
  expectBytes(id, 'id');
  if (id.length > 8191) throw new RangeError(`id: expected at most 8191 bytes (ENTL is 16 bits), got ${id.length}`);
  const entl = new Uint8Array([(id.length * 8) >> 8, (id.length * 8) & 0xff]);
  return sm3(entl, id, CURVE_BYTES, publicKey.subarray(1));
}

/** Z_A per public key array, compared by content on every hit (keys are long-lived; Z_A is one SM3). */
const zaCache = new WeakMap<Uint8Array, { key: Buffer; id: Uint8Array; za: Uint8Array }>();

function cachedZA(publicKey: Uint8Array, id: Uint8Array): Uint8Array {
  const held = zaCache.get(publicKey);
  const view = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength);
  if (held && held.id === id && held.key.equals(view)) return held.za;
  const za = sm2ZA(publicKey, id);
  zaCache.set(publicKey, { key: Buffer.from(view), id, za });
  return za;
}

/** e = SM3(Z_A || M) as an integer (GB/T 32918.2 §6.1 A1-A2, §7.1 B3-B4). */
function digest(message: Uint8Array, publicKey: Uint8Array, id: Uint8Array): bigint {
  return bytesToBig(sm3(cachedZA(publicKey, id), message));
}

interface SigningKey {
  d: bigint;
  /** (1 + d)^-1 mod n, fixed per key. */
  inv1d: bigint;
  publicKey: Uint8Array;
}

/** Prepared keys by the identity of the caller's array or KeyObject (never by secret content). */
const keyCache = new WeakMap<object, SigningKey>();

function signingKey(privateKey: Uint8Array | KeyObject): SigningKey {
  if (!(privateKey instanceof Uint8Array) && !(privateKey instanceof KeyObject)) {
    throw new TypeError(`privateKey: expected Uint8Array or KeyObject, got ${describe(privateKey)}`);
  }
  let key = keyCache.get(privateKey);
  if (key && privateKey instanceof Uint8Array && bigToBytes32(key.d).some((b, i) => b !== privateKey[i])) key = undefined;
  if (key) return key;
  let d: Uint8Array;
  let publicKey: Uint8Array;
  if (privateKey instanceof Uint8Array) {
    expectBytes(privateKey, 'privateKey', SM2_PRIVATE_BYTES);
    d = privateKey;
    publicKey = sm2PublicKey(privateKey);
  } else {
    ({ privateKey: d, publicKey } = sm2KeyPairFromObject(privateKey));
    if (!validSm2PrivateKey(d)) throw new KeyError('KEY_FORMAT', 'SM2 private key: expected 1 <= d <= n - 2');
    publicKey = sm2PublicKey(d);
  }
  const dBig = bytesToBig(d);
  key = { d: dBig, inv1d: invMod(1n + dBig, SM2_N), publicKey };
  keyCache.set(privateKey, key);
  return key;
}

/** One ECDH context reused for k*G: setPrivateKey runs OpenSSL's constant-time ladder. */
let ecdh: ReturnType<typeof createECDH> | undefined;

/** x-coordinate of k*G computed natively, so the nonce never meets variable-time arithmetic. */
function baseX(k: bigint): bigint {
  ecdh ??= createECDH('SM2');
  ecdh.setPrivateKey(bigToBytes32(k));
  return bytesToBig(ecdh.getPublicKey().subarray(1, 33));
}

/** A uniform nonce in [1, n - 1] by rejection sampling. */
function randomNonce(): bigint {
  for (;;) {
    const k = bytesToBig(randomBytes(32));
    if (k >= 1n && k < SM2_N) return k;
  }
}

/**
 * GB/T 32918.2 §6.1 A3-A7 with the nonce supplied; undefined when this k must be discarded
 * (r = 0, r + k = n or s = 0).
 */
function signWithNonce(e: bigint, key: SigningKey, k: bigint): Uint8Array | undefined {
  const r = modN(e + baseX(k)); // A4-A5
  if (r === 0n || r + k === SM2_N) return undefined;
  const s = modN(key.inv1d * (k - r * key.d)); // A6
  if (s === 0n) return undefined;
  const out = new Uint8Array(SM2_SIGNATURE_BYTES);
  out.set(bigToBytes32(r), 0);
  out.set(bigToBytes32(s), 32);
  return out;
}

/**
 * Signs with a fixed nonce, for the known-answer test only (test/unit/sm2.test.ts): a nonce
 * that is ever reused or known gives the private key away. Not exported from the package.
 * @internal
 */
export function sm2SignWithNonceForTest(message: Uint8Array, privateKey: Uint8Array, k: bigint, id: Uint8Array = DEFAULT_SM2_ID): Uint8Array | undefined {
  const key = signingKey(privateKey);
  return signWithNonce(digest(message, key.publicKey, id), key, k);
}

/** SM2 signature r || s (64 bytes) over `message` with a fresh random nonce. */
export function sm2Sign(message: Uint8Array, privateKey: Uint8Array | KeyObject, id: Uint8Array = DEFAULT_SM2_ID): Uint8Array {
  expectBytes(message, 'message');
  expectBytes(id, 'id');
  const key = signingKey(privateKey);
  const e = digest(message, key.publicKey, id);
  for (;;) {
    const sig = signWithNonce(e, key, randomNonce());
    if (sig) return sig;
  }
}

/** Public key of a signing key as prepared by `sm2Sign` (for signers that hold a KeyObject). */
export function sm2SigningPublicKey(privateKey: Uint8Array | KeyObject): Uint8Array {
  return Uint8Array.from(signingKey(privateKey).publicKey);
}

/** GB/T 32918.2 §7.1: whether `signature` (r || s) is valid for `message` under `publicKey`. */
export function sm2Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, id: Uint8Array = DEFAULT_SM2_ID): boolean {
  expectBytes(signature, 'signature');
  expectBytes(message, 'message');
  expectBytes(publicKey, 'publicKey');
  expectBytes(id, 'id');
  if (signature.length !== SM2_SIGNATURE_BYTES || !validSm2PublicKey(publicKey)) return false;
  if (id.length > 8191) return false;
  const r = bytesToBig(signature.subarray(0, 32));
  const s = bytesToBig(signature.subarray(32));
  if (r < 1n || r >= SM2_N || s < 1n || s >= SM2_N) return false; // B1, B2
  const e = digest(message, publicKey, id); // B3, B4
  const t = modN(r + s); // B5
  if (t === 0n) return false;
  const q = { x: bytesToBig(publicKey.subarray(1, 33)), y: bytesToBig(publicKey.subarray(33)) };
  const x1 = mulAddX(s, t, q); // B6: (x1', y1') = s'G + tP_A
  if (x1 === undefined) return false;
  return modN(e + x1) === r; // B7
}
