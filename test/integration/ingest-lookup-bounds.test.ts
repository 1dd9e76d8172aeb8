/**
 * The bounds of the ingest's lookups of unknown units (sdk/platform/identity-lookups.ts), on a
 * FleetIngest in this process over a real PostgreSQL store (one database per test) with an
 * injected clock: one query per code however many messages wait on it, judged in arrival
 * order; a refusal remembered until its time passes, then the unit imported meanwhile
 * accepted; the bytes held and the codes remembered bounded. Records are written the way
 * `platform registry import` writes them (appendIdentity and a commit of another store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetIngest, Revocations, entryHash, loadSigner, signEvent, signHeartbeat, unitTopic, type IdentityLookupOptions, type IngestLookup, type IngestRejection, type Signer } from '../../sdk/index.js';
import { openDb, type Db } from '../../platform/store/postgres/connect.js';
import { migrate } from '../../platform/store/postgres/migrate.js';
import { PostgresIngestStore } from '../../platform/store/postgres/pg-store.js';
import { makePki, testCode, type Pki, type TestUnit } from '../helpers/pki.js';
import { createTestDatabase, postgresAvailable } from '../helpers/postgres.js';

const available = await postgresAvailable();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  pki: Pki;
  ingest: FleetIngest;
  store: PostgresIngestStore;
  /** Stores a unit's record as an import does, from another connection. */
  importUnit(u: TestUnit): Promise<void>;
  clock: { ms: number };
  lookups: IngestLookup[];
  rejected: IngestRejection[];
}

async function setup(options: IdentityLookupOptions = {}, revokedCodes: string[] = []): Promise<Setup> {
  const tmp = mkdtempSync(join(tmpdir(), 'rid-lookup-bounds-'));
  cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
  const t = await createTestDatabase();
  cleanups.push(() => t.drop());
  const dbs: Db[] = [await openDb(t.url), await openDb(t.url)];
  cleanups.push(async () => {
    for (const d of dbs) await d.close();
  });
  await migrate(dbs[0]!);
  const pki = await makePki(join(tmp, 'pki'));
  const store = await PostgresIngestStore.open(dbs[0]!);
  const importer = await PostgresIngestStore.open(dbs[1]!);
  const clock = { ms: Date.now() };
  const ingest = new FleetIngest({ trust: pki.root.trust, store, now: () => clock.ms, identityLookups: options, revocations: new Revocations({ codes: revokedCodes }) });
  cleanups.push(() => ingest.close());
  const lookups: IngestLookup[] = [];
  const rejected: IngestRejection[] = [];
  ingest.on('lookup', (l) => lookups.push(l));
  ingest.on('rejected', (r) => rejected.push(r));
  return {
    pki,
    ingest,
    store,
    clock,
    lookups,
    rejected,
    async importUnit(u) {
      importer.appendIdentity({ code: u.code, record: u.identity.bytes, recordVersion: u.identity.record.recordVersion });
      await importer.commit();
    },
  };
}

const heartbeat = (device: Signer, code: string, counter: number, nowMs: number): Promise<Uint8Array> => {
  const now = Math.floor(nowMs / 1000);
  return signHeartbeat(device, { code, boot: 1, counter, time: now, uptimeS: counter, state: 'in_service', agentVersion: 'x', firmwareVersion: 'x', outboxDepth: 0, logSeq: 0, logHash: new Uint8Array(32), nextDueBy: now + 60 });
};

const deviceOf = (u: TestUnit): Signer => loadSigner(join(u.stateDir, 'device.key'));

