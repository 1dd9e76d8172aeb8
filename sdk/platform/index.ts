/** What a platform runs: the fleet ingest and receipt issuing (recall publishing lives beside it). */
export { FleetIngest, type IngestOptions, type ReceiptSigner } from './ingest.js';
export { connectIngest, INGEST_CHANNELS, type IngestConnection, type IngestMqttOptions } from './mqtt.js';
export { IdentityDirectory, readRegistry, type RegistryEntry, type RegistryLoad } from './identities.js';
export { PresenceTracker, type UnitPresence } from './presence.js';
export { StreamMark, type Linked, type LostRange } from './marks.js';
export { MessageStore, scanStore, encodeFrame, type StoredRecord, type StoredStream } from './store.js';
export { openIngestState, STORE_FILE, MARKS_FILE } from './ingest-state.js';
export type { IngestEvents, IngestMessage, IngestRejection, IngestGap, IngestLost, IngestChainBreak, IngestPresence, IngestReceipt, IngestScrapped, WireKind } from './events.js';
export { unitHistory, type UnitHistory, type HistoryEntry, type HistoryOrder, type HistoryInput } from './history.js';
export { appendRecyclingRecord, recyclingRecordsOf, RECYCLING_FILE } from './recycling-records.js';
export { REKEYS_FILE, KeyEpochs, type RekeyLine } from './rekeys.js';
export type { IngestRekeyed } from './events.js';
