/**
 * The embedded ingest store: a state directory of files (ingest-state.ts, the device rekeys in
 * rekeys-file.ts, the units' identity records in identities-file.ts), for a single box, `npm start` and tests without services. One
 * process owns the directory at a time.
 *
 * A commit writes and syncs off the event loop, so the ingest goes on verifying while the disk
 * works. What the commit makes durable is fixed in one turn of the event loop when it begins:
 * the frames queued, the rekeys and identity records to keep, and each touched unit's marks,
 * which `committed` names only once the commit's syncs are done. Commits run one at a time.
 * The marks snapshot (every `snapshotBytes` of log) is made in that turn too and written by the
 * commit after its syncs, also off the loop; it is only a cache, so its failure fails nothing.
 */
import type { CommittedMarks, IngestStore, StoredIdentity, StoredRecord, StoredRekey, UnitMarks } from '../../../sdk/index.js';
import type { MessageStore } from './message-log.js';
import { openIngestState, saveSnapshotText, snapshotOf } from './ingest-state.js';
import { appendRekeys, readRekeys } from './rekeys-file.js';
import { appendIdentities, readIdentities } from './identities-file.js';

export interface FilesStoreOptions {
  /** Snapshot the marks after this many new log bytes (default 64 MiB). */
  snapshotBytes?: number;
  /** Told when a snapshot cannot be written, once until one is written again. */
  onSnapshotError?(err: Error): void;
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
  /** Why the last marks snapshot could not be written (cleared by the next that is). */
  snapshotError: Error | undefined;
  private closed = false;
  /** The commit being written (commits run one at a time). */
  private writing: Promise<unknown> = Promise.resolve();
  /**
   * The marks as committed of each unit with entries queued or being written (the marks
   * themselves run ahead of them); a unit absent here has nothing uncommitted.
   */
  private readonly durable = new Map<string, CommittedMarks | undefined>();
  /** Units with entries appended since the last commit began. */
  private touched = new Set<string>();

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

  /** The queued records of a higher version than the one kept, for this commit. */
  private identitiesToKeep(): StoredIdentity[] {
    const best = new Map<string, StoredIdentity>();
    for (const i of this.identitiesQueued) if (Math.max(best.get(i.code)?.recordVersion ?? -1, this.identitiesKept.get(i.code)?.recordVersion ?? -1) < i.recordVersion) best.set(i.code, i);
    this.identitiesQueued = [];
    return [...best.values()];
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
   * The queued rekeys whose event this commit or an earlier one stores (the marks, as the commit
   * begins, are exactly what is durable once it is) and not kept yet, for this commit; the others
   * stay queued.
   */
  private rekeysToKeep(): StoredRekey[] {
    const queued = this.rekeysQueued;
    const fresh = queued.filter((r) => this.marks.get(r.code)?.event.isDuplicate(r.seq) && !this.kept.get(r.code)?.has(r.seq));
    this.rekeysQueued = [];
    return [...new Map(fresh.map((r) => [`${r.code}\u0000${r.seq}`, r])).values()];
  }

  /**
   * Passes over an entry the marks already hold (stored or queued): each (code, stream, seq)
   * once. Called before the marks record the entry (the ingest appends, then advances them).
   */
  append(record: StoredRecord): void {
    const m = this.marks.get(record.code);
    if (m?.[record.stream].isDuplicate(record.seq)) return;
    if (!this.durable.has(record.code)) this.durable.set(record.code, committedOf(m));
    this.touched.add(record.code);
    this.log.append(record);
  }

  get pendingCount(): number {
    return this.log.pendingCount;
  }

  /** One write and fdatasync of the log, then of the rekeys and the identity records, off the event loop. */
  async commit(): Promise<number> {
    const done = this.writing.then(() => this.commitNow());
    this.writing = done.catch(() => undefined);
    return done;
  }

  private async commitNow(): Promise<number> {
    // One turn: what is queued now is what this commit makes durable, the marks as they stand
    // now are what it commits, and the snapshot (when due) is of them.
    const frames = this.log.take();
    const rekeys = this.rekeysToKeep();
    const identities = this.identitiesToKeep();
    const touched = this.touched;
    this.touched = new Set();
    const marks = new Map<string, CommittedMarks | undefined>();
    for (const code of touched) marks.set(code, committedOf(this.marks.get(code)));
    const offset = this.log.offset;
    const snapshot = offset - this.snapshotAt >= (this.options.snapshotBytes ?? 64 << 20) ? snapshotOf(offset, this.marks) : undefined;
    let n: number;
    try {
      n = await this.log.write(frames);
    } catch (err) {
      // Nothing of the batch is durable: it stays queued, ahead of what came since.
      this.log.restore(frames);
      for (const code of touched) this.touched.add(code);
      this.requeue(rekeys, identities);
      throw err;
    }
    // The entries are durable: receipts may name them whatever happens to the files below.
    for (const [code, m] of marks) {
      if (this.touched.has(code)) this.durable.set(code, m);
      else this.durable.delete(code);
    }
    // Each kept in memory only once durable: a failed append leaves it queued.
    let rekeysKept = false;
    try {
      await appendRekeys(this.dir, rekeys);
      for (const r of rekeys) this.keep(r);
      rekeysKept = true;
      await appendIdentities(this.dir, identities);
      for (const i of identities) this.keepIdentity(i);
    } catch (err) {
      this.requeue(rekeysKept ? [] : rekeys, identities);
      throw err;
    }
    if (snapshot) {
      // Only a cache (a missing one means a longer replay at the next open): a failed write
      // fails nothing the commit made durable, and is tried again at the next commit.
      try {
        await saveSnapshotText(this.dir, snapshot);
        this.snapshotAt = offset;
        this.snapshotError = undefined;
      } catch (err) {
        const first = this.snapshotError === undefined;
        this.snapshotError = err instanceof Error ? err : new Error(String(err));
        if (first) this.options.onSnapshotError?.(this.snapshotError);
      }
    }
    return n;
  }

  /** What a failed commit took goes back, ahead of what was queued since. */
  private requeue(rekeys: StoredRekey[], identities: StoredIdentity[]): void {
    this.rekeysQueued = [...rekeys, ...this.rekeysQueued];
    this.identitiesQueued = [...identities, ...this.identitiesQueued];
  }

  /** The marks as of the last commit (a unit with nothing uncommitted: the marks themselves). */
  committed(code: string): CommittedMarks | undefined {
    return this.durable.has(code) ? this.durable.get(code) : committedOf(this.marks.get(code));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    await this.commitNow();
    if (this.snapshotAt !== this.log.offset) await saveSnapshotText(this.dir, snapshotOf(this.log.offset, this.marks));
    this.log.close();
  }
}

function committedOf(m: UnitMarks | undefined): CommittedMarks | undefined {
  if (!m) return undefined;
  return { event: m.event.contiguous, ack: m.ack.contiguous, ...(m.event.contiguous > 0 ? { head: m.event.head } : {}) };
}

export function openFilesStore(dir: string, options?: FilesStoreOptions): FilesIngestStore {
  return new FilesIngestStore(dir, options);
}
