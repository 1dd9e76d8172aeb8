/** The PostgreSQL store against the IngestStore contract, each test in a database of its own. */
import { describe, expect, it } from 'vitest';
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
}

describe.skipIf(!available)('PostgreSQL store: gaps judged against what every worker committed', () => {
  it('reports a hole only when no worker stored the entries, and a broken link between events', async () => {
    const { chain, put } = await import('../helpers/ingest-store-contract.js');
    const t = await createTestDatabase();
    const [a, b] = [await openDb(t.url), await openDb(t.url)];
    try {
      await migrate(a);
      const [w1, w2] = [await PostgresIngestStore.open(a), await PostgresIngestStore.open(b)];
      const seen: string[] = [];
      for (const [name, w] of [['w1', w1], ['w2', w2]] as const) {
        w.on('gap', (g) => seen.push(`${name} gap ${g.from}-${g.to}`));
        w.on('chain', (c) => seen.push(`${name} chain ${c.seq}`));
      }
      const rs = chain('CN-GAPS', 'event', 6);
      // Worker 2 stores 3 and 4 first; worker 1, which never saw them, then stores 1, 2 and 5:
      // nothing is missing. Then 6 arrives with a link to something else than 5: a broken link.
      put(w2, rs[2]!);
      put(w2, rs[3]!);
      await w2.commit();
      expect(seen).toEqual(['w2 gap 1-2']);
      for (const r of [rs[0]!, rs[1]!, rs[4]!]) put(w1, r);
      await w1.commit();
      expect(seen).toEqual(['w2 gap 1-2']);
      expect(w1.committed('CN-GAPS')).toMatchObject({ event: 5 });
      put(w1, { ...rs[5]!, prevHash: new Uint8Array(32).fill(7) });
      await w1.commit();
      expect(seen).toEqual(['w2 gap 1-2', 'w1 chain 6']);
    } finally {
      await a.close();
      await b.close();
      await t.drop();
    }
  });
});
