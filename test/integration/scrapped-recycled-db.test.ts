/**
 * The end of a unit's life on PostgreSQL, through the CLI bundle: a `fleet ingest --db` worker
 * (no --recall-state) stores the unit's `scrapped` event with a scrap order that verifies and
 * adds its code, as scrapped, to the revocations of the publisher state in the same database;
 * `fleet recycled --db` refuses a recycler's record for a unit not scrapped
 * (RECYCLING_NOT_SCRAPPED) and keeps the scrapped unit's (recycling_records, migration 7);
 * `fleet history --db` then shows the life closed: scrapped, recycled. Real mosquitto, real
 * keys, real PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, STATE_FILES, entryHash, readPrivateKeyFile, seedSigner, signEvent, signOrder, unitTopic, type EventPayload } from '../../sdk/index.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { PgPublisherStore } from '../../platform/store/postgres/publisher-pg.js';
import { cli, startProc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { writeRegistry, type TestUnit } from '../helpers/pki.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { useWorld } from '../helpers/world.js';

const available = await postgresAvailable();

describe.skipIf(!available)('scrapped and recycled on PostgreSQL', () => {
  const world = useWorld('rid-scrapped-db-', { pki: true, database: true });
  it('fleet ingest --db revokes the scrapped code in the database; fleet recycled --db closes the life', async () => {
    const { tmp, broker, database, pki } = world;
    const url = database.url;
    const [unit, other] = [await pki.provision(), await pki.provision()] as [TestUnit, TestUnit];
    const registry = join(tmp, 'registry.jsonl');
    writeRegistry(registry, [unit, other]);
    const trust = join(pki.root.dir, 'trust.json');
    const recycler = join(tmp, 'recycler');
    expect(cli(['platform', 'certify', '--root', pki.root.dir, '--role', 'recycling', '--name', 'Green Recycling Co.', '--out', recycler]).status).toBe(0);

    const worker = startProc(['fleet', 'ingest', '--broker', broker.url, '--trust', trust, '--db', url, '--group', 'g', '--registry', registry, '--receipt-key', pki.platform.dir, '--json']);
    await until(() => worker.lines().some((l) => l.includes('subscribed')), `the worker subscribed (${worker.lines().join(' | ')})`);

    // The unit's last events, signed with its device key: maintenance, then scrapped with the order.
    const device = seedSigner(readPrivateKeyFile(join(unit.stateDir, STATE_FILES.deviceKey)).seed);
    const now = Math.floor(Date.now() / 1000);
    const order = await signOrder(pki.enterprise.signer, pki.enterprise.certificate!, { code: unit.code, transition: 'scrapped', orderId: new Uint8Array(randomBytes(16)), issuedAt: now, notAfter: now + 3600 });
    let prev: Uint8Array = GENESIS_HASH;
    const events: Uint8Array[] = [];
    for (const [i, k] of ([{ kind: 'maintenance' }, { kind: 'scrapped', order }] as { kind: EventPayload['kind']; order?: Uint8Array }[]).entries()) {
      const bytes = await signEvent(device, { code: unit.code, seq: i + 1, prevHash: prev, time: now, ...k });
      prev = entryHash(bytes);
      events.push(bytes);
    }
    const client = await connectAsync(broker.url, { clientId: `t-${randomBytes(4).toString('hex')}`, reconnectPeriod: 0 });
    try {
      for (const e of events) await client.publishAsync(unitTopic(unit.code, 'evt'), Buffer.from(e), { qos: 1 });
    } finally {
      await client.endAsync();
    }

    const db = await openDb(url, { max: 1 });
    try {
      const store = PgPublisherStore.over(db);
      const deadline = Date.now() + 30_000;
      let scrapped: string[] = [];
      while (Date.now() < deadline && !scrapped.includes(unit.code)) {
        scrapped = (await store.read())?.revocations().scrapped ?? [];
        if (!scrapped.includes(unit.code)) await new Promise((r) => setTimeout(r, 200));
      }
      expect(scrapped).toEqual([unit.code]);
    } finally {
      await db.close();
    }

    // Recycled: refused for a unit not scrapped, kept in the database for this one.
    const early = join(tmp, 'early.cose');
    expect(cli(['recycle', 'confirm', '--code', other.code, '--key', recycler, '--out', early]).status).toBe(0);
    const refused = cli(['fleet', 'recycled', early, '--db', url, '--trust', trust, '--registry', registry, '--json']);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'RECYCLING_NOT_SCRAPPED' } });
    const record = join(tmp, 'recycled.cose');
    expect(cli(['recycle', 'confirm', '--code', unit.code, '--key', recycler, '--facility', 'plant 2', '--out', record]).status).toBe(0);
    const kept = cli(['fleet', 'recycled', record, '--db', url, '--trust', trust, '--registry', registry, '--json']);
    expect(kept.status, kept.stderr + kept.stdout).toBe(0);
    const both = cli(['fleet', 'recycled', record, '--db', url, '--state', tmp, '--trust', trust, '--registry', registry, '--json']);
    expect(both.status).toBe(2);
    expect(JSON.parse(both.stdout)).toMatchObject({ error: { code: 'STATE_CHOICE' } });

    const h = cli(['fleet', 'history', unit.code, '--db', url, '--trust', trust, '--registry', registry, '--json']);
    expect(h.status, h.stderr).toBe(0);
    expect(JSON.parse(h.stdout)).toMatchObject({ state: 'scrapped', recycled: true, problems: 0 });
    await worker.stop();
  }, 120_000);
});
