/** Recall notices: schema, targets, policy, signing, verification, acknowledgement. Exports only. */
export {
  recallKind,
  recallSchema,
  checkNoticeShape,
  resolvesFor,
  actionRank,
  RECALL_ACTIONS,
  RECALL_STATUSES,
  RECALL_ID,
  RECALL_MAX_BYTES,
  RECALL_TEXT_MAX,
  type RecallNotice,
  type RecallAction,
  type RecallStatus,
} from './notice.js';
export { targetSchema, targetShape, targetMatches, outsideEnterprise, outsideCountry, MAX_TARGET_CODES, type RecallTarget, type TargetShape } from './target.js';
export {
  policyKind,
  policySchema,
  signPolicy,
  verifyPolicy,
  policyForUnit,
  transferRuleOf,
  overlapOf,
  DEFAULT_OVERLAP_S,
  checkThresholds,
  thresholdFor,
  DEFAULT_THRESHOLDS,
  MAX_THRESHOLD,
  POLICY_MAX_BYTES,
  type RecallPolicy,
  type Thresholds,
  type PolicyInput,
  type VerifiedPolicy,
} from './policy.js';
export { signRecall, cosignRecall, type RecallInput } from './sign.js';
export { openRecall, checkRecall, verifyRecallNotice, DEFAULT_MAX_LIFETIME_SECONDS, type RecallCheck, type VerifiedRecall, type PreviousRevision } from './verify.js';
export { recallAckKind, recallAckSchema, signRecallAck, verifyRecallAck, ACK_STATUSES, type RecallAck, type AckStatus } from './ack.js';
export { noticeFromJson, noticeToJson, parseTime } from './json.js';
