/**
 * Presence across ingest workers, on PostgreSQL: a unit whose heartbeats reach two workers is
 * offline only when neither heard it in time. Two FleetIngests on one injected clock, fed the
 * unit's real signed heartbeats; a third without the store shows what a lone worker would say.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FleetIngest, loadSigner, signHeartbeat, unitTopic } from '../../sdk/index.js';
import { SharedPresence } from '../../platform/ingest/shared-presence.js';
import { presenceFromDb } from '../../platform/store/postgres/fleet-view.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { migrate } from '../../platform/store/postgres/migrate.js';
import { makePki } from '../helpers/pki.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';

const available = await postgresAvailable();
let tmp: string | undefined;
let database: TestDatabase | undefined;
afterAll(async () => {
  await database?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!available)('shared presence', () => {
  it('reports a unit offline only when no worker heard it before its deadline', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rid-presence-'));
    database = await createTestDatabase();
    const db = await openDb(database.url);
    try {
      await migrate(db);
      const pki = await makePki(join(tmp, 'pki'));
      const unit = await pki.provision();
      const device = loadSigner(join(unit.stateDir, 'device.key'));
      const T = Math.floor(Date.now() / 1000);
      let clock = T * 1000;
      const ingest = (): FleetIngest => new FleetIngest({ trust: pki.root.trust, registry: [{ code: unit.code, identity: unit.identity.bytes }], now: () => clock, heartbeatGraceMs: 1000 });
      const [a, b, lone] = [ingest(), ingest(), ingest()];
      const [pa, pb] = [new SharedPresence(db, 1000), new SharedPresence(db, 1000)];
      pa.follow(a);
      pb.follow(b);
      const offline: string[] = [];
      a.on('offline', (p) => offline.push(`a:${p.via}`));
      lone.on('offline', (p) => offline.push(`lone:${p.via}`));
      a.on('rejected', (r) => offline.push(`rejected:${r.reason}`));
      b.on('rejected', (r) => offline.push(`rejected:${r.reason}`));
      const expiry = { kind: 'enterprise' as const, notAfter: T + 20 * 86400, daysLeft: 20 };
      const hb = (counter: number, time: number, trust: { rootVersion?: number; certExpiry?: typeof expiry } = {}) =>
        signHeartbeat(device, { code: unit.code, boot: 1, counter, time, uptimeS: 1, state: 'in_service', agentVersion: 'x', firmwareVersion: 'y', outboxDepth: 0, logSeq: 0, logHash: new Uint8Array(32), nextDueBy: time + 10, ...trust });
      const topic = unitTopic(unit.code, 'hb');
      // The first heartbeat reaches worker a (and the lone one), the next one only worker b.
      const first = await hb(1, T);
      a.handle(topic, first);
      lone.handle(topic, first);
      clock = (T + 8) * 1000;
      b.handle(topic, await hb(2, T + 8, { rootVersion: 2, certExpiry: expiry }));
      await pb.flush();
      // Past the first heartbeat's deadline (T + 10 s + 1 s grace), before the second's.
      clock = (T + 12) * 1000;
      lone.tick();
      await pa.beforeTick(a, clock);
      a.tick();
      expect(offline).toEqual(['lone:deadline']);
      // Past the second heartbeat's deadline too: now nobody heard it in time.
      clock = (T + 20) * 1000;
      await pa.beforeTick(a, clock);
      a.tick();
      expect(offline).toEqual(['lone:deadline', 'a:deadline']);
      const row = (await db.pool.query<{ hb_counter: string; next_due_by: string }>('SELECT hb_counter, next_due_by FROM unit_presence WHERE code = $1', [unit.code])).rows[0];
      expect(row).toEqual({ hb_counter: '2', next_due_by: String(T + 18) });
      // What `fleet units --db` reads: the newest heartbeat's root version and certificate expiry.
      const view = await presenceFromDb(db, clock, 1000);
      expect(view[unit.code]).toEqual({ online: false, silent: true, seenAt: T + 8, rootVersion: 2, certExpiry: { kind: 'enterprise', notAfter: T + 20 * 86400 } });
    } finally {
      await db.close();
    }
  }, 60_000);
});
