/**
 * The ingest across a device rekey (docs/protocol.md §"Device rekey", on the platform), with a
 * real agent's log and a real ingest store on disk: entries arrive in any order; the new key
 * counts only once the announcement is stored, entries before it stay verified under the old
 * record, and what the ingest learned survives a restart, or is learned again from a resend
 * when its line was lost in a crash. On PostgreSQL, a second ingest learns the rekey the first
 * stored at its first new-key message (one read, never for a key it knows).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestRekey, startAgent, type Agent } from '../../agent/index.js';
import { stageRecord } from '../../agent/rekey/files.js';
import { FleetIngest, algSigner, generateAlgKeyPair, issueRekeyedRecord, readAlgPrivateKeyFile, signEvent, signRecallAck, unitTopic, type IngestRejection, type IngestStore, type Signer } from '../../sdk/index.js';
import { makePki, quietLogger, type Pki, type TestUnit } from '../helpers/pki.js';
import { openFilesStore } from '../../platform/index.js';
import { REKEYS_FILE } from '../../platform/store/files/rekeys-file.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { migrate } from '../../platform/store/postgres/migrate.js';
import { PostgresIngestStore } from '../../platform/store/postgres/pg-store.js';
import { createTestDatabase, postgresAvailable } from '../helpers/postgres.js';

const pgAvailable = await postgresAvailable();

let tmp: string;
let pki: Pki;
let unit: TestUnit;
let entries: Uint8Array[];
let rekeyedSeq: number;
let oldKey: Signer;
let newKey: Signer;
let oldAck: Uint8Array;
const ackOf = (by: Signer, seq: number): Promise<Uint8Array> =>
  signRecallAck(by, { code: unit.code, seq, recallId: 'R-1', revision: 1, campaignId: 'C-1', status: 'verified', time: Math.floor(Date.now() / 1000) });
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rid-ingest-rekey-'));
  pki = await makePki(tmp);
  unit = await pki.provision();
  const open = (): Promise<Agent> => startAgent(unit.config(), { logger: quietLogger(), modules: [] });
  oldKey = algSigner(readAlgPrivateKeyFile(join(unit.stateDir, 'device.key')));
  let agent = await open();
  for (const note of ['a', 'b', 'c']) await agent.submitEvent({ kind: 'maintenance', note });
  // One ack the old key signed: the announcement says acks up to 1 are the old key's.
  oldAck = (await agent.outbox.appendAck((seq) => ackOf(oldKey, seq)), agent.outbox.pending('ack', 0, 1)[0]!.bytes);
  const { request } = await requestRekey(agent);
  await agent.close();
  stageRecord(unit.stateDir, (await issueRekeyedRecord({ enterprise: pki.enterprise, request })).bytes);
  agent = await open();
  for (const note of ['d', 'e']) await agent.submitEvent({ kind: 'maintenance', note });
  entries = agent.eventLog.read(0, 100).map((e) => e.bytes);
  newKey = agent.signer;
  rekeyedSeq = 4;
  await agent.close();
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ingestAt(dir: string): { ingest: FleetIngest; rejected: IngestRejection[]; stored: number[] } {
  return ingestOn(openFilesStore(dir));
}
function ingestOn(store: IngestStore): { ingest: FleetIngest; rejected: IngestRejection[]; stored: number[] } {
  const ingest = new FleetIngest({ trust: pki.root.trust, store, registry: [{ code: unit.code, identity: unit.identity.bytes }] });
  const rejected: IngestRejection[] = [];
  const stored: number[] = [];
  ingest.on('rejected', (r) => rejected.push(r));
  ingest.on('message', (m) => m.kind === 'event' && stored.push(m.seq));
  return { ingest, rejected, stored };
}
const send = (i: FleetIngest, seq: number): void => i.handle(unitTopic(unit.code, 'evt'), entries[seq - 1]!);

it('refuses the new key before the announcement, takes it after, and keeps older entries under the old record', async () => {
  expect(entries).toHaveLength(6);
  const { ingest, rejected, stored } = ingestAt(join(tmp, 'ingest-1'));
  send(ingest, 1);
  send(ingest, 5); // the new key, before its announcement
  expect(rejected.map((r) => [r.seq, r.reason])).toEqual([[undefined, 'MSG_BAD_SIGNATURE']]);
  send(ingest, rekeyedSeq); // the announcement, with entries 2 and 3 still missing
  send(ingest, 5);
  send(ingest, 3); // old-key entries arriving after the switch
  send(ingest, 2);
  send(ingest, 6);
  expect(stored).toEqual([1, 4, 5, 3, 2, 6]);
  expect(rejected).toHaveLength(1);
  expect(ingest.marksOf(unit.code).event).toBe(6);
  await ingest.close();

  // After a restart: duplicates quiet, the new key still the one in use.
  const again = ingestAt(join(tmp, 'ingest-1'));
  const dups: number[] = [];
  again.ingest.on('duplicate', (d) => dups.push(d.seq));
  for (let s = 1; s <= 6; s++) send(again.ingest, s);
  expect(dups).toEqual([1, 2, 3, 4, 5, 6]);
  expect(again.rejected).toEqual([]);
  expect(again.ingest.identities.get(unit.code).record.recordVersion).toBe(2);
  await again.ingest.close();
});

it('learns the rekey again from a resend when the rekeys line was lost in a crash', async () => {
  const dir = join(tmp, 'ingest-2');
  const first = ingestAt(dir);
  for (let s = 1; s <= 4; s++) send(first.ingest, s);
  await first.ingest.close();
  rmSync(join(dir, REKEYS_FILE));
  const again = ingestAt(dir);
  send(again.ingest, 5);
  expect(again.rejected.map((r) => r.reason)).toEqual(['MSG_BAD_SIGNATURE']);
  send(again.ingest, rekeyedSeq); // the unit resends what no receipt confirmed
  send(again.ingest, 5);
  send(again.ingest, 6);
  expect(again.stored).toEqual([5, 6]);
  await again.ingest.close();
});

it('acks: those the old key signed before the rekey still count when resent; the new key only after the announcement; the old key beyond them and a stranger never', async () => {
  const { ingest, rejected } = ingestAt(join(tmp, 'ingest-3'));
  const acks: number[] = [];
  ingest.on('message', (m) => m.kind === 'ack' && acks.push(m.seq));
  const sendAck = async (by: Signer, seq: number) => ingest.handle(unitTopic(unit.code, 'ack'), await ackOf(by, seq));
  await sendAck(newKey, 2);
  expect(rejected.map((r) => r.reason)).toEqual(['MSG_BAD_SIGNATURE']);
  for (let s = 1; s <= rekeyedSeq; s++) send(ingest, s);
  await sendAck(newKey, 2);
  ingest.handle(unitTopic(unit.code, 'ack'), oldAck);
  // The old key beyond the acks it signed (a copy of it in other hands), and a stranger: refused.
  await sendAck(oldKey, 3);
  await sendAck(algSigner(generateAlgKeyPair()), 3);
  expect(acks).toEqual([2, 1]);
  expect(rejected.map((r) => r.reason)).toEqual(['MSG_BAD_SIGNATURE', 'MSG_BAD_SIGNATURE', 'MSG_BAD_SIGNATURE']);
  await ingest.close();
});

describe.skipIf(!pgAvailable)('two ingests on one PostgreSQL store', () => {
  it('one reads the rekey the other stored, only on a key miss; a restarted one knows it from the start', async () => {
    const t = await createTestDatabase();
    const [da, db, dc, de] = [await openDb(t.url), await openDb(t.url), await openDb(t.url), await openDb(t.url)];
    try {
      await migrate(da);
      const [sa, sb, se] = [await PostgresIngestStore.open(da), await PostgresIngestStore.open(db), await PostgresIngestStore.open(de)];
      const [a, b, e] = [ingestOn(sa), ingestOn(sb), ingestOn(se)];
      send(b.ingest, 1);
      send(b.ingest, 2);
      await b.ingest.flush();
      // Messages signed by the key a worker knows never read the rekeys.
      expect(sb.stats.rekeyReads).toBe(0);
      send(a.ingest, 3);
      send(a.ingest, rekeyedSeq); // the announcement, stored by the first worker
      await a.ingest.flush();
      // The second worker meets the new key: it waits for one read of the store, then stores it.
      send(b.ingest, 5);
      expect(b.rejected).toEqual([]);
      await b.ingest.flush();
      expect(b.stored).toEqual([1, 2, 5]);
      expect(b.rejected).toEqual([]);
      expect(sb.stats.rekeyReads).toBe(1);
      send(b.ingest, 6);
      await b.ingest.flush();
      expect(sb.stats.rekeyReads).toBe(1);
      // A stranger's key: one read finds nothing, and it is refused as before.
      const stranger = algSigner(generateAlgKeyPair());
      const forged = await signEvent(stranger, { code: unit.code, seq: 7, prevHash: new Uint8Array(32), time: Math.floor(Date.now() / 1000), kind: 'maintenance', note: 'forged' });
      b.ingest.handle(unitTopic(unit.code, 'evt'), forged);
      await b.ingest.flush();
      expect(b.rejected.map((r) => r.reason)).toEqual(['MSG_BAD_SIGNATURE']);
      expect(sb.stats.rekeyReads).toBe(2);
      await Promise.all([a.ingest.close(), b.ingest.close()]);

      // A worker that has not met the rekey judges a copy of the old key signing past it under
      // the record it knows; its commit passes the unit's entries over, it reads the rekey, then
      // refuses the copy and still takes the entry the old key signed before the rekey.
      const copy = await signEvent(oldKey, { code: unit.code, seq: 9, prevHash: new Uint8Array(32), time: Math.floor(Date.now() / 1000), kind: 'maintenance', note: 'old key copy' });
      e.ingest.handle(unitTopic(unit.code, 'evt'), copy);
      send(e.ingest, 3);
      expect(e.stored).toEqual([9, 3]);
      await e.ingest.flush();
      expect(e.rejected.map((r) => [r.seq, r.reason])).toEqual([[undefined, 'MSG_BAD_SIGNATURE']]);
      await e.ingest.close();
      const seqs = await da.pool.query<{ seq: string }>('SELECT seq FROM ingest_messages WHERE code = $1 AND stream = 0 ORDER BY seq', [unit.code]);
      expect(seqs.rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6]);


      // A worker started afterwards: the new key's ack counts at once, the old key beyond the
      // rekey is refused, and neither reads the store again.
      const sc = await PostgresIngestStore.open(dc);
      expect(sc.opened.rekeys.map((r) => r.seq)).toEqual([rekeyedSeq]);
      const c = ingestOn(sc);
      const acks: number[] = [];
      c.ingest.on('message', (m) => m.kind === 'ack' && acks.push(m.seq));
      c.ingest.handle(unitTopic(unit.code, 'ack'), await ackOf(newKey, 2));
      const late = await signEvent(oldKey, { code: unit.code, seq: 7, prevHash: new Uint8Array(32), time: Math.floor(Date.now() / 1000), kind: 'maintenance', note: 'old key' });
      c.ingest.handle(unitTopic(unit.code, 'evt'), late);
      await c.ingest.flush();
      expect(acks).toEqual([2]);
      expect(c.rejected.map((r) => r.reason)).toEqual(['MSG_BAD_SIGNATURE']);
      expect(sc.stats.rekeyReads).toBe(0);
      await c.ingest.close();
      const rows = await da.pool.query<{ n: string }>('SELECT count(*) AS n FROM ingest_rekeys');
      expect(Number(rows.rows[0]!.n)).toBe(1);
    } finally {
      for (const d of [da, db, dc, de]) await d.close();
      await t.drop();
    }
  });
});
