/**
 * The identity records live in the store, not only on the broker: a `robot-id fleet ingest`
 * worker (the bundle, no --registry) learns two units from their retained identity topics and
 * stores their events; the broker is then wiped (restarted without persistence: every retained
 * identity gone) and a new worker, also without --registry, verifies, stores and receipts the
 * units' next events, whose units never publish their identity again.
 */
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { entryHash, loadSigner, signEvent, unitTopic, verifyReceipt, type Signer } from '../../sdk/index.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { startProc, type Proc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import type { TestUnit } from '../helpers/pki.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { useWorld } from '../helpers/world.js';

const available = await postgresAvailable();

const clients: MqttClient[] = [];

/** A unit's side of the wire, driven by hand: its device key signs each event in turn. */
interface Unit {
  unit: TestUnit;
  device: Signer;
  seq: number;
  prev: Uint8Array;
  /** The highest event seq a verified receipt named. */
  receipted: number;
}

describe.skipIf(!available)('robot-id fleet ingest: identity records kept in the store', () => {
  const world = useWorld('rid-identities-', { pki: true, database: true });
  world.cleanup(async () => {
    for (const c of clients) await c.endAsync(true);
  });
  it('verifies and receipts known units after the broker lost every retained identity', async () => {
    const { broker, database, pki } = world;
    const units: Unit[] = [];
    for (let i = 0; i < 2; i++) {
      const unit = await pki.provision();
      units.push({ unit, device: loadSigner(join(unit.stateDir, 'device.key')), seq: 0, prev: new Uint8Array(32), receipted: 0 });
    }
    const worker = (): Proc =>
      startProc(['fleet', 'ingest', '--broker', broker.url, '--trust', join(pki.root.dir, 'trust.json'), '--db', database.url, '--group', 'g1', '--receipt-key', pki.platform.dir, '--json']);
    const connectUnits = async (): Promise<MqttClient> => {
      const c = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, clientId: `units-${clients.length}` });
      clients.push(c);
      c.on('message', (topic, payload) => {
        const u = units.find((x) => topic === unitTopic(x.unit.code, 'receipt'));
        if (!u) return;
        const r = verifyReceipt(new Uint8Array(payload), pki.root.trust, { code: u.unit.code }).receipt;
        u.receipted = Math.max(u.receipted, r.event);
      });
      for (const u of units) await c.subscribeAsync(unitTopic(u.unit.code, 'receipt'), { qos: 1 });
      return c;
    };
    const publishEvents = async (c: MqttClient, n: number): Promise<void> => {
      for (const u of units) {
        for (let i = 0; i < n; i++) {
          const bytes = await signEvent(u.device, { code: u.unit.code, seq: ++u.seq, prevHash: u.prev, time: Math.floor(Date.now() / 1000), kind: 'maintenance', note: `e${u.seq}` });
          u.prev = entryHash(bytes);
          await c.publishAsync(unitTopic(u.unit.code, 'evt'), Buffer.from(bytes), { qos: 1 });
        }
      }
    };
    const db = await openDb(database.url);
    try {
      // 1. A worker learns the units from their retained identity topics and stores their events.
      const first = worker();
      await until(() => first.lines().some((l) => l.includes('subscribed')), `the first worker subscribed (${first.lines().join(' | ')})`);
      let c = await connectUnits();
      for (const u of units) await c.publishAsync(unitTopic(u.unit.code, 'identity'), Buffer.from(u.unit.identity.bytes), { qos: 1, retain: true });
      await publishEvents(c, 3);
      await until(() => units.every((u) => u.receipted === 3), `receipts for event 3 (${first.lines().slice(-5).join(' | ')})`);
      const kept = (await db.pool.query<{ code: string; record: Buffer; record_version: string }>('SELECT code, record, record_version FROM unit_identities ORDER BY code')).rows;
      expect(kept.map((r) => r.code)).toEqual(units.map((u) => u.unit.code).sort());
      for (const r of kept) {
        const u = units.find((x) => x.unit.code === r.code)!;
        expect(Buffer.from(r.record).equals(Buffer.from(u.unit.identity.bytes))).toBe(true);
        expect(Number(r.record_version)).toBe(u.unit.identity.record.recordVersion);
      }
      await first.stop();
      await c.endAsync();

      // 2. The broker is wiped: restarted on the same port with nothing retained.
      await broker.kill('SIGKILL');
      await broker.start();
      c = await connectUnits();
      const retained: string[] = [];
      const probe = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, clientId: 'probe' });
      clients.push(probe);
      probe.on('message', (topic) => retained.push(topic));
      await probe.subscribeAsync(units.map((u) => unitTopic(u.unit.code, 'identity')), { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
      expect(retained).toEqual([]);

      // 3. A new worker, no --registry, never sees an identity on the wire: it knows the units
      // from the store, and verifies, stores and receipts their next events.
      const second = worker();
      await until(() => second.lines().some((l) => l.includes('subscribed')), `the second worker subscribed (${second.lines().join(' | ')})`);
      await publishEvents(c, 2);
      await until(() => units.every((u) => u.receipted === 5), `receipts for event 5 (${second.lines().slice(-5).join(' | ')})`, 10_000);
      expect(second.lines().filter((l) => l.includes('"verified":false'))).toEqual([]);
      expect(second.lines().join('\n')).toContain('2 identity records loaded from the store');
      for (const u of units) {
        const seqs = (await db.pool.query<{ seq: string }>('SELECT seq FROM ingest_messages WHERE code = $1 AND stream = 0 ORDER BY seq', [u.unit.code])).rows.map((r) => Number(r.seq));
        expect(seqs).toEqual([1, 2, 3, 4, 5]);
      }
      await second.stop();
    } finally {
      await db.close();
    }
  }, 90_000);
});
