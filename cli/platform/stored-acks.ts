/**
 * The acks (and presence) the platform stored, from the store the options name: a files ingest
 * (--ingest <dir>) or the PostgreSQL of a worker group (--db <url> or ROBOT_ID_PLATFORM_DB).
 */
import { UsageError, optionalString, type Values } from '../command.js';
import { dbUrlOf } from './db.js';
import { acksFromIngest } from './campaign-sources.js';
import { openDb, type Db } from '../../platform/store/postgres/connect.js';
import { requireSchema } from '../../platform/store/postgres/migrate.js';
import { PostgresStoreReader } from '../../platform/store/postgres/pg-reader.js';

export type StoreChoice = { kind: 'files'; dir: string } | { kind: 'db'; url: string } | undefined;

/** --ingest or --db (never both); the environment's database only when neither is given. */
export function storeChoice(values: Values): StoreChoice {
  const dir = optionalString(values, 'ingest');
  const flagDb = optionalString(values, 'db');
  if (dir !== undefined && flagDb !== undefined) throw new UsageError('--ingest and --db: expected one store');
  if (dir !== undefined) return { kind: 'files', dir };
  const url = dbUrlOf(values);
  return url ? { kind: 'db', url } : undefined;
}

/** Runs `fn` on the migrated database at `url`, then closes it. */
export async function withDb<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(url, { max: 1, applicationName: 'robot-id read' });
  try {
    await requireSchema(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function storedAcks(choice: Exclude<StoreChoice, undefined>): Promise<{ code: string; bytes: Uint8Array }[]> {
  if (choice.kind === 'files') return acksFromIngest(choice.dir);
  return withDb(choice.url, async (db) => (await new PostgresStoreReader(db).records({ stream: 'ack' })).map((r) => ({ code: r.code, bytes: r.bytes })));
}
