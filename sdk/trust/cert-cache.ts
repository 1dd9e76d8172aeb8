/**
 * A per-verifier memory of certificate signatures already checked (docs/protocol.md
 * §"Certificate cache"). A robot sees the same platform certificate on every notice, index and
 * receipt; the root's signature over those exact bytes need not be verified again by the same
 * verifier. Only that is remembered: the exact certificate bytes, the root key that verified
 * them and the decoded certificate. Everything that depends on the moment or on mutable state
 * (trust store membership, country, validity time, subject kind, role, revocation) is checked
 * again on every use by verifyCertificate.
 *
 * One cache belongs to one verifier (one agent, one simulated robot): never share one across
 * robots, and never fill it from anywhere but verifyCertificate. Bounded, least recently used
 * entry evicted first.
 */
import type { Certificate } from './certificate.js';

export interface CachedCertificate {
  /** The decoded certificate (frozen: callers must not mutate what they get back). */
  certificate: Readonly<Certificate>;
  /** kid of the root whose key verified the certificate's signature. */
  rootKid: Uint8Array;
  /** That root's public key at the time (a changed trust store makes the entry useless). */
  rootPublicKey: Uint8Array;
  /** kid of the certified key. */
  kid: Uint8Array;
}

export const DEFAULT_CERTIFICATE_CACHE_ENTRIES = 32;

/** Keyed by the certificate's exact bytes (as a latin1 string): different bytes never match. */
export class CertificateCache {
  private readonly entries = new Map<string, CachedCertificate>();
  private hitCount = 0;
  private missCount = 0;

  constructor(readonly maxEntries: number = DEFAULT_CERTIFICATE_CACHE_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`certificate cache: expected at least 1 entry, got ${maxEntries}`);
  }

  /** The entry for exactly these bytes, if this verifier checked them before. */
  get(bytes: Uint8Array): CachedCertificate | undefined {
    const key = keyOf(bytes);
    const hit = this.entries.get(key);
    if (!hit) {
      this.missCount++;
      return undefined;
    }
    this.hitCount++;
    // Least recently used order: Map iteration order is insertion order.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  /** Called by verifyCertificate only, after the root's signature over `bytes` verified. */
  remember(bytes: Uint8Array, entry: CachedCertificate): void {
    const key = keyOf(bytes);
    this.entries.delete(key);
    this.entries.set(key, { ...entry, certificate: Object.freeze({ ...entry.certificate, roles: Object.freeze([...entry.certificate.roles]) }) as Certificate });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops one entry (e.g. when its root failed to match) or everything. */
  forget(bytes?: Uint8Array): void {
    if (bytes === undefined) this.entries.clear();
    else this.entries.delete(keyOf(bytes));
  }

  get size(): number {
    return this.entries.size;
  }

  get stats(): { hits: number; misses: number; entries: number } {
    return { hits: this.hitCount, misses: this.missCount, entries: this.entries.size };
  }
}

function keyOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
