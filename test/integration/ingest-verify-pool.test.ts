/**
 * The ingest with its verification threads (platform/ingest/verify-pool.ts, ordered-queue.ts)
 * against the same ingest without them, on one broker: the same messages verified in the same
 * order, the same refusals with the same reasons (tampered, wrong key, another unit's key,
 * unknown unit, revoked unit, replayed), the same entries stored; a thread killed mid-stream
 * loses nothing; the queue stays within its bounds and the proven set empties.
 */
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  COSE_ALG_SM2_SM3,
  Revocations,
  entryHash,
  generateKeyPair,
  loadSigner,
  seedSigner,
  signEvent,
  signHeartbeat,
  unitTopic,
  type Signer,
} from '../../sdk/index.js';
import type { IngestConnection } from '../../platform/index.js';
import { makePki, type TestUnit } from '../helpers/pki.js';
import { emptyRecord, startIngest, until, type Recorded } from '../helpers/ingest-recorder.js';
import { storedCounts } from '../helpers/stored.js';
import { testHeartbeat } from '../helpers/heartbeat.js';
import { useWorld } from '../helpers/world.js';

let units: TestUnit[];
let signers: Map<string, Signer>;
let pub: MqttClient;
const open: IngestConnection[] = [];

const now = (): number => Math.floor(Date.now() / 1000);
const heartbeatOf = (code: string, counter: number, boot = 1) => testHeartbeat(code, { boot, counter, uptimeS: counter, nextDueBy: now() + 600 });

const world = useWorld('rid-verify-pool-', { pki: true });
// Run newest first: the publisher leaves, then the ingests close.
world.cleanup(async () => {
  for (const c of open) await c.close();
});
world.cleanup(() => pub?.endAsync());
beforeAll(async () => {
  const pki = world.pki;
  units = [await pki.provision(), await pki.provision(), await pki.provision(), await pki.provision(), await pki.provision(undefined, { alg: COSE_ALG_SM2_SM3 })];
  signers = new Map(units.map((u) => [u.code, loadSigner(join(u.stateDir, 'device.key'))]));
  pub = await connectAsync(world.broker.url, { clientId: 'verify-pool-publisher', reconnectPeriod: 0 });
}, 60_000);

async function ingestWith(name: string, verifyThreads: number, extra: Parameters<typeof startIngest>[4] = {}): Promise<{ conn: IngestConnection; seen: Recorded; dir: string }> {
  const seen = emptyRecord();
  const dir = world.p(name);
  const conn = await startIngest(world.pki, units.slice(0, 4).concat(units[4]!), world.broker.url, dir, { into: seen, clientId: `ingest-${name}`, verifyThreads, ...extra });
  open.push(conn);
  return { conn, seen, dir };
}

const handledCount = (r: Recorded): number => r.messages.length + r.rejected.length + r.duplicates;

