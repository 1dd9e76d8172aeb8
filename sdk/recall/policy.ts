/**
 * The recall policy (docs/protocol.md §"Recall policy"): how many signatures from distinct
 * certified subjects each action needs. Signed by a root key itself (COSE_Sign1, content type
 * CONTENT_TYPES.policy, the root's kid, no certificate), one per country, with a version that
 * only goes up. It is platform policy, not a robot setting: a robot without one uses
 * DEFAULT_THRESHOLDS (stop needs 2).
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, openSign1, signObject, verifyOpened } from '../cose/object.js';
import { algMismatch } from '../cose/pinned.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519 } from '../crypto/ed25519-node.js';
import type { Signer } from '../crypto/signer.js';
import { RecallRejectedError, RobotIdError, TrustError } from '../errors.js';
import { rootAlg, rootProblemAt, type TrustStore } from '../trust/trust-store.js';
import { PROTOCOL_VERSION } from '../version.js';
import type { RecallAction } from './notice.js';
import { DEFAULT_TRANSFER_RULE, TRANSFER_RULES, type TransferRule } from '../lifecycle/index.js';

export interface Thresholds {
  notify: number;
  restrict: number;
  stop: number;
}

export interface RecallPolicy {
  v: number;
  country: string;
  version: number;
  issuedAt: number;
  thresholds: Thresholds;
  /** Whether a unit that has been in service may be registered again (absent: DEFAULT_TRANSFER_RULE). */
  transfers?: TransferRule;
  /**
   * Seconds after a key's `superseded` time during which its new signatures still count
   * (docs/protocol.md §"Key renewal"): units accept both the renewed and the new key that long.
   * Absent: DEFAULT_OVERLAP_S.
   */
  overlapS?: number;
}

/** The overlap a policy without label 6 (or no policy) gives a renewed key: 7 days. */
export const DEFAULT_OVERLAP_S = 7 * 86400;

/** The overlap window a policy sets (the default when it sets none or there is none). */
export function overlapOf(policy: RecallPolicy | undefined): number {
  return policy?.overlapS ?? DEFAULT_OVERLAP_S;
}

/** The built-in policy of a robot that holds none: one signer, two for stop-operation. */
export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({ notify: 1, restrict: 1, stop: 2 });
/** No threshold may exceed the number of signatures a COSE_Sign may carry. */
export const MAX_THRESHOLD = 16;
export const POLICY_MAX_BYTES = 1024;

const thresholdsSchema = defineSchema<Thresholds>('thresholds', {
  notify: { l: 1, t: 'uint' },
  restrict: { l: 2, t: 'uint' },
  stop: { l: 3, t: 'uint' },
});

export const policySchema = defineSchema<RecallPolicy>('recall policy', {
  v: { l: 0, t: 'uint' },
  country: { l: 1, t: 'tstr', max: 2 },
  version: { l: 2, t: 'uint' },
  issuedAt: { l: 3, t: 'uint' },
  thresholds: { l: 4, t: { schema: thresholdsSchema } },
  transfers: { l: 5, t: { oneOf: TRANSFER_RULES }, optional: true },
  overlapS: { l: 6, t: 'uint', optional: true },
});

/** The transfer rule a policy sets (the scheme's default when it sets none or there is none). */
export function transferRuleOf(policy: RecallPolicy | undefined): TransferRule {
  return policy?.transfers ?? DEFAULT_TRANSFER_RULE;
}

export const policyKind = defineKind<RecallPolicy>({
  name: 'recall policy',
  contentType: CONTENT_TYPES.policy,
  schema: policySchema,
  maxBytes: POLICY_MAX_BYTES,
});

/** Thresholds are whole numbers 1..16 and never weaker for a stronger action. */
export function checkThresholds(t: Thresholds): void {
  for (const k of ['notify', 'restrict', 'stop'] as const) {
    if (!Number.isInteger(t[k]) || t[k] < 1 || t[k] > MAX_THRESHOLD) {
      throw new RecallRejectedError('RECALL_POLICY', `recall policy: thresholds.${k}: expected 1..${MAX_THRESHOLD}, got ${String(t[k])}`);
    }
  }
  if (t.notify > t.restrict || t.restrict > t.stop) {
    throw new RecallRejectedError('RECALL_POLICY', `recall policy: expected notify <= restrict <= stop, got ${t.notify}/${t.restrict}/${t.stop}`);
  }
}

export function thresholdFor(t: Thresholds, action: RecallAction): number {
  return t[action];
}

export type PolicyInput = Omit<RecallPolicy, 'v'>;

export async function signPolicy(root: Signer, input: PolicyInput): Promise<Uint8Array> {
  checkThresholds(input.thresholds);
  return signObject(policyKind, { v: PROTOCOL_VERSION, ...input }, root);
}

export interface VerifiedPolicy {
  policy: RecallPolicy;
  bytes: Uint8Array;
}

/** Verifies a policy: signed by a root in the trust store, for that root's country. */
export function verifyPolicy(bytes: Uint8Array, trust: TrustStore, backend: Ed25519Backend = nodeEd25519): VerifiedPolicy {
  let opened;
  try {
    opened = openSign1(policyKind, bytes);
  } catch (err) {
    throw new RecallRejectedError('RECALL_POLICY', `recall policy: ${err instanceof RobotIdError ? err.message : String(err)}`, { cause: err });
  }
  const root = trust.rootByKid(opened.cose.protected.kid!);
  if (!root) throw new RecallRejectedError('RECALL_POLICY', 'recall policy: not signed by a root in the trust store');
  const wrongAlg = algMismatch(opened.cose.protected.alg, rootAlg(root));
  if (wrongAlg) throw new RecallRejectedError('RECALL_POLICY', `recall policy: ${wrongAlg}`, { cause: new TrustError('TRUST_ALG_MISMATCH', wrongAlg) });
  if (!verifyOpened(opened, root.publicKey, backend, rootAlg(root))) throw new RecallRejectedError('RECALL_POLICY', 'recall policy: root signature does not verify');
  const policy = opened.value;
  // A root counts only within its validity and before a rotation superseded it (§"Root rotation").
  const notNow = rootProblemAt(root, policy.issuedAt);
  if (notNow) throw new RecallRejectedError('RECALL_POLICY', `recall policy: ${notNow}`);
  if (policy.country !== root.country) {
    throw new RecallRejectedError('RECALL_POLICY', `recall policy: for country ${policy.country}, signed by the root of ${root.country}`);
  }
  checkThresholds(policy.thresholds);
  return { policy, bytes };
}

/**
 * The one rule for which policy a unit judges a recall by (the robot's store and `robot-id recall
 * verify` both call it): a verified policy of the unit's own country. A policy of another
 * country is refused, never applied: root 87's `stop: 1` must not make a single-signer stop
 * valid for an 86 unit.
 */
export function policyForUnit(bytes: Uint8Array, trust: TrustStore, country: string, backend: Ed25519Backend = nodeEd25519): VerifiedPolicy {
  const verified = verifyPolicy(bytes, trust, backend);
  if (verified.policy.country !== country) {
    throw new RecallRejectedError('RECALL_POLICY', `recall policy: for country ${verified.policy.country}, this unit is of ${country}`);
  }
  return verified;
}
