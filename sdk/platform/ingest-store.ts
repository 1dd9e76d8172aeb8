/**
 * What the fleet ingest keeps, behind one interface (docs/protocol.md §"Delivery and
 * exactly-once"): the verified events and acks exactly as received, and each unit's sequence
 * marks. The ingest verifies; a store only keeps. Implementations (files, PostgreSQL) live
 * with the platform's services (platform/store/), never in the SDK.
 */
import { StreamMark } from './marks.js';

export type StoredStream = 'event' | 'ack';

export interface StoredRecord {
  code: string;
  stream: StoredStream;
  seq: number;
  hash: Uint8Array;
  prevHash: Uint8Array;
  bytes: Uint8Array;
}

export type UnitMarks = Record<StoredStream, StreamMark>;

export function newUnitMarks(): UnitMarks {
  return { event: new StreamMark(), ack: new StreamMark() };
}

/** What a receipt may name for a unit: only what is committed. */
export interface CommittedMarks {
  event: number;
  ack: number;
  /** The hash of the event at `event` (absent at 0). */
  head?: Uint8Array;
}

export interface IngestStore {
  /**
   * Every unit's marks as this process knows them: what is committed plus what is appended
   * and not committed yet. The ingest judges duplicates and gaps against them and advances
   * them as it appends. A store shared by several processes refreshes the units of each
   * commit from what is committed, other processes' entries included.
   */
  readonly marks: Map<string, UnitMarks>;
  /** Queues a verified entry for the next commit. */
  append(record: StoredRecord): void;
  /** Entries appended and not committed yet. */
  readonly pendingCount: number;
  /**
   * Makes every queued entry durable in one transaction (files: one write and fdatasync).
   * An entry whose (code, stream, seq) is already stored is not stored again. Resolves with
   * the number of entries newly stored. `owed`: units about to be named in receipts, whose
   * committed marks a shared store reads again. When it rejects, nothing of the batch is
   * committed and the entries stay queued for the next commit.
   */
  commit(owed?: ReadonlySet<string>): Promise<number>;
  /** The marks a receipt may name for `code`, as of the last commit. */
  committed(code: string): CommittedMarks | undefined;
  /** Commits what is queued and releases the store. */
  close(): Promise<void>;
  /** What opening the store found: entries replayed, bytes of torn tail cut off (files). */
  readonly opened: { replayed: number; truncated: number };
}
