/** What a platform runs: the fleet ingest and receipt issuing (recall publishing lives beside it). */
export { FleetIngest, type IngestOptions, type ReceiptSigner } from './ingest.js';
export { IdentityDirectory, readRegistry, type RegistryEntry, type RegistryLoad } from './identities.js';
export { judgeStoredIdentities, type StoredIdentityProblem } from './store-identities.js';
export { PresenceTracker, type UnitPresence } from './presence.js';
export { StreamMark, type Linked, type LostRange, type MarkJson } from './marks.js';
export { storedLost } from './lost.js';
export { newUnitMarks, type IngestStore, type CommittedMarks, type StoredRecord, type StoredRekey, type StoredIdentity, type StoredStream, type UnitMarks } from './ingest-store.js';
export type { IngestEvents, IngestMessage, IngestRejection, IngestGap, IngestLost, IngestChainBreak, IngestPresence, IngestReceipt, IngestScrapped, WireKind } from './events.js';
export { unitHistory, type UnitHistory, type HistoryEntry, type HistoryOrder, type HistoryInput } from './history.js';
export { appendRecyclingRecord, recyclingRecordsOf, RECYCLING_FILE } from './recycling-records.js';
export { KeyEpochs } from './rekeys.js';
export type { IngestRekeyed, IngestLookup, IngestLookupQuery } from './events.js';
export { LOOKUP_DEFAULTS, type IdentityLookupOptions } from './identity-lookups.js';
export { PreVerifier, sign1Parts, type SignatureClaim } from './preverify.js';
