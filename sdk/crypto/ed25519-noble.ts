/** Ed25519 over @noble/ed25519 v3 (sync API; its SHA-512 comes from node:crypto here). */
import * as ed from '@noble/ed25519';
import { createHash } from 'node:crypto';
import { expectBytes } from '../errors.js';
import { weakEd25519Key } from './ed25519-key-check.js';
import { ED25519_PUBLIC_BYTES, ED25519_SEED_BYTES, type Ed25519Backend } from './backend.js';

function sha512(message: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha512').update(message).digest());
}

/** noble v3's sync functions need a SHA-512; set lazily so importing has no side effect. */
function ready(): void {
  if (!ed.hashes.sha512) ed.hashes.sha512 = sha512;
}

export const nobleEd25519: Ed25519Backend = {
  name: 'noble',
  publicKey(seed) {
    ready();
    expectBytes(seed, 'seed', ED25519_SEED_BYTES);
    return ed.getPublicKey(seed);
  },
  sign(message, seed) {
    ready();
    expectBytes(message, 'message');
    expectBytes(seed, 'seed', ED25519_SEED_BYTES);
    return ed.sign(message, seed);
  },
  verify(signature, message, publicKey) {
    ready();
    expectBytes(signature, 'signature');
    expectBytes(message, 'message');
    expectBytes(publicKey, 'publicKey');
    if (signature.length !== 64 || publicKey.length !== ED25519_PUBLIC_BYTES) return false;
    if (weakEd25519Key(publicKey)) return false;
    try {
      // zip215: false gives RFC 8032 / FIPS 186-5 strict verification, matching OpenSSL.
      return ed.verify(signature, message, publicKey, { zip215: false });
    } catch {
      // noble throws on points that do not decode: a failed verification, not misuse.
      return false;
    }
  },
};
