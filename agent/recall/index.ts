/** The robot side of recalls: durable store, verification pipeline, overlay, local action, acks. */
export { RecallHandler, ACKNOWLEDGED_REJECTIONS, type RecallHandlerDeps, type NoticeResult, type RecallStatusReport } from './handler.js';
export { RecallStore, RECALL_STORE_FORMAT, RECALL_STORE_FILES } from './store.js';
export { runAction, ACTION_ENV } from './action-runner.js';
export { writeStateFile, STATE_FILE_FORMAT, type EnforcementState } from './state-file.js';
export { RecallStoreError, type RecallStoreErrorCode } from './errors.js';
export type { AckSink, ActionOutcome, ActionFailure, ActionRun, ActiveRecall, RecallActionConfig, RecallProgramAction, RecallStateFileAction, RecallLog, RecallRecord } from './types.js';
