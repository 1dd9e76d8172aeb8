/**
 * Revocations: keys (device, enterprise, platform; by kid) and codes (scrapped or revoked
 * units). The platform distributes them in its signed index (docs/protocol.md §"Revocation");
 * every verifier in the SDK takes one. The empty list is the default.
 *
 * A key's revocation carries a reason and a time, as certificate revocation does:
 *   - `keyCompromise`: no signature by the key counts any more, whatever time it claims (a
 *     compromised key can backdate);
 *   - `superseded` (a renewed key) and `retired`: signatures made before `at` keep counting, so
 *     a recall a retired key co-signed stays in force; signatures claiming `at` or later do not.
 * A key listed without details is treated as compromised (the rule before reasons existed).
 *
 * Renewal overlap (docs/protocol.md §"Key renewal"): a `superseded` key's signatures keep
 * counting for `overlapS` seconds after `at` (the root policy's window, label 6), so a signer
 * switch has no gap; from `at + overlapS` on, only the new key's count. 0 unless set with
 * `withOverlap` (the list alone knows no policy).
 */
import { kidHex } from '../crypto/signer.js';

export const REVOCATION_REASONS = ['keyCompromise', 'superseded', 'retired'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface KeyRevocation {
  /** Hex kid. */
  kid: string;
  reason: RevocationReason;
  /** Seconds since the epoch from which the key's signatures stop counting (superseded, retired). */
  at: number;
}

export interface RevocationInput {
  /** Hex kids of revoked keys (compromised), or revocations with their reason and time. */
  keys?: Iterable<string | KeyRevocation>;
  /** Canonical codes of revoked or scrapped units. */
  codes?: Iterable<string>;
  /** Of those, the codes revoked because the unit was scrapped (added to `codes` as well). */
  scrapped?: Iterable<string>;
}

export class Revocations {
  /** Hex kids of every revoked key, whatever the reason. */
  readonly keys: ReadonlySet<string>;
  readonly codes: ReadonlySet<string>;
  /** Codes revoked because their unit was scrapped: it may not be sold or operated again. */
  readonly scrapped: ReadonlySet<string>;
  private readonly details = new Map<string, KeyRevocation>();
  /** Seconds a superseded key's signatures count after its time (the policy's overlap window). */
  readonly overlapS: number;

  constructor(input: RevocationInput = {}, overlapS = 0) {
    if (!Number.isInteger(overlapS) || overlapS < 0) throw new RangeError(`overlapS: expected a whole number of seconds >= 0, got ${overlapS}`);
    this.overlapS = overlapS;
    const keys = new Set<string>();
    for (const k of input.keys ?? []) {
      const r: KeyRevocation = typeof k === 'string' ? { kid: k.toLowerCase(), reason: 'keyCompromise', at: 0 } : { ...k, kid: k.kid.toLowerCase() };
      keys.add(r.kid);
      // Of two entries for one key, the stricter wins: compromise over a time, the earlier time.
      const held = this.details.get(r.kid);
      if (!held || stricter(r, held)) this.details.set(r.kid, r);
    }
    this.keys = keys;
    this.scrapped = new Set(input.scrapped ?? []);
    this.codes = new Set([...(input.codes ?? []), ...this.scrapped]);
  }

  /**
   * Whether a signature by `kid` fails to count. `signedAt` (seconds) is the time the signed
   * object claims: a superseded or retired key's signatures before its revocation time count.
   * Without it (a key in use now), any revocation counts.
   */
  isKeyRevoked(kid: Uint8Array, signedAt?: number): boolean {
    const r = this.details.get(kidHex(kid));
    if (!r) return false;
    if (r.reason === 'keyCompromise' || signedAt === undefined) return true;
    return signedAt >= r.at + (r.reason === 'superseded' ? this.overlapS : 0);
  }

  /** This list judging superseded keys with an overlap window of `overlapS` seconds. */
  withOverlap(overlapS: number): Revocations {
    if (overlapS === this.overlapS) return this;
    return new Revocations({ keys: this.keyRevocations(), codes: this.codes, scrapped: this.scrapped }, overlapS);
  }

  /** The revocation of a key, if any. */
  keyRevocation(kid: string): KeyRevocation | undefined {
    return this.details.get(kid.toLowerCase());
  }

  /** Every key revocation with its reason and time. */
  keyRevocations(): KeyRevocation[] {
    return [...this.details.values()];
  }

  isCodeRevoked(code: string): boolean {
    return this.codes.has(code);
  }

  isCodeScrapped(code: string): boolean {
    return this.scrapped.has(code);
  }

  /**
   * This list without the scrapped codes: what the platform's ingest judges identities by, so a
   * scrapped unit's resent final events are still answered with receipts (docs/protocol.md §"Scrapping").
   */
  withoutScrapped(): Revocations {
    if (this.scrapped.size === 0) return this;
    return new Revocations({ keys: this.keyRevocations(), codes: [...this.codes].filter((c) => !this.scrapped.has(c)) }, this.overlapS);
  }

  /** This list with `more` added. */
  with(more: RevocationInput): Revocations {
    return new Revocations({
      keys: [...this.details.values(), ...(more.keys ?? [])],
      codes: [...this.codes, ...(more.codes ?? [])],
      scrapped: [...this.scrapped, ...(more.scrapped ?? [])],
    }, this.overlapS);
  }

  static readonly none = new Revocations();
}

function stricter(a: KeyRevocation, b: KeyRevocation): boolean {
  if (a.reason === 'keyCompromise' && b.reason !== 'keyCompromise') return true;
  if (b.reason === 'keyCompromise') return false;
  return a.at < b.at;
}
