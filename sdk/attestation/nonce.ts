/**
 * Nonces for attestation requests. The verifier makes one per request and keeps it only until
 * the answer arrives: an answer that does not carry exactly that nonce is a replay.
 */
import { randomBytes } from 'node:crypto';
import { AttestationError, describe } from '../errors.js';
import { NONCE_MAX_BYTES, NONCE_MIN_BYTES } from './claims.js';

export const NONCE_BYTES = 32;

/** A fresh random nonce (32 bytes) from the operating system's CSPRNG. */
export function makeNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

/** Checks a nonce received from the network: 16..64 bytes. */
export function checkNonce(nonce: unknown, what = 'nonce'): Uint8Array {
  if (!(nonce instanceof Uint8Array)) throw new AttestationError('ATTEST_MALFORMED', `${what}: expected bytes, got ${describe(nonce)}`);
  if (nonce.length < NONCE_MIN_BYTES || nonce.length > NONCE_MAX_BYTES) {
    throw new AttestationError('ATTEST_MALFORMED', `${what}: expected ${NONCE_MIN_BYTES}..${NONCE_MAX_BYTES} bytes, got ${nonce.length}`);
  }
  return nonce;
}

/** base64url text (no padding) <-> bytes, as nonces travel in JSON. */
export function nonceToText(nonce: Uint8Array): string {
  return Buffer.from(nonce.buffer, nonce.byteOffset, nonce.byteLength).toString('base64url');
}

export function nonceFromText(text: unknown): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw new AttestationError('ATTEST_MALFORMED', `nonce: expected base64url text, got ${describe(text)}`);
  }
  return checkNonce(new Uint8Array(Buffer.from(text, 'base64url')));
}
