/**
 * A `robot-id fleet ingest --db` worker without --revocations takes the revocations from the
 * publisher state in its database and follows them while it runs: `robot-id revoke --db`
 * (the real bundle) commits a revocation, and within the documented bound the running worker
 * refuses the unit's messages `MSG_REVOKED`, never storing or receipting them, while the other
 * unit's are stored and receipted. A failed re-read keeps the list the worker holds. Real
 * mosquitto, real agents, real PostgreSQL.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../platform/store/postgres/connect.js';
import { migrate } from '../../platform/store/postgres/migrate.js';
import { PgPublisherStore } from '../../platform/store/postgres/publisher-pg.js';
import { followPublisherRevocations } from '../../platform/store/postgres/publisher-revocations.js';
import type { Revocations } from '../../sdk/index.js';
import { cli } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';
import { refusedAfterRevocation, startWorker, storedEventSeqs, twoUnits } from '../helpers/revoked-worker.js';
import { useWorld } from '../helpers/world.js';

const available = await postgresAvailable();
const databases: TestDatabase[] = [];

describe.skipIf(!available)('robot-id fleet ingest --db: revocations from the publisher state', () => {
  const world = useWorld('rid-ingest-revocations-db-', { pki: true, database: true });
  world.cleanup(async () => {
    for (const d of databases) await d.drop();
  });
  it('a unit revoked with robot-id revoke --db while the worker runs is refused: never stored, never receipted', async () => {
    const { broker, database, pki } = world;
    const { x, other, registry, startAgents } = await twoUnits(world);
    const trust = join(pki.root.dir, 'trust.json');
    // No publisher state in the database yet: the worker starts with an empty list.
    const { proc: worker, lines } = await startWorker(['--broker', broker.url, '--trust', trust, '--db', database.url, '--group', 'g', '--registry', registry, '--receipt-key', pki.platform.dir, '--json']);
    const [ax, aother] = await startAgents();
    await ax.submitEvent({ kind: 'maintenance', note: 'before' });
    await until(() => ax.outbox.confirmed('event') === 1, 'the event of X receipted before the revocation', 30_000);
    expect(lines().some((l) => l.code === x.code && l.reason === 'MSG_REVOKED')).toBe(false);

    const revoked = cli(['revoke', '--code', x.code, '--key', pki.platform.dir, '--db', database.url, '--broker', broker.url, '--json']);
    expect(revoked.status, revoked.stderr + revoked.stdout).toBe(0);
    const at = Date.now();
    // X's heartbeats (every 300 ms) show when the worker applied the list: within the 2 s check
    // (usually at once, by NOTIFY), plus a heartbeat and the test's polling.
    await until(() => lines().some((l) => l.code === x.code && l.reason === 'MSG_REVOKED'), `the worker reports X revoked (${worker.lines().slice(-5).join(' | ')})`, 30_000);
    expect(Date.now() - at).toBeLessThan(5000);

    await refusedAfterRevocation(ax, x.code, aother, lines);
    const db = await openDb(database.url);
    try {
      expect(await storedEventSeqs(db, x.code)).toEqual([1]);
      expect(await storedEventSeqs(db, other.code)).toEqual([1]);
    } finally {
      await db.close();
    }
    await worker.stop();
  }, 120_000);

  it('a failed re-read keeps the list held; the next change after recovery is applied', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const db = await openDb(database.url, { max: 2 });
    try {
      await migrate(db);
      const store = PgPublisherStore.over(db);
      await store.change('86', (s) => s.revoke({ codes: ['86000000000000000000000000001'] }));
      const applied: Revocations[] = [];
      const errors: unknown[] = [];
      const follower = await followPublisherRevocations(db, (r) => applied.push(r), { checkMs: 200, onError: (e) => errors.push(e) });
      expect(follower.initial.isCodeRevoked('86000000000000000000000000001')).toBe(true);
      // The state becomes unreadable: checks fail, nothing is applied (the held list stays).
      await db.pool.query('ALTER TABLE publisher_state RENAME TO publisher_state_away');
      await until(() => errors.length >= 2, 'the checks failed', 10_000);
      expect(applied).toEqual([]);
      await db.pool.query('ALTER TABLE publisher_state_away RENAME TO publisher_state');
      await store.change('86', (s) => s.revoke({ codes: ['86000000000000000000000000002'] }));
      await until(() => applied.length > 0, 'the change applied after recovery', 10_000);
      const last = applied[applied.length - 1]!;
      expect(last.isCodeRevoked('86000000000000000000000000001') && last.isCodeRevoked('86000000000000000000000000002')).toBe(true);
      await follower.stop();
    } finally {
      await db.close();
    }
  });
});
