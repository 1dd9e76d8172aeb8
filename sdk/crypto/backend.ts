/**
 * Ed25519 (RFC 8032, PureEdDSA) behind one interface with two implementations:
 *   - 'node':  node:crypto (OpenSSL), fast; the default on Node.
 *   - 'noble': @noble/ed25519, portable (browsers, phones' web views), audited, slower.
 * Both produce byte-identical signatures (Ed25519 is deterministic); tests hold them to the
 * RFC 8032 vectors and to each other.
 *
 * `verify` returns false for every cryptographic failure (bad signature, malformed point,
 * wrong-length input from the wire) and throws only on misuse (non-bytes arguments).
 */
export interface Ed25519Backend {
  readonly name: 'node' | 'noble';
  /** Public key (32 bytes) for a 32-byte seed. */
  publicKey(seed: Uint8Array): Uint8Array;
  sign(message: Uint8Array, seed: Uint8Array): Uint8Array;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

export const ED25519_SEED_BYTES = 32;
export const ED25519_PUBLIC_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
