/**
 * Signing goes through a Signer over a key handle, never through raw key bytes, so a TPM or a
 * secure element can stand in for a key file later: it only has to implement `sign`.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { expectBytes } from '../errors.js';
import type { Ed25519Backend } from './backend.js';
import { nodeEd25519, privateKeyObject, signWithKeyObject } from './ed25519-node.js';

/** COSE algorithm identifiers (RFC 9053). Only EdDSA today; SM2-with-SM3 could join later. */
export const COSE_ALG_EDDSA = -8;

export interface Signer {
  /** COSE alg of the signatures this signer makes. */
  readonly alg: number;
  /** Key identifier: the first 16 bytes of SHA-256 over the raw public key. */
  readonly kid: Uint8Array;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/**
 * The private key objects of in-memory node signers, for the SDK's own signing thread
 * (chain-thread.ts) and nothing else: not exported from the package, never serialised.
 */
const threadKeys = new WeakMap<Signer, KeyObject>();

/** The key a signing thread may sign with for `signer`; undefined for signers that keep their key elsewhere. */
export function threadSigningKey(signer: Signer): KeyObject | undefined {
  return threadKeys.get(signer);
}

/** kid = SHA-256(raw public key)[0..16). Stable, public, and names the key in every header. */
export function keyId(publicKey: Uint8Array): Uint8Array {
  expectBytes(publicKey, 'publicKey', 32);
  return new Uint8Array(createHash('sha256').update(publicKey).digest().subarray(0, 16));
}

export function kidHex(kid: Uint8Array): string {
  return Buffer.from(kid.buffer, kid.byteOffset, kid.byteLength).toString('hex');
}

/**
 * A signer over an Ed25519 seed held in memory (read from a key file). The seed never leaves
 * the closure; `toJSON`/inspection show only the kid.
 */
export function seedSigner(seed: Uint8Array, backend: Ed25519Backend = nodeEd25519): Signer {
  expectBytes(seed, 'seed', 32);
  const secret = Uint8Array.from(seed);
  const publicKey = backend.publicKey(secret);
  const kid = keyId(publicKey);
  const keyObject = backend.name === 'node' ? privateKeyObject(secret) : undefined;
  const signer: Signer = {
    alg: COSE_ALG_EDDSA,
    kid,
    publicKey,
    async sign(message) {
      return keyObject ? signWithKeyObject(message, keyObject) : backend.sign(message, secret);
    },
  };
  if (keyObject) threadKeys.set(signer, keyObject);
  Object.defineProperty(signer, 'toJSON', { value: () => ({ alg: COSE_ALG_EDDSA, kid: kidHex(kid) }) });
  return signer;
}
