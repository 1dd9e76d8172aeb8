export { RecallSync, type RecallSyncDeps } from './sync.js';
export { IndexMarks, type Mark, type HeldMark } from './marks.js';
export { freshness, type Freshness, type FreshnessInput, type ScopeView } from './freshness.js';
export type { SyncLink, NoticeSink, RecallSyncStatus, IndexRejection, HeldIndexStatus, SyncLog } from './types.js';
export { recallsModule } from './module.js';
