/** Every entry of a files store, in the order stored (for the traced history and acks). */
import { join } from 'node:path';
import type { StoredRecord } from '../../../sdk/index.js';
import { STORE_FILE } from './ingest-state.js';
import { scanStore } from './message-log.js';

export function readStoredRecords(dir: string): StoredRecord[] {
  const out: StoredRecord[] = [];
  scanStore(join(dir, STORE_FILE), 0, (r) => out.push(r));
  return out;
}