describe.skipIf(!available)('ingest lookups of unknown units: bounds', () => {
  it('queries once for a code however many messages wait on it, and judges them in arrival order', async () => {
    const s = await setup();
    const unit = await s.pki.provision();
    await s.importUnit(unit);
    const device = deviceOf(unit);
    const seen: number[] = [];
    s.ingest.on('message', (m) => m.kind === 'event' && seen.push(m.seq));
    let prev: Uint8Array = new Uint8Array(32);
    for (let seq = 1; seq <= 20; seq++) {
      const bytes = await signEvent(device, { code: unit.code, seq, prevHash: prev, time: Math.floor(s.clock.ms / 1000), kind: 'maintenance', note: `e${seq}` });
      prev = entryHash(bytes);
      s.ingest.handle(unitTopic(unit.code, 'evt'), bytes);
    }
    // Held, not judged: nothing is verified or appended before the record is.
    expect(seen).toEqual([]);
    expect(s.store.pendingCount).toBe(0);
    expect(await s.ingest.flush()).toBe(20);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(s.store.stats.identityLookups).toBe(1);
    expect(s.lookups).toEqual([{ code: unit.code, outcome: 'found' }]);
    expect(s.rejected).toEqual([]);
  }, 60_000);

  it('remembers an absent code until its time passes, then accepts the unit imported meanwhile', async () => {
    const s = await setup({ negativeTtlMs: 30_000 });
    const unit = await s.pki.provision();
    const device = deviceOf(unit);
    s.ingest.handle(unitTopic(unit.code, 'hb'), await heartbeat(device, unit.code, 1, s.clock.ms));
    await s.ingest.flush();
    expect(s.rejected.map((r) => [r.reason, r.message])).toEqual([['MSG_UNKNOWN_UNIT', `no identity record known for ${unit.code}, none in the store`]]);
    await s.importUnit(unit);
    s.clock.ms += 29_000;
    s.ingest.handle(unitTopic(unit.code, 'hb'), await heartbeat(device, unit.code, 2, s.clock.ms));
    await s.ingest.flush();
    expect(s.rejected).toHaveLength(2);
    expect(s.store.stats.identityLookups).toBe(1);
    s.clock.ms += 1_000;
    const verified: number[] = [];
    s.ingest.on('message', (m) => m.kind === 'heartbeat' && verified.push(m.seq));
    s.ingest.handle(unitTopic(unit.code, 'hb'), await heartbeat(device, unit.code, 3, s.clock.ms));
    await s.ingest.flush();
    expect(verified).toEqual([3]);
    expect(s.store.stats.identityLookups).toBe(2);
    expect(s.lookups.map((l) => l.outcome)).toEqual(['absent', 'cached', 'found']);
  }, 60_000);

  it('never leaves a code held when judging its messages throws: reported, and the resend accepted', async () => {
    const s = await setup();
    const unit = await s.pki.provision();
    await s.importUnit(unit);
    const failures: Error[] = [];
    s.ingest.on('failure', (err) => failures.push(err));
    let thrown = false;
    s.ingest.on('lookup', () => {
      if (thrown) return;
      thrown = true;
      throw new Error('a listener failed');
    });
    const e1 = await signEvent(deviceOf(unit), { code: unit.code, seq: 1, prevHash: new Uint8Array(32), time: Math.floor(s.clock.ms / 1000), kind: 'maintenance', note: 'e1' });
    s.ingest.handle(unitTopic(unit.code, 'evt'), e1);
    // Dropped, never stored: the unit resends it.
    expect(await s.ingest.flush()).toBe(0);
    expect(failures.map((f) => f.message)).toEqual(['a listener failed']);
    s.ingest.handle(unitTopic(unit.code, 'evt'), e1);
    expect(await s.ingest.flush()).toBe(1);
    expect(s.rejected).toEqual([]);
  }, 60_000);

  it('keeps a revoked unit found in the store known, as revoked: refused MSG_REVOKED, never stored', async () => {
    const code = testCode(700_000_010);
    const s = await setup({}, [code]);
    const unit = await s.pki.provision(code);
    await s.importUnit(unit);
    const e1 = await signEvent(deviceOf(unit), { code, seq: 1, prevHash: new Uint8Array(32), time: Math.floor(s.clock.ms / 1000), kind: 'maintenance', note: 'e1' });
    s.ingest.handle(unitTopic(code, 'evt'), e1);
    s.ingest.handle(unitTopic(code, 'hb'), await heartbeat(deviceOf(unit), code, 1, s.clock.ms));
    expect(await s.ingest.flush()).toBe(0);
    expect(s.lookups).toEqual([{ code, outcome: 'found' }]);
    expect(s.rejected.map((r) => [r.kind, r.reason])).toEqual([
      ['event', 'MSG_REVOKED'],
      ['heartbeat', 'MSG_REVOKED'],
    ]);
    expect(s.store.pendingCount).toBe(0);
  }, 60_000);

  it('refuses without a query past the bytes held, and forgets the oldest codes past the bound', async () => {
    const s = await setup({ maxHeldBytes: 1000, negativeMax: 2 });
    const [a, b, c, d] = [testCode(700_000_001), testCode(700_000_002), testCode(700_000_003), testCode(700_000_004)];
    s.ingest.handle(unitTopic(a, 'hb'), new Uint8Array(600));
    // Over the bytes held: refused at once, no lookup.
    s.ingest.handle(unitTopic(b, 'hb'), new Uint8Array(600));
    expect(s.lookups).toEqual([{ code: b, outcome: 'shed' }]);
    await s.ingest.flush();
    expect(s.lookups.map((l) => [l.code, l.outcome])).toEqual([
      [b, 'shed'],
      [a, 'absent'],
    ]);
    expect(s.rejected.map((r) => [r.code, r.reason])).toEqual([
      [b, 'MSG_UNKNOWN_UNIT'],
      [a, 'MSG_UNKNOWN_UNIT'],
    ]);
    // Remembered: a, then c and d; two at most, so a is forgotten and asked for again, d is not.
    for (const code of [c, d]) s.ingest.handle(unitTopic(code, 'hb'), new Uint8Array(10));
    await s.ingest.flush();
    const queries = s.store.stats.identityLookups;
    s.lookups.length = 0;
    s.ingest.handle(unitTopic(d, 'hb'), new Uint8Array(10));
    s.ingest.handle(unitTopic(a, 'hb'), new Uint8Array(10));
    await s.ingest.flush();
    expect(s.lookups.map((l) => [l.code, l.outcome])).toEqual([
      [d, 'cached'],
      [a, 'absent'],
    ]);
    expect(s.store.stats.identityLookups).toBe(queries + 1);
  }, 60_000);
});
