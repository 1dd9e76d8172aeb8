/**
 * The publisher state in PostgreSQL (migration 0006; docs/operations.md §"The platform's
 * state"): the state document as jsonb in publisher_state, notices and signed indexes as
 * bytea. A change takes a session advisory lock, then runs as one transaction, so two
 * publishers (a `recall publish` while `recall republish --watch` runs, on one host or two)
 * never lose a change; everything the change recorded is committed together or not at all.
 * The lock is held past the commit while `afterCommit` sends to the broker, and released
 * after; a connection that dies releases it with the session.
 * `version` goes up with every commit, and a change of the revocations sends NOTIFY on
 * PUBLISHER_CHANNEL (delivered at commit) for the ingest workers.
 */
import type pg from 'pg';
import { IndexError, IndexState, checkStateJson, type IndexStateJson, type AfterCommit, type PendingChanges, type PublisherStore, type StateBlobs } from '../../../sdk/index.js';
import { dbError, openDb, type Db } from './connect.js';
import { requireSchema } from './migrate.js';

/** Any constant: only the publisher's changes take this advisory lock. */
const PUBLISHER_LOCK = 0x72696470;
/** The channel a committed change of the revocations is announced on (payload: the version). */
export const PUBLISHER_CHANNEL = 'robot_id_publisher_state';

type Query = Pick<pg.ClientBase, 'query'>;

export class PgPublisherStore implements PublisherStore {
  readonly where: string;

  private constructor(
    readonly db: Db,
    private readonly owned: boolean,
  ) {
    this.where = db.where;
  }

