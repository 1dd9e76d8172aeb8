/**
 * A database that stops answering while the ingest runs: the commit fails, no receipt goes
 * out, nothing is lost; once it answers again the next commit stores the whole batch and the
 * receipt names it. Real PostgreSQL: the test database refuses connections and its sessions
 * are ended, then it is let back in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { FleetIngest, GENESIS_HASH, entryHash, loadSigner, signEvent, unitTopic } from '../../sdk/index.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { migrate } from '../../platform/store/postgres/migrate.js';
import { PostgresIngestStore } from '../../platform/store/postgres/pg-store.js';
import { makePki } from '../helpers/pki.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';

const available = await postgresAvailable();
let tmp: string | undefined;
let database: TestDatabase | undefined;
afterAll(async () => {
  await database?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function asAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: process.env.ROBOT_ID_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describe.skipIf(!available)('ingest on PostgreSQL through an outage', () => {
  it('issues no receipt for what a failed commit held, and stores it all at the next one', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rid-outage-'));
    database = await createTestDatabase();
    const db = await openDb(database.url, { connectTimeoutMs: 1000 });
    try {
      await migrate(db);
      const pki = await makePki(join(tmp, 'pki'));
      const unit = await pki.provision();
      const device = loadSigner(join(unit.stateDir, 'device.key'));
      const receipts: number[] = [];
      const failures: string[] = [];
      const ingest = new FleetIngest({
        trust: pki.root.trust,
        registry: [{ code: unit.code, identity: unit.identity.bytes }],
        store: await PostgresIngestStore.open(db),
        receipts: { signer: pki.platform.signer, certificate: pki.platform.certificate! },
        receiptMinIntervalMs: 0,
        publish: () => undefined,
      });
      ingest.on('receipt', (r) => receipts.push(r.event));
      ingest.on('failure', (err) => failures.push((err as { code?: string }).code ?? err.message));
      let prev: Uint8Array = GENESIS_HASH;
      const publishEvent = async (seq: number): Promise<void> => {
        const bytes = await signEvent(device, { code: unit.code, seq, prevHash: prev, time: Math.floor(Date.now() / 1000), kind: 'maintenance', note: `n${seq}` });
        prev = entryHash(bytes);
        ingest.handle(unitTopic(unit.code, 'evt'), bytes);
      };
      await publishEvent(1);
      await ingest.flush();
      expect(receipts).toEqual([1]);

      // The database goes away: its sessions end and new ones are refused.
      await asAdmin(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS false`);
      await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database.name}'`);
      await publishEvent(2);
      await publishEvent(3);
      await ingest.flush();
      expect(failures.length).toBeGreaterThan(0);
      expect(failures[0]).toMatch(/^DB_/);
      expect(receipts).toEqual([1]);

      // Back: the next commit stores the held batch, and only then is it receipted.
      await asAdmin(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`);
      await publishEvent(4);
      await ingest.flush();
      expect(receipts).toEqual([1, 4]);
      const rows = await db.pool.query<{ seq: string }>('SELECT seq FROM ingest_messages ORDER BY seq');
      expect(rows.rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
      await ingest.close();
    } finally {
      await db.close();
    }
  }, 60_000);
});
