/**
 * A Signer (signer.ts) over an SM2 private key held in memory. Not wired into COSE, certificates
 * or the CLI yet: the primitive comes first, with its algorithm value fixed here.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { expectBytes } from '../errors.js';
import type { Signer } from './signer.js';
import { kidHex } from './signer.js';
import { SM2_PUBLIC_BYTES } from './sm2-keys.js';
import { sm2Sign, sm2SigningPublicKey } from './sm2.js';

/**
 * COSE alg for SM2-with-SM3 under the GM/T 0009 default identifier, signature r || s.
 *
 * IANA's COSE Algorithms registry has no SM2 entry, and the one Internet-Draft that proposed
 * one (draft-dang-webauthn-sm2-00, "Using SM2 with JOSE and COSE") expired in May 2022 without
 * an assignment. RFC 9052 §11.1 reserves integers less than -65536 for private use, so the value
 * is taken from there: any such value costs the same five bytes in CBOR, and a round one well
 * away from the boundary is less likely to meet another private user's -65537. Replace it if
 * IANA ever assigns one; verifiers must then accept both for a transition.
 */
export const COSE_ALG_SM2_SM3 = -70000;

/**
 * kid for an SM2 key: SHA-256 over the 65-byte uncompressed public key, first 16 bytes. The
 * same rule as keyId() for Ed25519, kept apart because keyId() pins the 32-byte Ed25519 length.
 */
export function sm2KeyId(publicKey: Uint8Array): Uint8Array {
  expectBytes(publicKey, 'publicKey', SM2_PUBLIC_BYTES);
  return new Uint8Array(createHash('sha256').update(publicKey).digest().subarray(0, 16));
}

/**
 * A signer over a raw 32-byte SM2 private key or an SM2 private KeyObject. The key stays in the
 * closure; `toJSON` shows only alg and kid.
 */
export function sm2Signer(privateKey: Uint8Array | KeyObject): Signer {
  const secret = privateKey instanceof Uint8Array ? Uint8Array.from(expectBytes(privateKey, 'privateKey', 32)) : privateKey;
  const publicKey = sm2SigningPublicKey(secret);
  const kid = sm2KeyId(publicKey);
  const signer: Signer = {
    alg: COSE_ALG_SM2_SM3,
    kid,
    publicKey,
    async sign(message) {
      return sm2Sign(message, secret);
    },
  };
  Object.defineProperty(signer, 'toJSON', { value: () => ({ alg: COSE_ALG_SM2_SM3, kid: kidHex(kid) }) });
  return signer;
}
