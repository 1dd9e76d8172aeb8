/**
 * Reading what the ingest stored, whichever store holds it: the traced history, `recall
 * status` (acks) and the tests' exactly-once checks read through this.
 */
import type { StoredRecord, StoredStream } from '../../sdk/index.js';

export interface StoredFilter {
  code?: string;
  stream?: StoredStream;
}

export interface StoreReader {
  /** The entries stored, in the order stored; each (code, stream, seq) once. */
  records(filter?: StoredFilter): Promise<StoredRecord[]>;
}
