/** Reads a files store (StoreReader over messages.log). */
import type { StoredRecord } from '../../../sdk/index.js';
import type { StoreReader, StoredFilter } from '../reader.js';
import { readStoredRecords } from './read-records.js';

export class FilesStoreReader implements StoreReader {
  constructor(readonly dir: string) {}

  async records(filter: StoredFilter = {}): Promise<StoredRecord[]> {
    return readStoredRecords(this.dir).filter((r) => (filter.code === undefined || r.code === filter.code) && (filter.stream === undefined || r.stream === filter.stream));
  }
}
