/**
 * Verifying a recall index on the robot (docs/protocol.md §"Recall index", steps I1-I7).
 * One reference time per operation; each step returns one typed reason (IndexError code).
 */
import { IndexError, RobotIdError, TrustError } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { sha256 } from '../crypto/hash.js';
import { bytesEqual } from '../cbor/index.js';
import { openSign1, type Opened } from '../cose/object.js';
import { ROLES } from '../trust/roles.js';
import { REVOCATION_REASONS, Revocations, type KeyRevocation, type RevocationReason } from '../trust/revocation.js';
import type { CertificateCache } from '../trust/cert-cache.js';
import type { TrustStore } from '../trust/trust-store.js';
import type { VerifiedCertificate } from '../trust/verify-certificate.js';
import { verifySign1Issuer } from '../trust/verify-issuer.js';
import { iso } from '../trust/verify-certificate.js';
import { indexKind, type IndexRevocations, type RecallIndex } from './kind.js';

/** What the robot already holds for this scope (its persisted high-water mark). */
export interface HeldIndex {
  version: number;
  /** SHA-256 of the held index bytes. */
  sha256: Uint8Array;
}

export interface IndexCheck {
  /** Seconds since the epoch: the one reference time of this verification. */
  now: number;
  /** The scope path the index arrived on (it must name the same one). */
  scope: string;
  /** When set, the signer's root must be of this country. */
  country?: string;
  /** Longest accepted expiresAt - issuedAt, seconds (default 30 days). */
  maxLifetimeSeconds?: number;
  held?: HeldIndex;
  revocations?: Revocations;
  backend?: Ed25519Backend;
  /** This verifier's own certificate cache (sdk/trust/cert-cache.ts); never shared across robots. */
  certCache?: CertificateCache;
}

export interface VerifiedIndex {
  index: RecallIndex;
  /** The exact bytes verified. */
  bytes: Uint8Array;
  sha256: Uint8Array;
  signer: VerifiedCertificate;
  /** The same index the robot already holds: a quiet duplicate. */
  duplicate: boolean;
}

export const DEFAULT_INDEX_MAX_LIFETIME_SECONDS = 30 * 86400;

export function verifyIndex(bytes: Uint8Array, trust: TrustStore, check: IndexCheck): VerifiedIndex {
  const now = check.now;
  // I1-I2: size cap, strict deterministic decode, content type, schema and version.
  let opened: Opened<RecallIndex>;
  try {
    opened = openSign1(indexKind, bytes);
  } catch (err) {
    const code = err instanceof RobotIdError && err.code === 'COSE_WRONG_KIND' ? 'INDEX_WRONG_KIND' : 'INDEX_MALFORMED';
    throw new IndexError(code, `recall index: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const index = opened.value;
  // I3: the platform certificate (index.sign, platform subject, not revoked, valid at the
  // index's signed time) and the signature over the bytes received.
  let signer: VerifiedCertificate;
  try {
    signer = verifySign1Issuer(opened.cose, trust, {
      at: index.issuedAt,
      role: ROLES.indexSign,
      subjectKinds: ['platform'],
      revocations: check.revocations ?? Revocations.none,
      backend: check.backend,
      cache: check.certCache,
    });
  } catch (err) {
    if (!(err instanceof TrustError)) throw err;
    throw new IndexError('INDEX_UNTRUSTED', `recall index of ${index.scope}: ${err.message}`, { cause: err });
  }
  // I4: scope: the index names the scope it was delivered for, under the right root.
  if (index.scope !== check.scope) {
    throw new IndexError('INDEX_SCOPE', `recall index: expected scope ${check.scope}, got ${index.scope}`);
  }
  if (check.country !== undefined && signer.root.country !== check.country) {
    throw new IndexError('INDEX_SCOPE', `recall index of ${index.scope}: signed under the root of ${signer.root.country}, expected ${check.country}`);
  }
  // I5: validity window: not expired, and not valid for longer than policy allows (a key
  // whose certificate has lapsed cannot mint a long-lived backdated index).
  const maxLifetime = check.maxLifetimeSeconds ?? DEFAULT_INDEX_MAX_LIFETIME_SECONDS;
  if (index.expiresAt <= index.issuedAt || index.expiresAt - index.issuedAt > maxLifetime) {
    throw new IndexError('INDEX_MALFORMED', `recall index of ${index.scope}: lifetime ${index.expiresAt - index.issuedAt} s, expected 1..${maxLifetime} s`);
  }
  if (now >= index.expiresAt) {
    throw new IndexError('INDEX_EXPIRED', `recall index of ${index.scope} version ${index.version}: expired at ${iso(index.expiresAt)}, now ${iso(now)}`);
  }
  // I6: version against the held high-water mark: lower is a rollback, equal with other
  // content is a fork (the platform signed two different indexes with one version).
  const digest = sha256(bytes);
  const held = check.held;
  if (held && index.version < held.version) {
    throw new IndexError('INDEX_ROLLBACK', `recall index of ${index.scope}: version ${index.version} is older than the held version ${held.version}`);
  }
  const duplicate = !!held && index.version === held.version;
  if (duplicate && !bytesEqual(digest, held.sha256)) {
    throw new IndexError('INDEX_FORKED', `recall index of ${index.scope}: version ${index.version} differs from the held index of the same version`);
  }
  // I7 (the caller): persist the new mark atomically before acting on the entries.
  return { index, bytes, sha256: digest, signer, duplicate };
}

/**
 * Revocation lists as an index (or the platform's index state) carries them, as the list the
 * verifiers take: a kid with details gets their reason and time, one without is a compromise.
 */
export function revocationsFromLists(lists: IndexRevocations): Revocations {
  const details = new Map((lists.details ?? []).map((d) => [d.kid.toLowerCase(), d]));
  const keys = lists.keys.map((k): string | KeyRevocation => {
    const d = details.get(k.toLowerCase());
    return d && isReason(d.reason) ? { kid: k, reason: d.reason, at: d.at } : k;
  });
  return new Revocations({ keys, codes: lists.codes, scrapped: lists.scrapped });
}

/** The union of the revocations of several verified indexes (a key's stricter entry wins). */
export function revocationsOf(indexes: Iterable<RecallIndex>, base: Revocations = Revocations.none): Revocations {
  const keys: KeyRevocation[] = [...base.keyRevocations()];
  const codes: string[] = [...base.codes];
  const scrapped: string[] = [...base.scrapped];
  for (const i of indexes) {
    const one = revocationsFromLists(i.revocations);
    keys.push(...one.keyRevocations());
    codes.push(...one.codes);
    scrapped.push(...one.scrapped);
  }
  return new Revocations({ keys, codes, scrapped });
}

function isReason(r: string): r is RevocationReason {
  return (REVOCATION_REASONS as readonly string[]).includes(r);
}
