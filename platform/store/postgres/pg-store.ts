/**
 * The ingest store on PostgreSQL (docs/operations.md §"Running the platform on PostgreSQL"),
 * shared by any number of ingest workers. A commit is one transaction per batch: it locks the
 * marks rows of the batch's unit streams in one order (so two workers never deadlock and
 * never advance one unit's marks at once), inserts the entries once by (code, stream, seq),
 * advances the marks by the entries that were new and saves them, and keeps the device
 * rekeys the batch announced (ingest_rekeys, only with their stored `rekeyed` event) and the
 * identity records verified since the last commit (unit_identities, higher versions only). Only
 * then are receipts signed, naming the marks that transaction committed.
 */
import { EventEmitter } from 'node:events';
import { StreamMark, newUnitMarks, storedLost, toHex, type CommittedMarks, type IngestChainBreak, type IngestGap, type IngestStore, type MarkJson, type StoredIdentity, type StoredRecord, type StoredRekey, type StoredStream, type UnitMarks } from '../../../sdk/index.js';
import type { Db } from './connect.js';
import { dbError } from './connect.js';
import { requireSchema } from './migrate.js';

const STREAM_ID: Record<StoredStream, number> = { event: 0, ack: 1 };
const STREAM_OF: readonly StoredStream[] = ['event', 'ack'];
/** Deadlock and serialization failures: the transaction is simply run again. */
const RETRY = new Set(['40P01', '40001']);

interface RekeyRow {
  code: string;
  seq: string;
  previous: Buffer;
  record: Buffer;
  ack_seq: string;
}
const REKEY_COLUMNS = 'code, seq, previous, record, ack_seq';
const rekeyOf = (r: RekeyRow): StoredRekey => ({ code: r.code, seq: Number(r.seq), previous: new Uint8Array(r.previous), record: new Uint8Array(r.record), ackSeq: Number(r.ack_seq) });

interface IdentityRow {
  code: string;
  record: Buffer;
  record_version: string;
}
const identityOf = (r: IdentityRow): StoredIdentity => ({ code: r.code, record: new Uint8Array(r.record), recordVersion: Number(r.record_version) });

function committedOf(m: UnitMarks): CommittedMarks {
  return { event: m.event.contiguous, ack: m.ack.contiguous, ...(m.event.contiguous > 0 ? { head: m.event.head } : {}) };
}

/**
 * What a commit found, judged against the marks as committed by every worker (a worker's own
 * `gap` and `chain` events are judged against the marks it knows, which may lag).
 */
export interface StoreEvents {
  gap: [IngestGap];
  chain: [IngestChainBreak];
}

export class PostgresIngestStore extends EventEmitter<StoreEvents> implements IngestStore {
  readonly marks = new Map<string, UnitMarks>();
  readonly opened: { replayed: number; truncated: number; rekeys: readonly StoredRekey[]; identities: readonly StoredIdentity[] } = { replayed: 0, truncated: 0, rekeys: [], identities: [] };
  readonly shared = true;
  readonly stats = { commits: 0, retries: 0, stored: 0, alreadyStored: 0, rekeysStored: 0, rekeyReads: 0, identitiesStored: 0, identityLookups: 0 };
  private readonly committedMarks = new Map<string, CommittedMarks>();
  private pending: StoredRecord[] = [];
  private rekeysPending: StoredRekey[] = [];
  private identitiesPending: StoredIdentity[] = [];
  /** The rekeys this process's ingest has met (opened, appended, read): `${code}\u0000${seq}`. */
  private readonly rekeysKnown = new Set<string>();
  /** Entries commits passed over, to be judged again (`takeUnjudged`). */
  private unjudged: StoredRecord[] = [];

  private constructor(readonly db: Db) {
    super();
  }

