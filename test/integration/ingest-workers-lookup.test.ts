/**
 * A running `robot-id fleet ingest` worker (the bundle, no --registry) learns units whose identity
 * records are stored after its start, at their first message, without a restart: a record
 * imported with `platform registry import --db` is verified and used; a record tampered with in
 * unit_identities is refused and named, never used; a flood of unknown codes costs a bounded
 * number of queries (counted by the worker's metrics). Real PostgreSQL (one database per test),
 * real broker, real worker processes; units never publish their identity.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { entryHash, loadSigner, signEvent, signHeartbeat, unitTopic, verifyReceipt, type Signer } from '../../sdk/index.js';
import { openDb, type Db } from '../../platform/store/postgres/connect.js';
import { cli, startProc, stopAll, type Proc } from '../helpers/agent-process.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { until } from '../helpers/ingest-recorder.js';
import { makePki, testCode, type Pki, type TestUnit } from '../helpers/pki.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';

const available = await postgresAvailable();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await stopAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface World {
  tmp: string;
  broker: TestBroker;
  database: TestDatabase;
  db: Db;
  pki: Pki;
  trust: string;
  worker: Proc;
  metricsUrl: string;
  units: MqttClient;
}

/** A migrated database of its own, a broker, a PKI and one worker started on an empty unit_identities. */
async function world(tag: string, workerUrl: (url: string) => string = (u) => u): Promise<World> {
  const tmp = mkdtempSync(join(tmpdir(), `rid-lookup-${tag}-`));
  cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
  const broker = await startBroker();
  cleanups.push(() => broker.stop());
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const migrated = cli(['platform', 'migrate', '--db', database.url]);
  expect(migrated.status, migrated.stderr).toBe(0);
  const db = await openDb(database.url);
  cleanups.push(() => db.close());
  const pki = await makePki(join(tmp, 'pki'));
  const trust = join(pki.root.dir, 'trust.json');
  const worker = startProc(['fleet', 'ingest', '--broker', broker.url, '--trust', trust, '--db', workerUrl(database.url), '--group', 'g1', '--receipt-key', pki.platform.dir, '--metrics', '127.0.0.1:0', '--json']);
  await until(() => worker.lines().some((l) => l.includes('subscribed')) && worker.lines().some((l) => l.includes('metrics on')), `the worker subscribed (${worker.lines().join(' | ')})`);
  expect(worker.lines().join('\n')).toContain('0 identity records loaded from the store');
  const metricsUrl = /(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(worker.lines().find((l) => l.includes('metrics on'))!)![1]!;
  const units = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, clientId: `units-${tag}` });
  cleanups.push(() => units.endAsync(true));
  return { tmp, broker, database, db, pki, trust, worker, metricsUrl, units };
}

/** The value of one sample of the worker's metrics (0 when absent). */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Lines of the worker's --json output about one unit. */
function linesOf(worker: Proc, code: string): Record<string, unknown>[] {
  return worker
    .lines()
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((o) => o.code === code);
}

const heartbeat = (device: Signer, code: string, counter: number): Promise<Uint8Array> => {
  const now = Math.floor(Date.now() / 1000);
  return signHeartbeat(device, { code, boot: 1, counter, time: now, uptimeS: counter, state: 'in_service', agentVersion: 'x', firmwareVersion: 'x', outboxDepth: 0, logSeq: 0, logHash: new Uint8Array(32), nextDueBy: now + 60 });
};

/** Signs events 1..n of a unit, chained. */
async function events(device: Signer, code: string, n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let prev: Uint8Array = new Uint8Array(32);
  for (let seq = 1; seq <= n; seq++) {
    const bytes = await signEvent(device, { code, seq, prevHash: prev, time: Math.floor(Date.now() / 1000), kind: 'maintenance', note: `e${seq}` });
    prev = entryHash(bytes);
    out.push(bytes);
  }
  return out;
}

const registryLine = (u: TestUnit): string => JSON.stringify({ code: u.code, identity: Buffer.from(u.identity.bytes).toString('base64') });

