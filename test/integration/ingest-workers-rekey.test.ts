/**
 * A device rekey with two `robot-id fleet ingest` workers (the bundle) on mosquitto's shared
 * subscriptions over one PostgreSQL database (docs/protocol.md §"Device rekey", §"Fleet
 * ingest"): the agent, a real process restarted on exit 18 as systemd would, rekeys while
 * events are submitted without pause. One worker stores the announcement; the other learns it
 * from the database at its first message signed by the new key. Afterwards every event is in
 * the database exactly once, both workers accepted new-key events, and after both workers
 * restart they accept the new key from their first message on.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callAgent } from '../../agent/index.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { ok, cli, startAgentProcess, startProc, type Proc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { useWorld } from '../helpers/world.js';
import { writeRegistry } from '../helpers/pki.js';

const available = await postgresAvailable();

type Line = { code?: string; kind: string; verified: boolean; reason?: string; seq?: number; eventKind?: string };
const lines = (w: Proc): Line[] => w.lines().flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Line] : []));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!available)('robot-id fleet ingest: a device rekey across two workers', () => {
  const world = useWorld('rid-workers-rekey-', { pki: true, database: true });
  it('stores every event once, takes the new key at whichever worker, and still after both restart', async () => {
    const { tmp, broker, database, pki } = world;
    const p = (f: string): string => world.p(f);
    const unit = await pki.provision();
    const registry = p('registry.jsonl');
    writeRegistry(registry, [unit]);
    const worker = (): Proc =>
      startProc(['fleet', 'ingest', '--broker', broker.url, '--trust', join(pki.root.dir, 'trust.json'), '--db', database.url, '--group', 'g1', '--registry', registry, '--receipt-key', pki.platform.dir, '--json']);
    const subscribed = async (ws: Proc[]): Promise<void> => {
      for (const w of ws) await until(() => w.lines().some((l) => l.includes('subscribed')), `a worker subscribed (${w.lines().join(' | ')})`);
    };
    let workers = [worker(), worker()];
    await subscribed(workers);

    const config = unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 300 });
    const socketPath = config.socketPath;
    let agent = startAgentProcess(tmp, config);

    // The robot's controller: one event after another, each retried until the agent answers it.
    let answered = 0;
    let stop = false;
    const submitter = (async () => {
      for (let i = 0; !stop; i++) {
        for (;;) {
          try {
            const r = await callAgent<{ seq: number }>({ socketPath }, 'POST', '/v1/events', { kind: 'maintenance', note: `work-${i}` }, 5000);
            if (r.status === 201) {
              answered++;
              break;
            }
          } catch {
            // The agent is restarting (socket gone) or stopped mid-request: retried.
          }
          if (stop) return;
          await sleep(20);
        }
        await sleep(5);
      }
    })();
    await until(() => answered >= 15, 'events recorded before the rekey', 30_000);

    // The unit asks, the enterprise issues, the unit installs and stops with 18; started again,
    // it announces the new key while the controller keeps submitting.
    const exited = new Promise<number | null>((r) => agent.child.once('exit', (code) => r(code)));
    ok(cli(['rekey', 'request', '--socket', socketPath, '--out', p('request.cose')]));
    ok(cli(['rekey', 'issue', '--enterprise', pki.enterprise.dir, '--request', p('request.cose'), '--out', p('record.cose'), '--label-out', p('label.cose'), '--json']));
    ok(cli(['rekey', 'install', '--socket', socketPath, '--record', p('record.cose'), '--label', p('label.cose')]));
    expect(await exited).toBe(18);
    agent = startAgentProcess(tmp, config);
    const all = (): Line[] => workers.flatMap(lines);
    await until(() => all().some((l) => l.kind === 'rekeyed' && l.code === unit.code), 'the rekey stored by a worker', 30_000);
    const rekeySeq = all().find((l) => l.kind === 'rekeyed')!.seq!;
    // Whichever worker the broker hands them to, new-key events are stored: the one that did not
    // verify the announcement reads it from the database.
    const newKeyEvents = (w: Proc): number => lines(w).filter((l) => l.kind === 'event' && l.verified && l.seq! > rekeySeq).length;
    await until(() => workers.every((w) => newKeyEvents(w) >= 3), `both workers store new-key events (${workers.map(newKeyEvents).join(', ')})`, 30_000);
    stop = true;
    await submitter;

    const db = await openDb(database.url);
    try {
      const storedSeqs = async (): Promise<number[]> => (await db.pool.query<{ seq: string }>('SELECT seq FROM ingest_messages WHERE code = $1 AND stream = 0 ORDER BY seq', [unit.code])).rows.map((r) => Number(r.seq));
      const headNow = (): number => (JSON.parse(ok(cli(['status', '--agent', socketPath, '--json']))) as { eventLog: { head: { seq: number } } }).eventLog.head.seq;
      const everyEvent = async (head: number, what: string): Promise<void> => {
        const end = Date.now() + 30_000;
        while ((await storedSeqs()).length < head) {
          if (Date.now() > end) throw new Error(`${what}: ${(await storedSeqs()).length} of ${head} events stored`);
          await sleep(100);
        }
        // Exactly once each (the primary key would refuse a second row; the seqs are 1..head).
        expect(await storedSeqs()).toEqual(Array.from({ length: head }, (_, i) => i + 1));
      };
      await everyEvent(headNow(), 'before the workers restart');
      const rekeys = await db.pool.query<{ seq: string }>('SELECT seq FROM ingest_rekeys WHERE code = $1', [unit.code]);
      expect(rekeys.rows.map((r) => Number(r.seq))).toEqual([rekeySeq]);

      // Both workers restart: each knows the rekey from the database at open, before any message.
      await Promise.all(workers.map((w) => w.stop()));
      workers = [worker(), worker()];
      await subscribed(workers);
      for (let i = 0; i < 30; i++) {
        const r = await callAgent<{ seq: number }>({ socketPath }, 'POST', '/v1/events', { kind: 'maintenance', note: `after-${i}` }, 5000);
        expect(r.status).toBe(201);
      }
      await everyEvent(headNow(), 'after the workers restart');
      expect(workers.map(newKeyEvents).every((n) => n > 0)).toBe(true);
      // Nothing the unit signed was refused by the restarted workers.
      for (const w of workers) expect(lines(w).filter((l) => l.code === unit.code && !l.verified)).toEqual([]);
      await agent.stop();
    } finally {
      await db.close();
    }
  }, 180_000);
});
