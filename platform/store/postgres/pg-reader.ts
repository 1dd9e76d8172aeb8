/** Reads the ingest's entries from PostgreSQL (StoreReader), in the order they were stored. */
import type { StoredIdentity, StoredRecord, StoredStream } from '../../../sdk/index.js';
import type { StoreReader, StoredFilter } from '../reader.js';
import { dbError, type Db } from './connect.js';

const STREAM_OF: readonly StoredStream[] = ['event', 'ack'];

export class PostgresStoreReader implements StoreReader {
  constructor(readonly db: Db) {}

  async records(filter: StoredFilter = {}): Promise<StoredRecord[]> {
    try {
      const r = await this.db.pool.query<{ code: string; stream: number; seq: string; hash: Buffer; prev_hash: Buffer; bytes: Buffer }>(
        `SELECT code, stream, seq, hash, prev_hash, bytes FROM ingest_messages
         WHERE ($1::text IS NULL OR code = $1) AND ($2::smallint IS NULL OR stream = $2) ORDER BY ord`,
        [filter.code ?? null, filter.stream === undefined ? null : filter.stream === 'event' ? 0 : 1],
      );
      return r.rows.map((x) => ({ code: x.code, stream: STREAM_OF[x.stream]!, seq: Number(x.seq), hash: new Uint8Array(x.hash), prevHash: new Uint8Array(x.prev_hash), bytes: new Uint8Array(x.bytes) }));
    } catch (err) {
      throw dbError(err, this.db.url);
    }
  }

  /** The units' identity records as stored (unit_identities), unverified: judge them before use (judgeStoredIdentities). */
  async identities(): Promise<StoredIdentity[]> {
    try {
      const r = await this.db.pool.query<{ code: string; record: Buffer; record_version: string }>('SELECT code, record, record_version FROM unit_identities ORDER BY code');
      return r.rows.map((x) => ({ code: x.code, record: new Uint8Array(x.record), recordVersion: Number(x.record_version) }));
    } catch (err) {
      throw dbError(err, this.db.url);
    }
  }
}
