/**
 * What the fleet ingest keeps, behind one interface (docs/protocol.md §"Delivery and
 * exactly-once"): the verified events and acks exactly as received, each unit's sequence
 * marks, and the device rekeys the stored `rekeyed` events announced (§"Device rekey"). The ingest verifies; a store only keeps. Implementations (files, PostgreSQL) live
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

/**
 * A device rekey as the ingest verified it from a unit's `rekeyed` event at `seq`
 * (docs/protocol.md §"Device rekey", R4 on the platform): entries of `code` below `seq` are
 * verified under `previous`, `seq` and later under `record`. A store keeps it only with its
 * event: committed in the same commit as the event, or after it.
 */
export interface StoredRekey {
  code: string;
  /** Seq of the `rekeyed` event. */
  seq: number;
  /** The identity record in force before the rekey, and the new one, as signed. */
  previous: Uint8Array;
  record: Uint8Array;
  /** The highest ack seq the previous key signed. */
  ackSeq: number;
}

/**
 * A unit's identity record as an ingest verified it (from the wire or a maker's registry): what
 * lets a worker verify the unit's messages without the retained identity topic. The store keeps
 * one per code, and a record replaces the kept one only with a higher recordVersion (no rollback).
 * A store does not verify: whoever reads it verifies each record again.
 */
export interface StoredIdentity {
  code: string;
  /** The record as signed. */
  record: Uint8Array;
  recordVersion: number;
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
  /**
   * Queues a verified entry for the next commit. The ingest appends an entry before it records
   * it in `marks`, so a store may read there what was committed before it.
   */
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
  /**
   * Queues a rekey for the next commit, which keeps it in the same transaction as its
   * `rekeyed` event (files: synced right after the entries), and only if that event is then
   * stored (this commit's or an earlier one's). A rekey already kept is not kept again.
   */
  appendRekey(rekey: StoredRekey): void;
  /**
   * The rekeys of `code` committed, other processes' included, in seq order. The ingest asks
   * only when a shared store's unit signs with a key it does not know (another worker may have
   * stored the announcement), never per message.
   */
  rekeys(code: string): Promise<StoredRekey[]>;
  /**
   * Entries the last commits passed over because the store holds a rekey of their unit that
   * this process has not met (another worker's): they were judged under a record the rekey may
   * have superseded. The ingest reads the unit's rekeys and judges them again. Once each.
   */
  takeUnjudged(): StoredRecord[];
  /**
   * Queues a verified identity record for the next commit (which may hold no entries). The commit
   * keeps it only if the store holds no record of its code or one with a lower recordVersion
   * (whichever process stored that); otherwise it is passed over.
   */
  appendIdentity(identity: StoredIdentity): void;
  /**
   * The identity records kept for `codes` (one query; codes without one are absent from the
   * answer), other processes' and imports' included. The ingest asks only for codes it does not
   * know, in batches, never per message; it verifies each record again. A store whose records
   * are all read at open (files: no other process writes them) does not have it.
   */
  lookupIdentities?(codes: readonly string[]): Promise<StoredIdentity[]>;
  /** Whether other processes commit to this store at the same time (PostgreSQL: yes; files: no). */
  readonly shared: boolean;
  /** Commits what is queued and releases the store. */
  close(): Promise<void>;
  /**
   * What opening the store found: entries replayed, bytes of torn tail cut off (files), and
   * every rekey committed, in (code, seq) order, and every unit's identity record kept, in code
   * order (not verified: the reader verifies them).
   */
  readonly opened: { replayed: number; truncated: number; rekeys: readonly StoredRekey[]; identities: readonly StoredIdentity[] };
}
