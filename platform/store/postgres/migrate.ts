/**
 * Versioned migrations (migrations/): `migrate` applies the missing ones in one transaction
 * under an advisory lock, recording each in schema_migrations, so running it twice, or from
 * two hosts at once, is harmless. `requireSchema` is what every store open checks first.
 */
import type { Db } from './connect.js';
import { dbError } from './connect.js';
import { PlatformDbError } from './errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.js';

/** Any constant: only robot-id's migrations take this advisory lock. */
const MIGRATE_LOCK = 0x726f626f;

export interface MigrateResult {
  /** Versions applied now (empty: it was up to date). */
  applied: number[];
  version: number;
}

export async function migrate(db: Db): Promise<MigrateResult> {
  const c = await db.pool.connect().catch((err: unknown) => Promise.reject(dbError(err, db.url)));
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const have = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const newest = Math.max(0, ...have);
    if (newest > SCHEMA_VERSION) throw new PlatformDbError('DB_TOO_NEW', `${db.where}: schema version ${newest} is newer than this robot-id knows (${SCHEMA_VERSION}); run a newer robot-id`);
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (have.has(m.version)) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    await c.query('COMMIT');
    return { applied, version: SCHEMA_VERSION };
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw dbError(err, db.url);
  } finally {
    c.release();
  }
}

/** The schema version in the database (0: never migrated). */
export async function schemaVersion(db: Db): Promise<number> {
  try {
    const t = await db.pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
    if (!t.rows[0]?.t) return 0;
    const r = await db.pool.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return r.rows[0]?.v ?? 0;
  } catch (err) {
    throw dbError(err, db.url);
  }
}

/** Throws DB_NOT_MIGRATED or DB_TOO_NEW unless the database is at this version's schema. */
export async function requireSchema(db: Db): Promise<void> {
  const v = await schemaVersion(db);
  if (v < SCHEMA_VERSION) throw new PlatformDbError('DB_NOT_MIGRATED', `${db.where}: schema version ${v}, expected ${SCHEMA_VERSION}: run \`robot-id platform migrate --db <url>\` first`);
  if (v > SCHEMA_VERSION) throw new PlatformDbError('DB_TOO_NEW', `${db.where}: schema version ${v} is newer than this robot-id knows (${SCHEMA_VERSION}); run a newer robot-id`);
}
