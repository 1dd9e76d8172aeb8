/**
 * Key pairs of either signature suite (sdk/crypto/alg.ts), in the files other tools read:
 * PKCS#8 PEM private keys (optionally encrypted, PBES2 with AES-256-CBC) and SPKI PEM public
 * keys. Ed25519 keys are RFC 8410 (pem.ts); SM2 keys are id-ecPublicKey over the SM2 curve OID
 * 1.2.156.10197.1.301 (sdk/crypto/sm2-keys.ts), which `openssl pkey` opens. The algorithm of a
 * key file is read from the key itself, so `--key` takes either kind.
 */
import { KeyError } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { describeAlg } from '../crypto/alg.js';
import { COSE_ALG_EDDSA, seedSigner, type Signer } from '../crypto/signer.js';
import { COSE_ALG_SM2_SM3, sm2Signer } from '../crypto/sm2-signer.js';
import { generateSm2KeyPair, sm2KeyPairFromObject, sm2PrivateKeyObject, sm2PublicKey, sm2PublicKeyToPem } from '../crypto/sm2-keys.js';
import { generateKeyPair, privateKeyFromPem, privateKeyObjectFromPem, privateKeyToPem, publicKeyToPem } from './pem.js';

export interface AlgKeyPair {
  /** COSE alg: COSE_ALG_EDDSA or COSE_ALG_SM2_SM3. */
  alg: number;
  /** The secret: an Ed25519 seed or an SM2 scalar, 32 bytes. Never log it. */
  privateKey: Uint8Array;
  /** 32 bytes (Ed25519) or the 65-byte SEC1 point (SM2). */
  publicKey: Uint8Array;
}

function unsupported(alg: number): never {
  throw new RangeError(`key algorithm: expected EdDSA (-8) or SM2-SM3 (-70000), got ${describeAlg(alg)}`);
}

/** A fresh key pair for `alg`. */
export function generateAlgKeyPair(alg: number = COSE_ALG_EDDSA): AlgKeyPair {
  if (alg === COSE_ALG_EDDSA) {
    const pair = generateKeyPair();
    return { alg, privateKey: pair.seed, publicKey: pair.publicKey };
  }
  if (alg === COSE_ALG_SM2_SM3) return { alg, ...generateSm2KeyPair() };
  return unsupported(alg);
}

/** A signer over a key pair held in memory (`backend` applies to Ed25519 only). */
export function algSigner(pair: AlgKeyPair, backend?: Ed25519Backend): Signer {
  if (pair.alg === COSE_ALG_EDDSA) return seedSigner(pair.privateKey, backend);
  if (pair.alg === COSE_ALG_SM2_SM3) return sm2Signer(pair.privateKey);
  return unsupported(pair.alg);
}

export function algPrivateKeyToPem(pair: AlgKeyPair, passphrase?: string): string {
  if (pair.alg === COSE_ALG_EDDSA) return privateKeyToPem(pair.privateKey, passphrase);
  if (pair.alg !== COSE_ALG_SM2_SM3) return unsupported(pair.alg);
  const key = sm2PrivateKeyObject(pair.privateKey);
  if (passphrase === undefined) return key.export({ type: 'pkcs8', format: 'pem' }) as string;
  if (passphrase.length === 0) throw new KeyError('KEY_PASSPHRASE', 'expected a non-empty passphrase');
  return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

export function algPublicKeyToPem(alg: number, publicKey: Uint8Array): string {
  if (alg === COSE_ALG_EDDSA) return publicKeyToPem(publicKey);
  if (alg === COSE_ALG_SM2_SM3) return sm2PublicKeyToPem(publicKey);
  return unsupported(alg);
}

/** Reads a PKCS#8 PEM private key of either kind; KeyError for any other key or a wrong passphrase. */
export function algPrivateKeyFromPem(pem: string, passphrase?: string, source = 'private key'): AlgKeyPair {
  const key = privateKeyObjectFromPem(pem, passphrase, source);
  if (key.asymmetricKeyType === 'ed25519') {
    const pair = privateKeyFromPem(pem, passphrase, source);
    return { alg: COSE_ALG_EDDSA, privateKey: pair.seed, publicKey: pair.publicKey };
  }
  let raw;
  try {
    raw = sm2KeyPairFromObject(key);
  } catch (err) {
    throw new KeyError('KEY_FORMAT', `${source}: expected an Ed25519 or SM2 key, got ${key.asymmetricKeyType ?? 'unknown'}`, { cause: err });
  }
  // Recomputed rather than trusted: a PEM's embedded public key is not checked by OpenSSL.
  return { alg: COSE_ALG_SM2_SM3, privateKey: raw.privateKey, publicKey: sm2PublicKey(raw.privateKey) };
}
