/** The platform's signed recall index: kind, signing, verification, reconciliation. */
export { indexKind, indexSchema, INDEX_LIMITS, type RecallIndex, type IndexEntry, type IndexRevocations, type IndexKeyRevocation, type ScopeVersion } from './kind.js';
export { signIndex, canonicalIndex, type IndexInput } from './sign.js';
export { verifyIndex, revocationsOf, revocationsFromLists, DEFAULT_INDEX_MAX_LIFETIME_SECONDS, type IndexCheck, type HeldIndex, type VerifiedIndex } from './verify.js';
export { parseScopePath, scopeOfTopic, countryScope } from './scope.js';
export { missingRecalls, requiredScopes, type Missing, type HeldRecall } from './reconcile.js';
export { indexRotations } from './rotations.js';