describe('the ingest with verification threads', () => {
  it('verifies, refuses and stores exactly what it does without them, in the same order', async () => {
    const { tmp } = world;
    const [a, b, c, revoked, sm2] = units as [TestUnit, TestUnit, TestUnit, TestUnit, TestUnit];
    const revocations = new Revocations({ codes: [revoked.code] });
    const off = await ingestWith('off', 0, { revocations });
    const on = await ingestWith('on', 2, { revocations });
    expect(off.conn.preverify).toBeUndefined();
    expect(on.conn.preverify).toBeDefined();

    const stranger = seedSigner(generateKeyPair().seed);
    const unknown = await makePki(join(tmp, 'stranger-pki'));
    const outsider = await unknown.provision();
    const msgs: { topic: string; bytes: Uint8Array; qos: 0 | 1 }[] = [];
    const hb = async (u: TestUnit, counter: number, signer = signers.get(u.code)!, code = u.code) =>
      msgs.push({ topic: unitTopic(code, 'hb'), bytes: await signHeartbeat(signer, heartbeatOf(code, counter)), qos: 0 });
    // Each unit's first heartbeat verifies its record too; then a stream interleaved across units.
    for (let counter = 1; counter <= 40; counter++) for (const u of [a, b, c, sm2]) await hb(u, counter);
    // Refusals, each on the path the threads take (QoS 0).
    const genuine = await signHeartbeat(signers.get(a.code)!, heartbeatOf(a.code, 41));
    const tampered = Uint8Array.from(genuine);
    tampered[tampered.length - 70] ^= 1; // a payload byte: same signature, other bytes
    msgs.push({ topic: unitTopic(a.code, 'hb'), bytes: tampered, qos: 0 });
    msgs.push({ topic: unitTopic(a.code, 'hb'), bytes: genuine, qos: 0 });
    msgs.push({ topic: unitTopic(a.code, 'hb'), bytes: genuine, qos: 0 }); // replayed
    await hb(b, 41, stranger); // a stranger's key
    await hb(b, 42, signers.get(c.code)!); // another unit's key
    await hb(revoked, 1); // a revoked unit
    msgs.push({ topic: unitTopic(outsider.code, 'hb'), bytes: await signHeartbeat(loadSigner(join(outsider.stateDir, 'device.key')), heartbeatOf(outsider.code, 1)), qos: 0 });
    // Events, chained, at QoS 1 as units send them and at QoS 0, one resent (a duplicate).
    let prev: Uint8Array = new Uint8Array(32);
    for (let seq = 1; seq <= 6; seq++) {
      const bytes = await signEvent(signers.get(c.code)!, { code: c.code, seq, prevHash: prev, time: now(), kind: 'fault' });
      prev = entryHash(bytes);
      msgs.push({ topic: unitTopic(c.code, 'evt'), bytes, qos: seq % 2 === 0 ? 1 : 0 });
      if (seq === 3) msgs.push({ topic: unitTopic(c.code, 'evt'), bytes, qos: 0 });
      await hb(c, 40 + seq);
    }
    for (const m of msgs) await pub.publishAsync(m.topic, Buffer.from(m.bytes), { qos: m.qos });

    await until(() => handledCount(off.seen) === msgs.length && handledCount(on.seen) === msgs.length, 'both ingests handled every message');
    await off.conn.ingest.flush();
    await on.conn.ingest.flush();
    const view = (r: Recorded) => ({
      messages: r.messages.map((m) => `${m.code} ${m.kind} ${m.seq} ${m.verified}`),
      rejected: r.rejected.map((x) => `${x.code} ${x.kind} ${x.reason}`),
      duplicates: r.duplicates,
    });
    expect(view(on.seen)).toEqual(view(off.seen));
    expect(view(off.seen).rejected).toEqual([
      `${a.code} heartbeat MSG_BAD_SIGNATURE`,
      `${a.code} heartbeat MSG_REPLAYED`,
      `${b.code} heartbeat MSG_BAD_SIGNATURE`,
      `${b.code} heartbeat MSG_BAD_SIGNATURE`,
      `${revoked.code} heartbeat MSG_REVOKED`,
      `${outsider.code} heartbeat MSG_UNKNOWN_UNIT`,
    ]);
    expect(off.seen.duplicates).toBe(1);
    // Per unit, in the order published.
    for (const u of [a, b, c, sm2]) {
      const counters = on.seen.messages.filter((m) => m.code === u.code && m.kind === 'heartbeat').map((m) => m.seq);
      expect(counters).toEqual([...counters].sort((x, y) => x - y));
      expect(counters.length).toBe(u === a ? 41 : u === c ? 46 : 40);
    }
    for (const x of [off, on]) expect([...storedCounts(x.dir, c.code, 'event')].sort()).toEqual([1, 2, 3, 4, 5, 6].map((s) => [s, 1]));
    expect(on.conn.ingest.marksOf(c.code)).toEqual(off.conn.ingest.marksOf(c.code));
    // Both receipt the whole chain (when, and in how many receipts, depends on the commits' timing).
    for (const x of [off, on]) await until(() => x.seen.receipts.some((r) => r.code === c.code && r.event === 6), 'the receipt naming every event');
    for (const x of [off, on]) expect(Math.max(...x.seen.receipts.filter((r) => r.code === c.code).map((r) => r.event))).toBe(6);

    // The threads did the work: the EdDSA units' signatures (and their records') were proven
    // ahead; the SM2 unit's were not sent (always checked in order).
    const pre = on.conn.preverify!;
    expect(pre.pool.stats.proven).toBeGreaterThanOrEqual(3 * 40 + 3);
    expect(pre.proven.stats.hits).toBeGreaterThanOrEqual(3 * 40 + 3);
    expect(pre.proven.size).toBe(0);
    expect(pre.queue.depth).toBe(0);
    for (const x of [off, on]) await x.conn.close();
  }, 60_000);

  it('loses nothing when a thread is killed mid-stream, and replaces it', async () => {
    const x = await ingestWith('killed', 2);
    const pool = x.conn.preverify!.pool;
    const [a, b, c] = units as [TestUnit, TestUnit, TestUnit];
    const msgs: { topic: string; bytes: Uint8Array }[] = [];
    for (let counter = 1; counter <= 400; counter++) {
      for (const u of [a, b, c]) msgs.push({ topic: unitTopic(u.code, 'hb'), bytes: await signHeartbeat(signers.get(u.code)!, heartbeatOf(u.code, counter, 2)) });
    }
    const half = msgs.length / 2;
    for (const m of msgs.slice(0, half)) void pub.publish(m.topic, Buffer.from(m.bytes), { qos: 0 });
    await until(() => pool.inFlight > 0 || handledCount(x.seen) > 0, 'claims in flight');
    const victim = pool.workers[0]!;
    await victim.terminate();
    for (const m of msgs.slice(half)) await pub.publishAsync(m.topic, Buffer.from(m.bytes), { qos: 0 });
    await until(() => handledCount(x.seen) === msgs.length, 'every heartbeat handled');
    expect(x.seen.rejected).toEqual([]);
    expect(x.seen.messages.filter((m) => m.kind === 'heartbeat')).toHaveLength(msgs.length);
    expect(pool.stats.restarts).toBe(1);
    expect(pool.workers).toHaveLength(2);
    expect(pool.workers).not.toContain(victim);
    await x.conn.close();
  }, 60_000);

  it('holds the broker back at its bounds and ends with nothing held', async () => {
    const x = await ingestWith('bounded', 2, { verifyQueue: { maxMessages: 8, maxBytes: 2048 } });
    const pre = x.conn.preverify!;
    const [a, b] = units as [TestUnit, TestUnit];
    const msgs: { topic: string; bytes: Uint8Array }[] = [];
    for (let counter = 1; counter <= 300; counter++) {
      for (const u of [a, b]) msgs.push({ topic: unitTopic(u.code, 'hb'), bytes: await signHeartbeat(signers.get(u.code)!, heartbeatOf(u.code, counter, 3)) });
    }
    await Promise.all(msgs.map((m) => pub.publishAsync(m.topic, Buffer.from(m.bytes), { qos: 0 })));
    await until(() => handledCount(x.seen) === msgs.length, 'every heartbeat handled');
    expect(x.seen.rejected).toEqual([]);
    expect(pre.queue.peak.messages).toBeLessThanOrEqual(8);
    expect(pre.queue.peak.bytes).toBeLessThanOrEqual(2048 + Math.max(...msgs.map((m) => m.bytes.length)));
    expect(pre.queue.peak.messages).toBeGreaterThan(1);
    expect(pre.proven.size).toBe(0);
    expect(pre.queue.depth).toBe(0);
    await x.conn.close();
  }, 60_000);

  it("by default ('busy') leaves a light load to the event loop: no message goes to a thread", async () => {
    const x = await ingestWith('busy', 2, { verifyAhead: 'busy' });
    const pre = x.conn.preverify!;
    const [a, b] = units as [TestUnit, TestUnit];
    const msgs: { topic: string; bytes: Uint8Array }[] = [];
    // A few heartbeats spread over more than the sample window: the loop is never saturated.
    for (let counter = 1; counter <= 12; counter++) {
      for (const u of [a, b]) msgs.push({ topic: unitTopic(u.code, 'hb'), bytes: await signHeartbeat(signers.get(u.code)!, heartbeatOf(u.code, counter, 4)) });
    }
    for (const [i, m] of msgs.entries()) {
      await pub.publishAsync(m.topic, Buffer.from(m.bytes), { qos: 0 });
      if (i % 4 === 3) await new Promise((r) => setTimeout(r, 100));
    }
    await until(() => handledCount(x.seen) === msgs.length, 'every heartbeat handled');
    expect(x.seen.rejected).toEqual([]);
    expect(x.seen.messages.length).toBe(msgs.length);
    expect(pre.pool.stats.proven).toBe(0);
    expect(pre.proven.stats.hits).toBe(0);
    // Never engaged, never started: no isolate's memory for a light load.
    expect(pre.pool.workers).toHaveLength(0);
    await x.conn.close();
  }, 60_000);
});
