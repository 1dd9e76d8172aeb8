/**
 * The embedded ingest store: a state directory of files (ingest-state.ts, the device rekeys in
 * rekeys-file.ts, the units' identity records in identities-file.ts), for a single box, `npm start` and tests without services. One
 * process owns the directory at a time.
 */
import type { CommittedMarks, IngestStore, StoredIdentity, StoredRecord, StoredRekey, UnitMarks } from '../../../sdk/index.js';
import type { MessageStore } from './message-log.js';
import { openIngestState, saveSnapshot } from './ingest-state.js';
import { appendRekeys, readRekeys } from './rekeys-file.js';
import { appendIdentities, readIdentities } from './identities-file.js';

export interface FilesStoreOptions {
  /** Snapshot the marks after this many new log bytes (default 64 MiB). */
  snapshotBytes?: number;
}

export class FilesIngestStore implements IngestStore {
  readonly marks: Map<string, UnitMarks>;
  readonly opened: { replayed: number; truncated: number; rekeys: readonly StoredRekey[]; identities: readonly StoredIdentity[] };
  readonly shared = false;
  private readonly log: MessageStore;
  /** Every rekey kept, by code then seq (the file, read once: this process owns it). */
  private readonly kept = new Map<string, Map<number, StoredRekey>>();
  private rekeysQueued: StoredRekey[] = [];
  /** The identity record kept per code (highest version), and those queued. */
  private readonly identitiesKept = new Map<string, StoredIdentity>();
  private identitiesQueued: StoredIdentity[] = [];
  private snapshotAt: number;
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly options: FilesStoreOptions = {},
  ) {
    const st = openIngestState(dir);
    this.log = st.store;
    this.marks = st.marks;
    const rekeys = readRekeys(dir);
    for (const r of rekeys) this.keep(r);
    for (const i of readIdentities(dir)) this.keepIdentity(i);
    const identities = [...this.identitiesKept.values()].sort((x, y) => (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
    this.opened = { replayed: st.replayed, truncated: st.truncated, identities, rekeys: [...this.kept.values()].flatMap((m) => [...m.values()]).sort((x, y) => (x.code === y.code ? x.seq - y.seq : x.code < y.code ? -1 : 1)) };
    this.snapshotAt = st.store.offset;
  }

  private keep(r: StoredRekey): boolean {
    let byCode = this.kept.get(r.code);
    if (!byCode) this.kept.set(r.code, (byCode = new Map()));
    if (byCode.has(r.seq)) return false;
    byCode.set(r.seq, r);
    return true;
  }

  private keepIdentity(i: StoredIdentity): boolean {
    if ((this.identitiesKept.get(i.code)?.recordVersion ?? -1) >= i.recordVersion) return false;
    this.identitiesKept.set(i.code, i);
    return true;
  }

  appendIdentity(identity: StoredIdentity): void {
    this.identitiesQueued.push(identity);
  }

  /** The queued records of a higher version than the one kept, in one append and fdatasync. */
  private commitIdentities(): number {
    const best = new Map<string, StoredIdentity>();
    for (const i of this.identitiesQueued) if (Math.max(best.get(i.code)?.recordVersion ?? -1, this.identitiesKept.get(i.code)?.recordVersion ?? -1) < i.recordVersion) best.set(i.code, i);
    // Kept in memory only once durable: a failed append leaves them queued.
    appendIdentities(this.dir, [...best.values()]);
    for (const i of best.values()) this.keepIdentity(i);
    this.identitiesQueued = [];
    return best.size;
  }

  appendRekey(rekey: StoredRekey): void {
    this.rekeysQueued.push(rekey);
  }

  /** None: one process owns the directory, so every rekey kept is one its ingest met. */
  takeUnjudged(): StoredRecord[] {
    return [];
  }

  async rekeys(code: string): Promise<StoredRekey[]> {
    return [...(this.kept.get(code)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  /**
   * After the log's sync: the queued rekeys whose event is stored (the marks, with nothing
   * pending, are exactly what is durable) and not kept yet, in one append and fdatasync.
   */
  private commitRekeys(): void {
    const queued = this.rekeysQueued;
    const fresh = queued.filter((r) => this.marks.get(r.code)?.event.isDuplicate(r.seq) && !this.kept.get(r.code)?.has(r.seq));
    const unique = [...new Map(fresh.map((r) => [`${r.code}\u0000${r.seq}`, r])).values()];
    appendRekeys(this.dir, unique);
    for (const r of unique) this.keep(r);
    this.rekeysQueued = this.rekeysQueued.slice(queued.length);
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
    this.commitRekeys();
    this.commitIdentities();
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
    this.commitRekeys();
    this.commitIdentities();
    saveSnapshot(this.dir, this.log.offset, this.marks);
    this.log.close();
  }
}

export function openFilesStore(dir: string, options?: FilesStoreOptions): FilesIngestStore {
  return new FilesIngestStore(dir, options);
}
