/// <reference types="node" preserve="true" />
// The SDK's declarations name Node's types (Buffer, node:crypto): a consumer type-checks
// against them without listing "node" in its own `types`.
/**
 * The public entry point of the robot-id SDK. Exports only; no side effects at import time.
 * The agent and the CLI import the SDK through this file alone.
 */
export * from './errors.js';
export * from './version.js';
export * from './cbor/index.js';
export * from './crypto/index.js';
export * from './cose/index.js';
export * from './code/index.js';
export * from './keys/index.js';
export { writeFileAtomicSync, fsyncDirectory, type AtomicWriteOptions } from './util/atomic-file.js';
export { writeFileAtomic } from './util/atomic-file-async.js';
export { Fifo } from './util/fifo.js';
export { threadPays, type ThreadPaysOptions } from './util/thread-pays.js';
export * from './trust/index.js';
export * from './authority/index.js';
export * from './provision/index.js';
export * from './topics.js';
export * from './messages/index.js';
export * from './lifecycle/index.js';
export * from './attestation/index.js';
export * from './qr/index.js';
export * from './label/index.js';
export * from './broker/index.js';
export * from './recall-index/index.js';
export * from './recall/index.js';
export * from './rekey/index.js';
export { RecallPublisher, DEFAULT_INDEX_LIFETIME_SECONDS, type RetainedTransport, type PublisherOptions, type PublishResult, type WeakenedRecall } from './platform/recall-publisher.js';
export {
  IndexState,
  INDEX_STATE_FORMAT,
  emptyStateJson,
  parseStateJson,
  checkStateJson,
  type RecallRecord,
  type ScopeRecord,
  type IndexStateJson,
  type NoticeFacts,
  type StateBlobs,
  type PendingChanges,
} from './platform/index-state.js';
export { readExisting, type AfterCommit, type PublisherStore } from './platform/publisher-store.js';
export { scopesOfTarget } from './platform/recall-scopes.js';
export { revokeScrapped } from './platform/scrapped.js';
export * from './platform/index.js';
export { campaignStatus, UNIT_STATES, type UnitState, type UnitStatus, type CampaignStatus, type CampaignInput } from './platform/campaign-status.js';
export { checkRotationChain } from './platform/rotations.js';
