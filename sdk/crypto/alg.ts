/**
 * The signature algorithms a robot-id key may use, by COSE alg value, and the one place that
 * checks a signature given the algorithm a key is pinned to (docs/protocol.md §"SM2 with SM3",
 * §"Algorithm pinning"). A key's algorithm is never read from the signed message: it comes from
 * what certifies the key (a root in the trust store, a certificate, an identity record), and the
 * message's protected `alg` must equal it (sdk/cose/pinned.ts).
 *
 * Like the backends, `verifyWithAlg` returns false for every cryptographic failure and throws
 * only on misuse (an algorithm we do not implement).
 */
import { expectBytes } from '../errors.js';
import type { Ed25519Backend } from './backend.js';
import { weakEd25519Key } from './ed25519-key-check.js';
import { nodeEd25519 } from './ed25519-node.js';
import { COSE_ALG_EDDSA, keyId } from './signer.js';
import { SM2_PUBLIC_BYTES, validSm2PublicKey } from './sm2-keys.js';
import { COSE_ALG_SM2_SM3, sm2KeyId } from './sm2-signer.js';
import { sm2Verify } from './sm2.js';

/** The names the CLI and the trust store use, and the COSE alg each stands for. */
export const SIGNATURE_ALGS = { ed25519: COSE_ALG_EDDSA, sm2: COSE_ALG_SM2_SM3 } as const;
export type AlgName = keyof typeof SIGNATURE_ALGS;
export const ALG_NAMES = Object.keys(SIGNATURE_ALGS) as AlgName[];

/** Whether we implement COSE alg `alg`. */
export function isSupportedAlg(alg: unknown): alg is number {
  return alg === COSE_ALG_EDDSA || alg === COSE_ALG_SM2_SM3;
}

/** COSE alg for a name (`ed25519`, `sm2`, case-insensitive); RangeError listing the names otherwise. */
export function algFromName(name: string): number {
  const alg = (SIGNATURE_ALGS as Record<string, number>)[name.toLowerCase()];
  if (alg === undefined) throw new RangeError(`algorithm: expected one of ${ALG_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  return alg;
}

/** The name of a supported alg (`ed25519`, `sm2`); undefined for any other value. */
export function algName(alg: number): AlgName | undefined {
  return alg === COSE_ALG_EDDSA ? 'ed25519' : alg === COSE_ALG_SM2_SM3 ? 'sm2' : undefined;
}

/** For messages: `EdDSA (-8)`, `SM2-SM3 (-70000)`, `alg -7`, `no alg`. */
export function describeAlg(alg: number | undefined): string {
  if (alg === undefined) return 'no alg';
  return alg === COSE_ALG_EDDSA ? 'EdDSA (-8)' : alg === COSE_ALG_SM2_SM3 ? 'SM2-SM3 (-70000)' : `alg ${alg}`;
}

/** Raw public key length for a supported alg. */
export function publicKeyBytes(alg: number): number {
  return alg === COSE_ALG_SM2_SM3 ? SM2_PUBLIC_BYTES : 32;
}

/**
 * Why `publicKey` cannot be a key of `alg`, or undefined when it can: the wrong length (an SM2
 * point certified as EdDSA, or the reverse), a weak Ed25519 point, an SM2 point off the curve.
 */
export function publicKeyProblem(alg: number, publicKey: Uint8Array): string | undefined {
  expectBytes(publicKey, 'publicKey');
  if (!isSupportedAlg(alg)) return `unsupported ${describeAlg(alg)}`;
  const want = publicKeyBytes(alg);
  if (publicKey.length !== want) return `expected a ${want}-byte ${describeAlg(alg)} public key, got ${publicKey.length} bytes`;
  if (alg === COSE_ALG_SM2_SM3) return validSm2PublicKey(publicKey) ? undefined : 'expected an SM2 point 0x04 || x || y on the curve, got one off it';
  const weak = weakEd25519Key(publicKey);
  return weak ? `expected a usable Ed25519 public key, got a ${weak} point` : undefined;
}

/** kid of a key: SHA-256 over the raw public key, first 16 bytes (keyId / sm2KeyId). */
export function keyIdFor(alg: number, publicKey: Uint8Array): Uint8Array {
  return alg === COSE_ALG_SM2_SM3 ? sm2KeyId(publicKey) : keyId(publicKey);
}

/**
 * Whether `signature` over `message` verifies under `publicKey` with algorithm `alg` (the
 * algorithm the key is pinned to, never one read from the message). Ed25519 goes through
 * `backend` (node or noble), SM2 through sm2Verify.
 */
export function verifyWithAlg(alg: number, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, backend: Ed25519Backend = nodeEd25519): boolean {
  if (alg === COSE_ALG_EDDSA) return backend.verify(signature, message, publicKey);
  if (alg === COSE_ALG_SM2_SM3) return sm2Verify(signature, message, publicKey);
  throw new RangeError(`verifyWithAlg: expected alg ${COSE_ALG_EDDSA} or ${COSE_ALG_SM2_SM3}, got ${alg}`);
}
