/** The platform's services over the SDK: ingest stores and publisher stores (files, PostgreSQL) and the ingest on a broker. */
export { connectIngest, INGEST_CHANNELS, type IngestConnection, type IngestMqttOptions } from './ingest/mqtt.js';
export { FilesIngestStore, openFilesStore, type FilesStoreOptions } from './store/files/files-store.js';
export { MessageStore, scanStore, encodeFrame } from './store/files/message-log.js';
export { openIngestState, saveSnapshot, STORE_FILE, MARKS_FILE } from './store/files/ingest-state.js';
export { readStoredRecords } from './store/files/read-records.js';
export { REKEYS_FILE, readRekeys } from './store/files/rekeys-file.js';
export { FilesPublisherStore } from './store/files/publisher-files.js';
export { PgPublisherStore, PUBLISHER_CHANNEL } from './store/postgres/publisher-pg.js';
export { followPublisherRevocations, DEFAULT_REVOCATIONS_CHECK_MS, type RevocationsFollower, type FollowOptions } from './store/postgres/publisher-revocations.js';
export { openPublisherStore, type PublisherStateLocation } from './store/open-publisher.js';