describe.skipIf(!available)('robot-id fleet ingest: units stored while the worker runs', () => {
  it('verifies, stores and receipts a unit imported after the worker started, in order, without a restart', async () => {
    const w = await world('import');
    const unit = await w.pki.provision();
    const device = loadSigner(join(unit.stateDir, 'device.key'));
    const registry = join(w.tmp, 'registry.jsonl');
    writeFileSync(registry, registryLine(unit) + '\n');
    const imported = cli(['platform', 'registry', 'import', registry, '--trust', w.trust, '--db', w.database.url, '--json']);
    expect(imported.status, imported.stderr).toBe(0);

    let receipted = 0;
    w.units.on('message', (topic, payload) => {
      if (topic !== unitTopic(unit.code, 'receipt')) return;
      receipted = Math.max(receipted, verifyReceipt(new Uint8Array(payload), w.pki.root.trust, { code: unit.code }).receipt.event);
    });
    await w.units.subscribeAsync(unitTopic(unit.code, 'receipt'), { qos: 1 });
    // Back to back: the messages after the first arrive while its lookup is under way.
    const evts = await events(device, unit.code, 5);
    await w.units.publishAsync(unitTopic(unit.code, 'hb'), Buffer.from(await heartbeat(device, unit.code, 1)), { qos: 1 });
    await Promise.all(evts.map((e) => w.units.publishAsync(unitTopic(unit.code, 'evt'), Buffer.from(e), { qos: 1 })));
    await until(() => receipted === 5, `a receipt for event 5 (${w.worker.lines().slice(-5).join(' | ')})`, 15_000);

    const lines = linesOf(w.worker, unit.code);
    expect(lines.filter((l) => l.verified === false)).toEqual([]);
    expect(lines.filter((l) => l.kind === 'gap')).toEqual([]);
    expect(lines.some((l) => l.kind === 'heartbeat' && l.verified === true)).toBe(true);
    // Judged in the order they arrived: the events one after the other.
    expect(lines.filter((l) => l.kind === 'event').map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    const seqs = (await w.db.pool.query<{ seq: string }>('SELECT seq FROM ingest_messages WHERE code = $1 AND stream = 0 ORDER BY seq', [unit.code])).rows.map((r) => Number(r.seq));
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    // One lookup of the code, however many messages waited on it.
    expect(await metric(w.metricsUrl, 'robot_id_ingest_identity_lookups_total', 'outcome="found"')).toBe(1);
    expect(await metric(w.metricsUrl, 'robot_id_ingest_identity_lookup_queries_total', 'outcome="ok"')).toBe(1);
  }, 90_000);

  it('refuses and names a record tampered with in unit_identities, and never uses it', async () => {
    const w = await world('tamper');
    const unit = await w.pki.provision();
    const device = loadSigner(join(unit.stateDir, 'device.key'));
    // One byte of the signature changed, written behind the importer's back.
    const tampered = Buffer.from(unit.identity.bytes);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0x01;
    await w.db.pool.query('INSERT INTO unit_identities (code, record, record_version) VALUES ($1, $2, $3)', [unit.code, tampered, unit.identity.record.recordVersion]);

    let receipts = 0;
    w.units.on('message', () => receipts++);
    await w.units.subscribeAsync(unitTopic(unit.code, 'receipt'), { qos: 1 });
    const [e1] = await events(device, unit.code, 1);
    await w.units.publishAsync(unitTopic(unit.code, 'evt'), Buffer.from(e1!), { qos: 1 });
    await w.units.publishAsync(unitTopic(unit.code, 'hb'), Buffer.from(await heartbeat(device, unit.code, 1)), { qos: 1 });
    await until(() => linesOf(w.worker, unit.code).length >= 2, `two verdicts on ${unit.code} (${w.worker.lines().slice(-5).join(' | ')})`, 15_000);

    const verdicts = linesOf(w.worker, unit.code);
    expect(verdicts.map((l) => [l.kind, l.verified, l.reason])).toEqual([
      ['event', false, 'MSG_UNKNOWN_UNIT'],
      ['heartbeat', false, 'MSG_UNKNOWN_UNIT'],
    ]);
    for (const v of verdicts) expect(v.message).toMatch(new RegExp(`identity record of ${unit.code} in the store passed over: .*does not verify`));
    expect(w.worker.lines().some((l) => l.startsWith(`note: identity record of ${unit.code} in the store passed over (MSG_UNKNOWN_UNIT)`))).toBe(true);
    expect(await metric(w.metricsUrl, 'robot_id_ingest_identity_lookups_total', 'outcome="refused"')).toBe(1);

    // Answered from memory afterwards: refused again, no new query, still nothing stored.
    await w.units.publishAsync(unitTopic(unit.code, 'evt'), Buffer.from(e1!), { qos: 1 });
    await until(() => linesOf(w.worker, unit.code).length >= 3, 'a third verdict', 15_000);
    expect(linesOf(w.worker, unit.code)[2]).toMatchObject({ verified: false, reason: 'MSG_UNKNOWN_UNIT' });
    // (The heartbeat too, when it arrived after the first lookup ended.)
    expect(await metric(w.metricsUrl, 'robot_id_ingest_identity_lookups_total', 'outcome="cached"')).toBeGreaterThanOrEqual(1);
    expect(await metric(w.metricsUrl, 'robot_id_ingest_identity_lookups_total', 'outcome="refused"')).toBe(1);
    expect(await metric(w.metricsUrl, 'robot_id_ingest_identity_lookup_queries_total', 'outcome="ok"')).toBe(1);
    await w.worker.stop();
    expect((await w.db.pool.query('SELECT 1 FROM ingest_messages WHERE code = $1', [unit.code])).rowCount).toBe(0);
    expect((await w.db.pool.query('SELECT 1 FROM ingest_marks WHERE code = $1', [unit.code])).rowCount).toBe(0);
    expect(receipts).toBe(0);
  }, 90_000);

  it('refuses for now, never receipts, when the lookup fails, logs it without the password, and learns the unit at its resend', async () => {
    const secret = 'lookup-s3cret';
    const w = await world('failure', (url) => {
      const u = new URL(url);
      // Trust authentication ignores the password; the worker must still never print it.
      u.password = secret;
      return u.toString();
    });
    const unit = await w.pki.provision();
    const device = loadSigner(join(unit.stateDir, 'device.key'));
    const registry = join(w.tmp, 'registry.jsonl');
    writeFileSync(registry, registryLine(unit) + '\n');
    expect(cli(['platform', 'registry', 'import', registry, '--trust', w.trust, '--db', w.database.url]).status).toBe(0);
    let receipted = 0;
    w.units.on('message', (topic, payload) => {
      if (topic === unitTopic(unit.code, 'receipt')) receipted = Math.max(receipted, verifyReceipt(new Uint8Array(payload), w.pki.root.trust, { code: unit.code }).receipt.event);
    });
    await w.units.subscribeAsync(unitTopic(unit.code, 'receipt'), { qos: 1 });
    const [e1] = await events(device, unit.code, 1);

    // The table cannot be read: the event is refused as unknown, for now.
    await w.db.pool.query('ALTER TABLE unit_identities RENAME TO unit_identities_away');
    await w.units.publishAsync(unitTopic(unit.code, 'evt'), Buffer.from(e1!), { qos: 1 });
    await until(() => linesOf(w.worker, unit.code).length >= 1, `a verdict on ${unit.code} (${w.worker.lines().slice(-5).join(' | ')})`, 15_000);
    expect(linesOf(w.worker, unit.code)[0]).toMatchObject({ kind: 'event', verified: false, reason: 'MSG_UNKNOWN_UNIT' });
    expect(String(linesOf(w.worker, unit.code)[0]!.message)).toContain('the store could not be read');
    expect(w.worker.lines().some((l) => l.startsWith('note: identity lookup in the store failed, 1 unknown units refused for now'))).toBe(true);
    expect(await metric(w.metricsUrl, 'robot_id_ingest_identity_lookups_total', 'outcome="failed"')).toBe(1);
    expect(await metric(w.metricsUrl, 'robot_id_ingest_identity_lookup_queries_total', 'outcome="failed"')).toBe(1);

    // A failure is not remembered: the unit's resend is looked up again, found, stored, receipted.
    await w.db.pool.query('ALTER TABLE unit_identities_away RENAME TO unit_identities');
    await w.units.publishAsync(unitTopic(unit.code, 'evt'), Buffer.from(e1!), { qos: 1 });
    await until(() => receipted === 1, `a receipt for event 1 (${w.worker.lines().slice(-5).join(' | ')})`, 15_000);
    expect(linesOf(w.worker, unit.code)[1]).toMatchObject({ kind: 'event', seq: 1, verified: true });
    expect(w.worker.lines().join('\n')).not.toContain(secret);
  }, 90_000);

  it('answers a flood of 10,000 unknown codes with a bounded number of queries, and remembers them', async () => {
    const w = await world('flood');
    const codes = Array.from({ length: 10_000 }, (_, i) => testCode(900_000_000 + i));
    const rejected = (): Promise<number> => metric(w.metricsUrl, 'robot_id_ingest_messages_rejected_total', 'kind="heartbeat",reason="MSG_UNKNOWN_UNIT"');
    const queries = (): Promise<number> => metric(w.metricsUrl, 'robot_id_ingest_identity_lookup_queries_total', 'outcome="ok"');
    const outcome = (o: string): Promise<number> => metric(w.metricsUrl, 'robot_id_ingest_identity_lookups_total', `outcome="${o}"`);
    const flood = async (expected: number): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < codes.length; i += 500) {
        await Promise.all(codes.slice(i, i + 500).map((c) => w.units.publishAsync(unitTopic(c, 'hb'), Buffer.from([0xa0]), { qos: 1 })));
      }
      for (const end = Date.now() + 60_000; (await rejected()) < expected; ) {
        if (Date.now() > end) throw new Error(`only ${await rejected()} of ${expected} refusals`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return performance.now() - started;
    };

    const first = await flood(10_000);
    const q1 = await queries();
    const [absent, shed] = [await outcome('absent'), await outcome('shed')];
    // Every code was answered: looked up (at most 500 a query) or refused unasked.
    expect(absent + shed).toBe(10_000);
    expect(absent).toBeGreaterThan(0);
    // At most one query in flight, starting at least 50 ms apart: bounded by time, not by codes.
    expect(q1).toBeGreaterThanOrEqual(Math.ceil(absent / 500));
    expect(q1).toBeLessThanOrEqual(Math.ceil(first / 50) + 1);

    // Again: the codes found absent are answered from memory (30 s), no query for them.
    const second = await flood(20_000);
    expect(await outcome('cached')).toBe(absent);
    if (shed === 0) expect(await queries()).toBe(q1);
    else expect((await queries()) - q1).toBeLessThanOrEqual(Math.ceil(second / 50) + 1);
    expect(await metric(w.metricsUrl, 'robot_id_ingest_identity_lookup_queries_total', 'outcome="failed"')).toBe(0);
    expect((await w.db.pool.query('SELECT 1 FROM ingest_messages')).rowCount).toBe(0);
  }, 180_000);
});
