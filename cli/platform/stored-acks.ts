/**
 * The acks (and presence) the platform stored, from the store the options name: a files ingest
 * (--ingest <dir>) or the PostgreSQL of a worker group (--db <url> or ROBOT_ID_PLATFORM_DB).
 */
import { judgeStoredIdentities, readRegistry, type RegistryEntry, type Revocations, type TrustStore } from '../../sdk/index.js';
import { UsageError, optionalString, type Io, type Values } from '../command.js';
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

/**
 * The units a command lists: the --registry file when given; else, with a database, the identity
 * records the workers keep (unit_identities), each judged exactly as a worker judges them at start
 * (against --trust and --revocations); a record that does not verify is named on stderr and skipped.
 */
export async function unitEntries(values: Values, io: Io, store: StoreChoice, trust: TrustStore, revocations: Revocations): Promise<RegistryEntry[]> {
  const file = optionalString(values, 'registry');
  if (file !== undefined || store?.kind !== 'db') {
    if (file === undefined) throw new UsageError('missing --registry <file> (only --db reads the units from the database)');
    const registry = readRegistry(file);
    for (const p of registry.problems) io.err(`note: registry ${p}`);
    return registry.entries;
  }
  const stored = await withDb(store.url, (db) => new PostgresStoreReader(db).identities());
  const judged = judgeStoredIdentities(stored, trust, { revocations: revocations.withoutScrapped() });
  for (const p of judged.problems) io.err(`note: stored unit ${p.code}: identity record refused (${p.reason}), skipped`);
  return judged.entries;
}
