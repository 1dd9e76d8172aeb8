/** The PostgreSQL store against the IngestStore contract, each test in a database of its own. */
import { openDb, type Db } from '../../platform/store/postgres/connect.js';
import { migrate } from '../../platform/store/postgres/migrate.js';
import { PostgresIngestStore } from '../../platform/store/postgres/pg-store.js';
import { PostgresStoreReader } from '../../platform/store/postgres/pg-reader.js';
import { ingestStoreContract } from '../helpers/ingest-store-contract.js';
import { createTestDatabase, postgresAvailable } from '../helpers/postgres.js';

const available = await postgresAvailable();

if (available) {
  ingestStoreContract('postgres', async () => {
    const t = await createTestDatabase();
    const dbs: Db[] = [];
    const db = await openDb(t.url);
    dbs.push(db);
    await migrate(db);
    return {
      // Each open is its own pool: what another worker process would have.
      open: async () => {
        const d = await openDb(t.url);
        dbs.push(d);
        return PostgresIngestStore.open(d);
      },
      reader: () => new PostgresStoreReader(db),
      shared: true,
      cleanup: async () => {
        for (const d of dbs) await d.close();
        await t.drop();
      },
    };
  });
} else {
  const { it } = await import('vitest');
  it.skip('PostgreSQL store (no server at 127.0.0.1:5432)', () => undefined);
}
