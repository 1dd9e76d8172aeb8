/**
 * The embedded ingest store: a state directory of files (ingest-state.ts), for a single box,
 * `npm start` and tests without services. One process owns the directory at a time.
 */
import type { CommittedMarks, IngestStore, StoredRecord, UnitMarks } from '../../../sdk/index.js';
import type { MessageStore } from './message-log.js';
import { openIngestState, saveSnapshot } from './ingest-state.js';

export interface FilesStoreOptions {
  /** Snapshot the marks after this many new log bytes (default 64 MiB). */
  snapshotBytes?: number;
}

export class FilesIngestStore implements IngestStore {
  readonly marks: Map<string, UnitMarks>;
  readonly opened: { replayed: number; truncated: number };
  private readonly log: MessageStore;
  private snapshotAt: number;
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly options: FilesStoreOptions = {},
  ) {
    const st = openIngestState(dir);
    this.log = st.store;
    this.marks = st.marks;
    this.opened = { replayed: st.replayed, truncated: st.truncated };
    this.snapshotAt = st.store.offset;
  }

  /** Passes over an entry the marks already hold (stored or queued): each (code, stream, seq) once. */
  append(record: StoredRecord): void {
    if (this.marks.get(record.code)?.[record.stream].isDuplicate(record.seq)) return;
    this.log.append(record);
  }

  get pendingCount(): number {
    return this.log.pendingCount;
  }

  /** One write and fdatasync; synchronous inside, so nothing is appended between the sync and the marks read after it. */
  async commit(): Promise<number> {
    const n = this.log.flush();
    if (this.log.offset - this.snapshotAt >= (this.options.snapshotBytes ?? 64 << 20)) {
      saveSnapshot(this.dir, this.log.offset, this.marks);
      this.snapshotAt = this.log.offset;
    }
    return n;
  }

  /**
   * The marks as they stand: with nothing pending (right after `commit`, in the same turn of
   * the event loop) they are exactly what is durable.
   */
  committed(code: string): CommittedMarks | undefined {
    const m = this.marks.get(code);
    if (!m) return undefined;
    return { event: m.event.contiguous, ack: m.ack.contiguous, ...(m.event.contiguous > 0 ? { head: m.event.head } : {}) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.log.flush();
    saveSnapshot(this.dir, this.log.offset, this.marks);
    this.log.close();
  }
}

export function openFilesStore(dir: string, options?: FilesStoreOptions): FilesIngestStore {
  return new FilesIngestStore(dir, options);
}
