/**
 * Two `robot-id fleet ingest` workers (the bundle) on mosquitto's shared subscriptions over one
 * PostgreSQL database, units publishing events: one worker is SIGKILLed mid-stream. Afterwards
 * every event of every unit is in the database exactly once, the marks say so, and every unit
 * got the receipts that emptied its outbox.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/index.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { startProc, type Proc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { quietLogger, writeRegistry } from '../helpers/pki.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { useWorld } from '../helpers/world.js';

const available = await postgresAvailable();
const UNITS = 4;
const EVENTS = 60;

const agents: Agent[] = [];

describe.skipIf(!available)('robot-id fleet ingest: two workers, one killed', () => {
  const world = useWorld('rid-workers-', { pki: true, database: true });
  world.cleanup(async () => {
    for (const a of agents) await a.close();
  });
  it('loses nothing and stores nothing twice', async () => {
    const { tmp, broker, database, pki } = world;
    const units = [];
    for (let i = 0; i < UNITS; i++) units.push(await pki.provision());
    const registry = join(tmp, 'registry.jsonl');
    writeRegistry(registry, units);
    const worker = (): Proc =>
      startProc(['fleet', 'ingest', '--broker', broker.url, '--trust', join(pki.root.dir, 'trust.json'), '--db', database.url, '--group', 'g1', '--registry', registry, '--receipt-key', pki.platform.dir, '--json']);
    const workers = [worker(), worker()];
    for (const w of workers) await until(() => w.lines().some((l) => l.includes('subscribed')), `a worker subscribed (${w.lines().join(' | ')})`);

    for (const u of units) agents.push(await startAgent(u.config({ brokerUrl: broker.url, heartbeatIntervalMs: 500, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 1000 }), { logger: quietLogger() }));
    const submitAll = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) await Promise.all(agents.map((a) => a.submitEvent({ kind: 'software-update', note: `v${i}` })));
    };
    await submitAll(0, EVENTS / 2);
    const db = await openDb(database.url);
    try {
      const storedCount = async (): Promise<number> => Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM ingest_messages')).rows[0]!.n);
      // Both workers take their share of the stream before one dies in the middle of it.
      const events = (w: Proc): number => w.lines().filter((l) => l.includes('"kind":"event"')).length;
      await until(() => workers.every((w) => events(w) > 0), 'both workers verified events');
      workers[0]!.child.kill('SIGKILL');
      const storedAtKill = await storedCount();
      expect(storedAtKill).toBeLessThan(UNITS * EVENTS);
      await submitAll(EVENTS / 2, EVENTS);
      const drained = Date.now() + 60_000;
      while (agents.some((a) => a.outbox.depth() > 0)) {
        if (Date.now() > drained) throw new Error(`outboxes not drained: ${agents.map((a) => a.outbox.depth()).join(', ')}; worker: ${workers[1]!.lines().slice(-5).join(' | ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const u of units) {
        const rows = (await db.pool.query<{ seq: string }>('SELECT seq FROM ingest_messages WHERE code = $1 AND stream = 0 ORDER BY seq', [u.code])).rows.map((r) => Number(r.seq));
        expect(rows).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
        const mark = (await db.pool.query<{ contiguous: string }>('SELECT contiguous FROM ingest_marks WHERE code = $1 AND stream = 0', [u.code])).rows[0];
        expect(Number(mark?.contiguous)).toBe(EVENTS);
      }
      expect(await storedCount()).toBe(UNITS * EVENTS);
      // What the platform told each unit it holds: all of it (written about once a second).
      const issuedAll = Date.now() + 5_000;
      const issued = async (): Promise<number[]> => (await db.pool.query<{ event: string }>('SELECT event FROM receipts_issued ORDER BY code')).rows.map((r) => Number(r.event));
      while ((await issued()).join() !== units.map(() => EVENTS).join() && Date.now() < issuedAll) await new Promise((r) => setTimeout(r, 100));
      expect(await issued()).toEqual(units.map(() => EVENTS));
      // The survivor stored what the dead worker never confirmed.
      expect(events(workers[1]!)).toBeGreaterThan(0);
      // The survivor reported no unit offline while every unit kept its heartbeats going.
      expect(workers[1]!.lines().filter((l) => l.includes('"kind":"offline"'))).toEqual([]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
