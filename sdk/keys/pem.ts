/**
 * Key files in the standard formats other tools read: private keys as PKCS#8 PEM (optionally
 * encrypted PKCS#8, PBES2 with AES-256-CBC), public keys as SPKI PEM (RFC 8410).
 * `openssl pkey -in key.pem -text` opens them.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { KeyError } from '../errors.js';
import { privateKeyObject } from '../crypto/ed25519-node.js';

export interface KeyPair {
  /** The 32-byte Ed25519 seed: the secret. Never log it. */
  seed: Uint8Array;
  publicKey: Uint8Array;
}

function rawFromJwk(key: KeyObject, field: 'd' | 'x'): Uint8Array {
  return fromBase64url(key.export({ format: 'jwk' })[field]);
}

/**
 * A fresh Ed25519 key pair, from node's key generation with both halves encoded as JWK by the
 * generation itself.
 *
 * Not `generateKeyPairSync('ed25519')` followed by `key.export()`: in Node 20 that deadlocks
 * now and then. The export holds the new key's mutex while it allocates; when that allocation
 * runs a garbage collection that collects the finished key-generation job, the job's
 * destructor takes the same mutex and the thread waits on itself forever (the fleet
 * simulation's provisioning hang, about one run in three at 10,000 units; gdb showed
 * ~KeyGenJob inside ExportJWK). Encoded by the job, no KeyObject is exported afterwards.
 * test/integration/keygen-gc.test.ts generates 50,000 pairs under constant collection.
 */
export function generateKeyPair(): KeyPair {
  // @types/node has no overload for JWK encodings of ed25519 (node supports them since 16).
  const generate = generateKeyPairSync as unknown as (type: 'ed25519', options: object) => { privateKey: JsonWebKey; publicKey: JsonWebKey };
  const { privateKey, publicKey } = generate('ed25519', { privateKeyEncoding: { format: 'jwk' }, publicKeyEncoding: { format: 'jwk' } });
  return { seed: fromBase64url(privateKey.d), publicKey: fromBase64url(publicKey.x) };
}

/** A raw Ed25519 key (32 bytes) from a JWK member. */
function fromBase64url(s: unknown): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(typeof s === 'string' ? s : '', 'base64url'));
  if (bytes.length !== 32) throw new KeyError('KEY_FORMAT', `Ed25519 key: expected 32 bytes, got ${bytes.length}`);
  return bytes;
}

export function privateKeyToPem(seed: Uint8Array, passphrase?: string): string {
  const key = privateKeyObject(seed);
  if (passphrase !== undefined) {
    if (passphrase.length === 0) throw new KeyError('KEY_PASSPHRASE', 'expected a non-empty passphrase');
    return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
  }
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function isEncryptedPem(pem: string): boolean {
  return pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
}

/**
 * A PKCS#8 PEM private key of any kind, decrypted with `passphrase` when it is encrypted;
 * KeyError KEY_PASSPHRASE (encrypted and no or a wrong passphrase) or KEY_FORMAT otherwise.
 */
export function privateKeyObjectFromPem(pem: string, passphrase?: string, source = 'private key'): KeyObject {
  if (isEncryptedPem(pem) && passphrase === undefined) {
    throw new KeyError('KEY_PASSPHRASE', `${source}: encrypted private key: expected a passphrase`);
  }
  try {
    return createPrivateKey(passphrase === undefined ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase });
  } catch (err) {
    if (isEncryptedPem(pem)) throw new KeyError('KEY_PASSPHRASE', `${source}: could not decrypt with the passphrase given`, { cause: err });
    throw new KeyError('KEY_FORMAT', `${source}: expected a PKCS#8 PEM private key (${(err as Error).message})`, { cause: err });
  }
}

export function privateKeyFromPem(pem: string, passphrase?: string, source = 'private key'): KeyPair {
  const key = privateKeyObjectFromPem(pem, passphrase, source);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new KeyError('KEY_FORMAT', `${source}: expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return { seed: rawFromJwk(key, 'd'), publicKey: rawFromJwk(createPublicKey(key), 'x') };
}

export function publicKeyToPem(publicKey: Uint8Array): string {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

export function publicKeyFromPem(pem: string, source = 'public key'): Uint8Array {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new KeyError('KEY_FORMAT', `${source}: expected an SPKI PEM public key (${(err as Error).message})`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new KeyError('KEY_FORMAT', `${source}: expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return rawFromJwk(key, 'x');
}