  /** Opens the database at `url` (DB_* errors) and checks its schema (DB_NOT_MIGRATED). */
  static async open(url: string): Promise<PgPublisherStore> {
    const db = await openDb(url, { max: 2, applicationName: 'robot-id publisher' });
    try {
      await requireSchema(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return new PgPublisherStore(db, true);
  }

  /** Over a pool someone else owns (and closes). */
  static over(db: Db): PgPublisherStore {
    return new PgPublisherStore(db, false);
  }

  async change<T>(country: string, fn: (state: IndexState) => Promise<T> | T, afterCommit?: AfterCommit<T>): Promise<T> {
    const c = await this.db.pool.connect().catch((err: unknown) => Promise.reject(dbError(err, this.db.url)));
    let broken: Error | undefined;
    try {
      await this.run(c, 'SELECT pg_advisory_lock($1)', [PUBLISHER_LOCK]);
      try {
        let state: IndexState;
        let out: T;
        try {
          await this.run(c, 'BEGIN');
          const held = await this.load(c);
          state = held?.state ?? IndexState.empty(country, this.blobs(new Map(), new Map()));
          if (state.country !== country) throw new IndexError('INDEX_STATE_INVALID', `${this.where}: publisher state of country ${state.country}, key of ${country}`);
          out = await fn(state);
          const pending = state.pending();
          if (pending) await this.commit(c, pending, held?.version ?? 0);
          await this.run(c, 'COMMIT');
        } catch (err) {
          // The transaction is abandoned; the error that caused it is the one reported.
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
        await afterCommit?.(out, state);
        return out;
      } finally {
        await c.query('SELECT pg_advisory_unlock($1)', [PUBLISHER_LOCK]).catch((err: Error) => {
          broken = err; // the session is unusable: destroyed below, which releases its lock
        });
      }
    } finally {
      c.release(broken);
    }
  }

  async read(): Promise<IndexState | undefined> {
    const c = await this.db.pool.connect().catch((err: unknown) => Promise.reject(dbError(err, this.db.url)));
    try {
      // One snapshot for the document and its blobs.
      await this.run(c, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const held = await this.load(c);
      await this.run(c, 'COMMIT');
      return held?.state;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    if (this.owned) await this.db.close();
  }

  private async load(c: Query): Promise<{ state: IndexState; version: number } | undefined> {
    const row = (await this.run<{ state: IndexStateJson; version: string }>(c, 'SELECT state, version FROM publisher_state WHERE id = 1')).rows[0];
    if (!row) return undefined;
    const notices = new Map((await this.run<{ recall_id: string; bytes: Buffer }>(c, 'SELECT recall_id, bytes FROM publisher_notices')).rows.map((r) => [r.recall_id, new Uint8Array(r.bytes)]));
    const indexes = new Map((await this.run<{ scope: string; bytes: Buffer }>(c, 'SELECT scope, bytes FROM publisher_indexes')).rows.map((r) => [r.scope, new Uint8Array(r.bytes)]));
    const json = checkStateJson(row.state, `${this.where} publisher_state`);
    return { state: new IndexState(json, this.blobs(notices, indexes)), version: Number(row.version) };
  }

  private blobs(notices: Map<string, Uint8Array>, indexes: Map<string, Uint8Array>): StateBlobs {
    const get = (m: Map<string, Uint8Array>, key: string, what: string): Uint8Array => {
      const b = m.get(key);
      if (!b) throw new IndexError('INDEX_STATE_INVALID', `${this.where}: expected the ${what} the publisher state names`);
      return b;
    };
    return {
      notice: (recallId) => get(notices, recallId, `notice of recall ${recallId} (publisher_notices)`),
      index: (scope) => get(indexes, scope, `signed index of ${scope} (publisher_indexes)`),
    };
  }

  private async commit(c: Query, p: PendingChanges, version: number): Promise<void> {
    for (const [recallId, bytes] of p.notices) {
      await this.run(c, 'INSERT INTO publisher_notices (recall_id, bytes) VALUES ($1, $2) ON CONFLICT (recall_id) DO UPDATE SET bytes = EXCLUDED.bytes', [recallId, Buffer.from(bytes)]);
    }
    for (const [scope, bytes] of p.indexes) {
      await this.run(c, 'INSERT INTO publisher_indexes (scope, bytes) VALUES ($1, $2) ON CONFLICT (scope) DO UPDATE SET bytes = EXCLUDED.bytes', [scope, Buffer.from(bytes)]);
    }
    if (p.forgotten.length) await this.run(c, 'DELETE FROM publisher_notices WHERE recall_id = ANY($1::text[])', [p.forgotten]);
    await this.run(
      c,
      `INSERT INTO publisher_state (id, country, state, version) VALUES (1, $1, $2::jsonb, $3)
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, version = EXCLUDED.version, updated_at = now()`,
      [p.json.country, JSON.stringify(p.json), version + 1],
    );
    if (p.revocationsChanged) await this.run(c, 'SELECT pg_notify($1, $2)', [PUBLISHER_CHANNEL, String(version + 1)]);
  }

  private async run<R extends pg.QueryResultRow = pg.QueryResultRow>(c: Query, sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await c.query<R>(sql, params);
    } catch (err) {
      throw dbError(err, this.db.url);
    }
  }
}

/** The revocations the publisher state holds, and its version (undefined: no state yet). */
export async function readPublisherRevocations(db: Db): Promise<{ version: number; revocations: IndexStateJson['revocations'] } | undefined> {
  try {
    const row = (await db.pool.query<{ revocations: IndexStateJson['revocations']; version: string }>("SELECT state->'revocations' AS revocations, version FROM publisher_state WHERE id = 1")).rows[0];
    return row ? { version: Number(row.version), revocations: row.revocations } : undefined;
  } catch (err) {
    throw dbError(err, db.url);
  }
}

/** The publisher state's version alone (0: none yet): a cheap check whether anything changed. */
export async function publisherVersion(db: Db): Promise<number> {
  try {
    const row = (await db.pool.query<{ version: string }>('SELECT version FROM publisher_state WHERE id = 1')).rows[0];
    return row ? Number(row.version) : 0;
  } catch (err) {
    throw dbError(err, db.url);
  }
}
