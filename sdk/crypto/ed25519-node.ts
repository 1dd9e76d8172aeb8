/**
 * Ed25519 over node:crypto. Private keys are imported from raw bytes with a fixed DER prefix;
 * public keys as JWK (RFC 8037 OKP), which OpenSSL 3 builds straight from the raw bytes: the
 * DER/SPKI path goes through its generic decoder, about 10 times slower (108 against 11 µs
 * here), which a fleet ingest paid for every unit it first saw.
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { expectBytes } from '../errors.js';
import { weakEd25519Key } from './ed25519-key-check.js';
import { ED25519_PUBLIC_BYTES, ED25519_SEED_BYTES, type Ed25519Backend } from './backend.js';

// RFC 8410: the PKCS#8 PrivateKeyInfo prefix for id-Ed25519 (1.3.101.112).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Bounded cache of imported public keys: importing costs about as much as a verify. */
const PUBLIC_CACHE_MAX = 4096;
const publicCache = new Map<string, KeyObject>();

/**
 * Imported public keys by the identity of a long-lived key array (a unit's verified identity
 * record held by a fleet ingest), with a copy of the bytes that is compared on every hit, so a
 * mutated array can never be verified against its old key. A fleet cycles through more units
 * than the bounded cache holds; without this every message paid for a key import again
 * (scripts/bench/ingest.ts: 0.49x raw at 5,000 units against 0.82x at 1,000).
 */
const publicByArray = new WeakMap<Uint8Array, { bytes: Buffer; key: KeyObject }>();

/**
 * Imported private keys, keyed by the seed array's identity (not its contents, so no secret
 * becomes a map key). Importing costs ten times a signature; a long-lived seed is imported once.
 */
const privateCache = new WeakMap<Uint8Array, KeyObject>();

export function privateKeyObject(seed: Uint8Array): KeyObject {
  expectBytes(seed, 'seed', ED25519_SEED_BYTES);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function cachedPrivateKey(seed: Uint8Array): KeyObject {
  let key = privateCache.get(seed);
  if (!key) {
    key = privateKeyObject(seed);
    privateCache.set(seed, key);
  }
  return key;
}

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const view = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength);
  const held = publicByArray.get(publicKey);
  if (held && held.bytes.equals(view)) return held.key;
  const key = importPublic(publicKey);
  publicByArray.set(publicKey, { bytes: Buffer.from(view), key });
  return key;
}

function importPublic(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64');
  let key = publicCache.get(id);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url') }, format: 'jwk' });
    if (publicCache.size >= PUBLIC_CACHE_MAX) publicCache.delete(publicCache.keys().next().value as string);
    publicCache.set(id, key);
  }
  return key;
}

export const nodeEd25519: Ed25519Backend = {
  name: 'node',
  publicKey(seed) {
    const jwk = createPublicKey(privateKeyObject(seed)).export({ format: 'jwk' });
    return new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
  },
  sign(message, seed) {
    expectBytes(message, 'message');
    expectBytes(seed, 'seed', ED25519_SEED_BYTES);
    return new Uint8Array(nodeSign(null, message, cachedPrivateKey(seed)));
  },
  verify(signature, message, publicKey) {
    expectBytes(signature, 'signature');
    expectBytes(message, 'message');
    expectBytes(publicKey, 'publicKey');
    if (signature.length !== 64 || publicKey.length !== ED25519_PUBLIC_BYTES) return false;
    // OpenSSL accepts R = identity, S = 0 under a small-order key for every message.
    if (weakEd25519Key(publicKey)) return false;
    try {
      return nodeVerify(null, message, publicKeyObject(publicKey), signature);
    } catch {
      // OpenSSL rejects some malformed points at import: that is a failed verification.
      return false;
    }
  },
};

/**
 * The node backend for a verifier holding many keys, each used now and then: a fleet ingest's
 * device keys (one per unit). It keeps no imported key: the key goes to OpenSSL as a JWK with
 * each verification, which cost 4 µs more per verification than a kept KeyObject (83 against
 * 79 µs, 10,000 keys, interleaved, docs/performance.md), where keeping one cost about 1.2 KiB
 * per unit (a KeyObject: 400 bytes of heap, 790 of native memory). A key already kept by
 * `nodeEd25519` for this very array (a certificate's key) is used as it is.
 */
export const nodeEd25519Unkept: Ed25519Backend = {
  ...nodeEd25519,
  verify(signature, message, publicKey) {
    expectBytes(signature, 'signature');
    expectBytes(message, 'message');
    expectBytes(publicKey, 'publicKey');
    if (signature.length !== 64 || publicKey.length !== ED25519_PUBLIC_BYTES) return false;
    // OpenSSL accepts R = identity, S = 0 under a small-order key for every message.
    if (weakEd25519Key(publicKey)) return false;
    const view = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength);
    const held = publicByArray.get(publicKey);
    try {
      if (held && held.bytes.equals(view)) return nodeVerify(null, message, held.key, signature);
      return nodeVerify(null, message, { key: { kty: 'OKP', crv: 'Ed25519', x: view.toString('base64url') }, format: 'jwk' }, signature);
    } catch {
      // OpenSSL rejects some malformed points at import: that is a failed verification.
      return false;
    }
  },
};

/** Signs with an already imported key (the fast path for a long-lived device key). */
export function signWithKeyObject(message: Uint8Array, key: KeyObject): Uint8Array {
  return new Uint8Array(nodeSign(null, message, key));
}
