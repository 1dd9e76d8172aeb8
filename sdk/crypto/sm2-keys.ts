/**
 * SM2 keys in the encodings other tools read: raw (32-byte private scalar, 65-byte SEC1
 * uncompressed public point), and PKCS#8 / SPKI PEM with id-ecPublicKey over the SM2 curve OID
 * 1.2.156.10197.1.301, which is what `openssl pkey` and `openssl pkeyutl` take.
 *
 * Raw keys are imported through fixed DER prefixes (as ed25519-node.ts does), so the only parser
 * is OpenSSL's; PEM from elsewhere goes through OpenSSL and comes back in our fixed layout.
 */
import { createECDH, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { KeyError, expectBytes } from '../errors.js';
import { SM2_N, bytesToBig, onCurve } from './sm2-curve.js';

export const SM2_PRIVATE_BYTES = 32;
export const SM2_PUBLIC_BYTES = 65;
export const SM2_SIGNATURE_BYTES = 64;

// SEQUENCE { version 0, AlgorithmIdentifier { id-ecPublicKey, sm2 }, OCTET STRING { ECPrivateKey
// { version 1, privateKey OCTET STRING (32), [1] publicKey BIT STRING (65) } } }
const PKCS8_PREFIX = Buffer.from('308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420', 'hex');
const PKCS8_PUBLIC_TAG = Buffer.from('a144034200', 'hex');
// SEQUENCE { AlgorithmIdentifier { id-ecPublicKey, sm2 }, BIT STRING (65) }
const SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex');

export interface Sm2KeyPair {
  /** The private scalar d, 32 bytes big-endian, 1 <= d <= n - 2. */
  privateKey: Uint8Array;
  /** 0x04 || x || y. */
  publicKey: Uint8Array;
}

/**
 * Whether d is a usable SM2 private key: GB/T 32918.1 §6.1 takes d in [1, n - 2], since signing
 * divides by 1 + d.
 */
export function validSm2PrivateKey(privateKey: Uint8Array): boolean {
  expectBytes(privateKey, 'privateKey');
  if (privateKey.length !== SM2_PRIVATE_BYTES) return false;
  const d = bytesToBig(privateKey);
  return d >= 1n && d <= SM2_N - 2n;
}

/**
 * Whether `publicKey` is an uncompressed SEC1 point on the curve. The cofactor is 1, so every
 * such point other than infinity (which has no 65-byte form) generates the whole group.
 */
export function validSm2PublicKey(publicKey: Uint8Array): boolean {
  expectBytes(publicKey, 'publicKey');
  if (publicKey.length !== SM2_PUBLIC_BYTES || publicKey[0] !== 0x04) return false;
  return onCurve(bytesToBig(publicKey.subarray(1, 33)), bytesToBig(publicKey.subarray(33)));
}

/** Public key for a private scalar, by OpenSSL's constant-time ladder. */
export function sm2PublicKey(privateKey: Uint8Array): Uint8Array {
  expectBytes(privateKey, 'privateKey', SM2_PRIVATE_BYTES);
  if (!validSm2PrivateKey(privateKey)) throw new KeyError('KEY_FORMAT', 'SM2 private key: expected 1 <= d <= n - 2');
  const ecdh = createECDH('SM2');
  ecdh.setPrivateKey(privateKey);
  return new Uint8Array(ecdh.getPublicKey());
}

/** A fresh key pair from OpenSSL's generator, retried in the 1 in 2^256 case d = n - 1. */
export function generateSm2KeyPair(): Sm2KeyPair {
  for (;;) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const pair = sm2KeyPairFromObject(privateKey);
    if (validSm2PrivateKey(pair.privateKey)) return pair;
  }
}

export function sm2PrivateKeyObject(privateKey: Uint8Array): KeyObject {
  const publicKey = sm2PublicKey(privateKey);
  const der = Buffer.concat([PKCS8_PREFIX, privateKey, PKCS8_PUBLIC_TAG, publicKey]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

export function sm2PublicKeyObject(publicKey: Uint8Array): KeyObject {
  if (!validSm2PublicKey(publicKey)) throw new KeyError('KEY_FORMAT', 'SM2 public key: expected 65 bytes 0x04 || x || y on the curve');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/** PKCS#8 PEM ("BEGIN PRIVATE KEY"), readable by `openssl pkey -in key.pem`. */
export function sm2PrivateKeyToPem(privateKey: Uint8Array): string {
  return sm2PrivateKeyObject(privateKey).export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** SPKI PEM ("BEGIN PUBLIC KEY"). */
export function sm2PublicKeyToPem(publicKey: Uint8Array): string {
  return sm2PublicKeyObject(publicKey).export({ format: 'pem', type: 'spki' }) as string;
}

/*
 * Keys are recognised by their DER re-exported by OpenSSL (which carries the SM2 curve OID), not
 * by asymmetricKeyType: node reports 'ec' for keys it generated on the SM2 curve but undefined
 * for the same keys read from PEM, which OpenSSL 3 types as "SM2".
 */

/** Raw key pair of an SM2 private KeyObject; KeyError when it is another kind of key. */
export function sm2KeyPairFromObject(key: KeyObject): Sm2KeyPair {
  if (key.type !== 'private') throw new KeyError('KEY_FORMAT', `expected an SM2 private key, got a ${key.type} key`);
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const body = der.subarray(PKCS8_PREFIX.length);
  if (!der.subarray(0, PKCS8_PREFIX.length).equals(PKCS8_PREFIX) || body.length !== 32 + PKCS8_PUBLIC_TAG.length + 65) {
    throw new KeyError('KEY_FORMAT', `expected an SM2 private key (named curve 1.2.156.10197.1.301), got ${key.asymmetricKeyType ?? 'another'} key`);
  }
  return { privateKey: new Uint8Array(body.subarray(0, 32)), publicKey: new Uint8Array(body.subarray(32 + PKCS8_PUBLIC_TAG.length)) };
}

/** Parses a PKCS#8 PEM private key; KeyError when it is not an SM2 key. */
export function sm2PrivateKeyFromPem(pem: string): Sm2KeyPair {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new KeyError('KEY_FORMAT', 'SM2 private key: not a readable PEM private key', { cause: err });
  }
  const pair = sm2KeyPairFromObject(key);
  // Recomputed rather than trusted: a PEM's embedded public key is not checked by OpenSSL.
  return { privateKey: pair.privateKey, publicKey: sm2PublicKey(pair.privateKey) };
}

/** Parses an SPKI PEM public key to its 65 raw bytes; KeyError when it is not an SM2 key. */
export function sm2PublicKeyFromPem(pem: string): Uint8Array {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new KeyError('KEY_FORMAT', 'SM2 public key: not a readable PEM public key', { cause: err });
  }
  const der = key.export({ format: 'der', type: 'spki' });
  if (der.length !== SPKI_PREFIX.length + 65 || !der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) {
    throw new KeyError('KEY_FORMAT', `expected an SM2 public key (named curve 1.2.156.10197.1.301), got ${key.asymmetricKeyType ?? 'another'} key`);
  }
  const raw = new Uint8Array(der.subarray(SPKI_PREFIX.length));
  if (!validSm2PublicKey(raw)) throw new KeyError('KEY_FORMAT', 'SM2 public key: not a point on the curve');
  return raw;
}
