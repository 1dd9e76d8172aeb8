/**
 * Revocations: keys (device, enterprise, platform; by kid) and codes (scrapped or revoked
 * units). The platform distributes them in its signed index (docs/protocol.md); every verifier
 * in the SDK takes one. The empty list is the default.
 */
import { kidHex } from '../crypto/signer.js';

export interface RevocationInput {
  /** Hex kids of revoked keys. */
  keys?: Iterable<string>;
  /** Canonical codes of revoked or scrapped units. */
  codes?: Iterable<string>;
}

export class Revocations {
  readonly keys: ReadonlySet<string>;
  readonly codes: ReadonlySet<string>;

  constructor(input: RevocationInput = {}) {
    this.keys = new Set([...(input.keys ?? [])].map((k) => k.toLowerCase()));
    this.codes = new Set(input.codes ?? []);
  }

  isKeyRevoked(kid: Uint8Array): boolean {
    return this.keys.has(kidHex(kid));
  }

  isCodeRevoked(code: string): boolean {
    return this.codes.has(code);
  }

  static readonly none = new Revocations();
}