  /** Checks the schema, then loads every unit's committed marks. */
  static async open(db: Db): Promise<PostgresIngestStore> {
    await requireSchema(db);
    const s = new PostgresIngestStore(db);
    try {
      const rows = await db.pool.query<{ code: string; stream: number; mark: MarkJson }>('SELECT code, stream, mark FROM ingest_marks');
      for (const r of rows.rows) s.setCommitted(r.code, STREAM_OF[r.stream]!, r.mark);
      for (const [code, m] of s.marks) s.committedMarks.set(code, committedOf(m));
      s.opened.rekeys = (await db.pool.query<RekeyRow>(`SELECT ${REKEY_COLUMNS} FROM ingest_rekeys ORDER BY code, seq`)).rows.map(rekeyOf);
      for (const r of s.opened.rekeys) s.rekeysKnown.add(`${r.code}\u0000${r.seq}`);
      s.opened.identities = (await db.pool.query<IdentityRow>('SELECT code, record, record_version FROM unit_identities ORDER BY code')).rows.map(identityOf);
      // Nothing is replayed or cut: the marks are read as the last transaction saved them.
    } catch (err) {
      throw dbError(err, db.url);
    }
    return s;
  }

  private unit(code: string): UnitMarks {
    let m = this.marks.get(code);
    if (!m) this.marks.set(code, (m = newUnitMarks()));
    return m;
  }

  private setCommitted(code: string, stream: StoredStream, mark: MarkJson): void {
    this.unit(code)[stream] = StreamMark.fromJSON(mark);
  }

  append(record: StoredRecord): void {
    this.pending.push(record);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  appendRekey(rekey: StoredRekey): void {
    this.rekeysKnown.add(`${rekey.code}\u0000${rekey.seq}`);
    this.rekeysPending.push(rekey);
  }

  appendIdentity(identity: StoredIdentity): void {
    this.identitiesPending.push(identity);
  }

  takeUnjudged(): StoredRecord[] {
    return this.unjudged.splice(0);
  }

  async rekeys(code: string): Promise<StoredRekey[]> {
    this.stats.rekeyReads++;
    try {
      const rows = (await this.db.pool.query<RekeyRow>(`SELECT ${REKEY_COLUMNS} FROM ingest_rekeys WHERE code = $1 ORDER BY seq`, [code])).rows.map(rekeyOf);
      for (const r of rows) this.rekeysKnown.add(`${r.code}\u0000${r.seq}`);
      return rows;
    } catch (err) {
      throw dbError(err, this.db.url);
    }
  }

  async lookupIdentities(codes: readonly string[]): Promise<StoredIdentity[]> {
    this.stats.identityLookups++;
    try {
      // By the primary key of unit_identities (migration 0005): one index probe per code.
      return (await this.db.pool.query<IdentityRow>('SELECT code, record, record_version FROM unit_identities WHERE code = ANY($1::text[])', [codes])).rows.map(identityOf);
    } catch (err) {
      throw dbError(err, this.db.url);
    }
  }

  async commit(owed?: ReadonlySet<string>): Promise<number> {
    const batch = this.pending;
    const rekeys = this.rekeysPending;
    const identities = this.identitiesPending;
    this.pending = [];
    this.rekeysPending = [];
    this.identitiesPending = [];
    if (batch.length === 0 && rekeys.length === 0 && identities.length === 0 && !owed?.size) return 0;
    let result: Awaited<ReturnType<PostgresIngestStore['transaction']>>;
    for (let attempt = 0; ; attempt++) {
      try {
        result = await this.transaction(batch, rekeys, identities, owed);
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code && RETRY.has(code) && attempt < 5) {
          this.stats.retries++;
          continue;
        }
        // Nothing of the batch is committed: it goes first into the next commit.
        this.pending = batch.concat(this.pending);
        this.rekeysPending = rekeys.concat(this.rekeysPending);
        this.identitiesPending = identities.concat(this.identitiesPending);
        throw dbError(err, this.db.url);
      }
    }
    this.stats.commits++;
    this.unjudged.push(...result.unjudged);
    this.stats.stored += result.stored;
    this.stats.rekeysStored += result.rekeys;
    this.stats.identitiesStored += result.identities;
    for (const g of result.gaps) this.emit('gap', g);
    for (const c of result.breaks) this.emit('chain', c);
    this.stats.alreadyStored += batch.length - result.stored;
    // The marks as committed (other workers' entries included), then what was appended since.
    for (const [key, mark] of result.marks) {
      const [code, s] = [key.slice(0, -2), key.slice(-1)];
      this.setCommitted(code, STREAM_OF[Number(s)]!, mark);
    }
    const touched = new Set<string>();
    for (const key of result.marks.keys()) touched.add(key.slice(0, -2));
    for (const code of touched) this.committedMarks.set(code, committedOf(this.unit(code)));
    for (const r of this.pending) {
      if (!touched.has(r.code)) continue;
      const mark = this.unit(r.code)[r.stream];
      if (!mark.isDuplicate(r.seq)) mark.record(r.seq, r, false, r.stream === 'event' ? storedLost(r.bytes) : undefined);
    }
    return result.stored;
  }

