/**
 * Signing an index (the platform side). The caller supplies the whole content; the version
 * rule (only up) is kept by the platform's index state (sdk/platform/index-state.ts).
 */
import { signObject } from '../cose/object.js';
import type { Signer } from '../crypto/signer.js';
import { PROTOCOL_VERSION } from '../version.js';
import { indexKind, type RecallIndex } from './kind.js';

export type IndexInput = Omit<RecallIndex, 'v'>;

/** Entries sorted by recall id and revocations sorted, so equal content signs to equal payloads. */
export function canonicalIndex(input: IndexInput): RecallIndex {
  const value: RecallIndex = {
    v: PROTOCOL_VERSION,
    scope: input.scope,
    version: input.version,
    issuedAt: input.issuedAt,
    expiresAt: input.expiresAt,
    entries: [...input.entries].sort((a, b) => (a.recallId < b.recallId ? -1 : a.recallId > b.recallId ? 1 : 0)),
    revocations: { keys: [...new Set(input.revocations.keys)].sort(), codes: [...new Set(input.revocations.codes)].sort() },
  };
  if (input.revocations.scrapped?.length) value.revocations.scrapped = [...new Set(input.revocations.scrapped)].sort();
  if (input.revocations.details?.length) value.revocations.details = [...input.revocations.details].sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0));
  if (input.policy) value.policy = input.policy;
  if (input.rotations?.length) value.rotations = [...input.rotations];
  if (input.scopes) value.scopes = [...input.scopes].sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
  return value;
}

/** Signs with a platform key certified for index.sign; `certificate` goes in the unprotected header. */
export async function signIndex(input: IndexInput, signer: Signer, certificate: Uint8Array): Promise<Uint8Array> {
  if (input.expiresAt <= input.issuedAt) throw new RangeError('index: expected expiresAt after issuedAt');
  return signObject(indexKind, canonicalIndex(input), signer, certificate);
}
