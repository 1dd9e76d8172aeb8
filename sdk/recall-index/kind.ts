/**
 * The platform's signed recall index of one scope (docs/protocol.md §"Recall index"): which
 * recalls are active there (id, revision, SHA-256 of the notice bytes), the revocations, a
 * version that only goes up, the platform's signed time and an expiry. A COSE_Sign1 by a
 * platform key with the index.sign role; the certificate rides in the unprotected header.
 *
 * The country index is the root of the tree: its `scopes` list names every narrower scope
 * that has an index, with that index's current version, so a withheld narrower index is
 * detectable (a robot knows it should exist).
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind } from '../cose/object.js';

export interface IndexEntry {
  recallId: string;
  revision: number;
  /** SHA-256 of the notice's COSE bytes exactly as published. */
  sha256: Uint8Array;
}

export interface IndexRevocations {
  /** Hex kids of revoked keys (device, enterprise, platform). */
  keys: string[];
  /** Canonical codes of scrapped or revoked units. */
  codes: string[];
  /**
   * Reason and time of key revocations that are not compromises (superseded, retired): their
   * signatures before `at` keep counting. A kid in `keys` without one here is compromised.
   */
  details?: IndexKeyRevocation[];
  /** Of `codes`, those of scrapped units (a verifier says "scrapped", not just "revoked"). */
  scrapped?: string[];
}

export interface IndexKeyRevocation {
  kid: string;
  reason: string;
  at: number;
}

export interface ScopeVersion {
  /** A scope path (`e/…`, `m/…/…`, `u/…`) under this country. */
  scope: string;
  version: number;
}

export interface RecallIndex {
  v: number;
  /** The scope path (sdk/topics.ts scopePath), e.g. `m/1234/567890`. */
  scope: string;
  /** Only goes up; a lower one than a robot holds is a rollback. */
  version: number;
  /** The platform's signed time, seconds since the epoch. */
  issuedAt: number;
  /** Seconds since the epoch; after it the index no longer counts as current. */
  expiresAt: number;
  entries: IndexEntry[];
  revocations: IndexRevocations;
  /** Country index only: the narrower scopes that have an index, with their versions. */
  scopes?: ScopeVersion[];
  /** Country index only: the country's root-signed recall policy, exactly as the root signed it. */
  policy?: Uint8Array;
  /**
   * Country index only: the country's root rotation statements (sdk/trust/rotation.ts), each
   * exactly as both keys signed it, in version order from version 2, retained for units that
   * were offline.
   */
  rotations?: Uint8Array[];
}

export const INDEX_LIMITS = {
  entries: 2048,
  keys: 4096,
  codes: 8192,
  scopes: 4096,
  /** A recall policy's own cap (POLICY_MAX_BYTES). */
  policyBytes: 1024,
  /** Root rotation statements a country index carries, and each one's cap (ROTATION_MAX_BYTES). */
  rotations: 64,
  rotationBytes: 2048,
  maxBytes: 512 * 1024,
} as const;

const entrySchema = defineSchema<IndexEntry>('index entry', {
  recallId: { l: 1, t: 'tstr', max: 64 },
  revision: { l: 2, t: 'uint' },
  sha256: { l: 3, t: 'bstr', max: 32 },
});

const keyRevocationSchema = defineSchema<IndexKeyRevocation>('index key revocation', {
  kid: { l: 1, t: 'tstr', max: 32 },
  reason: { l: 2, t: { oneOf: ['keyCompromise', 'superseded', 'retired'] } },
  at: { l: 3, t: 'uint' },
});

const revocationsSchema = defineSchema<IndexRevocations>('index revocations', {
  keys: { l: 1, t: { arrayOf: 'tstr', max: INDEX_LIMITS.keys }, max: 32 },
  codes: { l: 2, t: { arrayOf: 'tstr', max: INDEX_LIMITS.codes }, max: 29 },
  details: { l: 3, t: { arrayOf: { schema: keyRevocationSchema }, max: INDEX_LIMITS.keys }, optional: true },
  scrapped: { l: 4, t: { arrayOf: 'tstr', max: INDEX_LIMITS.codes }, max: 29, optional: true },
});

const scopeVersionSchema = defineSchema<ScopeVersion>('index scope', {
  scope: { l: 1, t: 'tstr', max: 64 },
  version: { l: 2, t: 'uint' },
});

export const indexSchema = defineSchema<RecallIndex>('recall index', {
  v: { l: 0, t: 'uint' },
  scope: { l: 1, t: 'tstr', max: 64 },
  version: { l: 2, t: 'uint' },
  issuedAt: { l: 3, t: 'uint' },
  expiresAt: { l: 4, t: 'uint' },
  entries: { l: 5, t: { arrayOf: { schema: entrySchema }, max: INDEX_LIMITS.entries } },
  revocations: { l: 6, t: { schema: revocationsSchema } },
  scopes: { l: 7, t: { arrayOf: { schema: scopeVersionSchema }, max: INDEX_LIMITS.scopes }, optional: true },
  policy: { l: 8, t: 'bstr', max: INDEX_LIMITS.policyBytes, optional: true },
  rotations: { l: 9, t: { arrayOf: 'bstr', max: INDEX_LIMITS.rotations }, max: INDEX_LIMITS.rotationBytes, optional: true },
});

export const indexKind = defineKind<RecallIndex>({
  name: 'recall index',
  contentType: CONTENT_TYPES.index,
  schema: indexSchema,
  maxBytes: INDEX_LIMITS.maxBytes,
});