  /** One batch in one transaction; returns how many entries were new and the marks after it. */
  private async transaction(
    batch: StoredRecord[],
    rekeys: StoredRekey[],
    identities: StoredIdentity[],
    owed?: ReadonlySet<string>,
  ): Promise<{ stored: number; rekeys: number; identities: number; unjudged: StoredRecord[]; marks: Map<string, MarkJson>; gaps: IngestGap[]; breaks: IngestChainBreak[] }> {
    // One entry per key, in key order: the order every worker takes its locks in.
    const byKey = new Map<string, StoredRecord>();
    for (const r of batch) byKey.set(`${r.code}\u0000${STREAM_ID[r.stream]}\u0000${String(r.seq).padStart(16, '0')}`, r);
    const rows = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
    const streams = [...new Set(rows.map((r) => `${r.code}\u0000${STREAM_ID[r.stream]}`))].sort();
    const sCodes = streams.map((k) => k.split('\u0000')[0]!);
    const sIds = streams.map((k) => Number(k.split('\u0000')[1]));
    const c = await this.db.pool.connect();
    try {
      await c.query('BEGIN');
      const marks = new Map<string, MarkJson>();
      const gaps: IngestGap[] = [];
      const breaks: IngestChainBreak[] = [];
      let stored = 0;
      let unjudged: StoredRecord[] = [];
      if (rows.length > 0) {
        await c.query(
          `INSERT INTO ingest_marks (code, stream, contiguous, mark)
           SELECT u.code, u.stream, 0, $3::jsonb FROM unnest($1::text[], $2::smallint[]) AS u(code, stream)
           ON CONFLICT DO NOTHING`,
          [sCodes, sIds, JSON.stringify(new StreamMark().toJSON())],
        );
        const locked = await c.query<{ code: string; stream: number; mark: MarkJson }>(
          `SELECT m.code, m.stream, m.mark FROM ingest_marks m JOIN unnest($1::text[], $2::smallint[]) AS u(code, stream)
             ON m.code = u.code AND m.stream = u.stream
           ORDER BY m.code, m.stream FOR UPDATE OF m`,
          [sCodes, sIds],
        );
        const current = new Map<string, StreamMark>();
        for (const r of locked.rows) current.set(`${r.code}\u0000${r.stream}`, StreamMark.fromJSON(r.mark));
        // A rekey another worker committed that this one has not met: its entries of that unit
        // were judged under a record the rekey may have superseded (an old key's copy signing
        // past the rekey). They are not stored now but judged again once the rekey is read.
        // Read after the marks locks, so a rekey stored with its event by a transaction holding
        // the unit's event marks is seen here.
        const codes = [...new Set(rows.map((r) => r.code))];
        const had = await c.query<{ code: string; seq: string }>('SELECT code, seq FROM ingest_rekeys WHERE code = ANY($1::text[])', [codes]);
        const stale = new Set(had.rows.filter((r) => !this.rekeysKnown.has(`${r.code}\u0000${r.seq}`)).map((r) => r.code));
        unjudged = rows.filter((r) => stale.has(r.code));
        const toInsert = stale.size === 0 ? rows : rows.filter((r) => !stale.has(r.code));
        const inserted = await c.query<{ code: string; stream: number; seq: string }>(
          `INSERT INTO ingest_messages (code, stream, seq, hash, prev_hash, bytes)
           SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::bytea[], $5::bytea[], $6::bytea[])
           ON CONFLICT DO NOTHING RETURNING code, stream, seq`,
          [
            toInsert.map((r) => r.code),
            toInsert.map((r) => STREAM_ID[r.stream]),
            toInsert.map((r) => r.seq),
            toInsert.map((r) => Buffer.from(r.hash)),
            toInsert.map((r) => Buffer.from(r.prevHash)),
            toInsert.map((r) => Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength)),
          ],
        );
        const isNew = new Set(inserted.rows.map((r) => `${r.code}\u0000${r.stream}\u0000${String(r.seq).padStart(16, '0')}`));
        stored = isNew.size;
        for (const r of rows) {
          if (!isNew.has(`${r.code}\u0000${STREAM_ID[r.stream]}\u0000${String(r.seq).padStart(16, '0')}`)) continue;
          const mark = current.get(`${r.code}\u0000${STREAM_ID[r.stream]}`)!;
          if (mark.isDuplicate(r.seq)) continue;
          // In seq order per stream (the batch is sorted): events are checked as they join the run.
          const adv = mark.record(r.seq, r, r.stream === 'event', r.stream === 'event' ? storedLost(r.bytes) : undefined);
          if (adv.gap) gaps.push({ code: r.code, stream: r.stream, ...adv.gap });
          for (const b of adv.breaks) breaks.push({ code: r.code, seq: b.seq, source: 'event', expected: toHex(b.expected), got: toHex(b.got) });
        }
        const keys = [...current.keys()];
        const json = keys.map((k) => current.get(k)!.toJSON());
        await c.query(
          `UPDATE ingest_marks m SET contiguous = u.contiguous, mark = u.mark
           FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::jsonb[]) AS u(code, stream, contiguous, mark)
           WHERE m.code = u.code AND m.stream = u.stream`,
          [keys.map((k) => k.split('\u0000')[0]!), keys.map((k) => Number(k.split('\u0000')[1])), json.map((j) => j.c), json.map((j) => JSON.stringify(j))],
        );
        keys.forEach((k, i) => marks.set(`${k.split('\u0000')[0]!}:${k.split('\u0000')[1]!}`, json[i]!));
      }
      // The rekeys, after the entries: each only with its `rekeyed` event stored (this batch's or
      // an earlier commit's, whichever worker's), each once.
      let rekeysStored = 0;
      if (rekeys.length > 0) {
        const r = await c.query(
          `INSERT INTO ingest_rekeys (code, seq, previous, record, ack_seq)
           SELECT u.code, u.seq, u.previous, u.record, u.ack_seq
             FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::bytea[], $5::bigint[]) AS u(code, seq, previous, record, ack_seq)
            WHERE EXISTS (SELECT 1 FROM ingest_messages m WHERE m.code = u.code AND m.stream = 0 AND m.seq = u.seq)
           ON CONFLICT DO NOTHING`,
          [rekeys.map((k) => k.code), rekeys.map((k) => k.seq), rekeys.map((k) => Buffer.from(k.previous)), rekeys.map((k) => Buffer.from(k.record)), rekeys.map((k) => k.ackSeq)],
        );
        rekeysStored = r.rowCount ?? 0;
      }
      // The identity records: per code the highest version queued, kept only over a lower one.
      let identitiesStored = 0;
      if (identities.length > 0) {
        const best = new Map<string, StoredIdentity>();
        for (const i of identities) if ((best.get(i.code)?.recordVersion ?? -1) < i.recordVersion) best.set(i.code, i);
        const ids = [...best.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
        const r = await c.query(
          `INSERT INTO unit_identities (code, record, record_version)
           SELECT * FROM unnest($1::text[], $2::bytea[], $3::bigint[])
           ON CONFLICT (code) DO UPDATE SET record = excluded.record, record_version = excluded.record_version, last_seen = now()
           WHERE unit_identities.record_version < excluded.record_version`,
          [ids.map((i) => i.code), ids.map((i) => Buffer.from(i.record)), ids.map((i) => i.recordVersion)],
        );
        identitiesStored = r.rowCount ?? 0;
      }
      // Units owed a receipt with nothing new in this batch: their marks as committed now.
      const others = [...(owed ?? [])].filter((code) => !marks.has(`${code}:0`) && !marks.has(`${code}:1`));
      if (others.length > 0) {
        const r = await c.query<{ code: string; stream: number; mark: MarkJson }>('SELECT code, stream, mark FROM ingest_marks WHERE code = ANY($1::text[])', [others]);
        for (const row of r.rows) marks.set(`${row.code}:${row.stream}`, row.mark);
      }
      await c.query('COMMIT');
      return { stored, rekeys: rekeysStored, identities: identitiesStored, unjudged, marks, gaps, breaks };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  committed(code: string): CommittedMarks | undefined {
    return this.committedMarks.get(code);
  }

  async close(): Promise<void> {
    if (this.pending.length > 0 || this.identitiesPending.length > 0) await this.commit();
  }
}
