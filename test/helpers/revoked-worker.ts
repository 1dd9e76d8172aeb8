/**
 * What the revocation tests share: units X and another with the registry naming both and an
 * agent each; a `fleet ingest` worker and its JSON lines; what they check once a worker holds X
 * as revoked (X's next event is refused `MSG_REVOKED` and never receipted, the other unit's is
 * receipted, and the worker verified none of X's events but the first); and what the database
 * stored of a unit.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { startAgent, type Agent } from '../../agent/index.js';
import type { Db } from '../../platform/store/postgres/connect.js';
import { startProc, type Proc } from './agent-process.js';
import { until } from './ingest-recorder.js';
import { quietLogger, type TestUnit, writeRegistry } from './pki.js';
import type { World } from './world.js';

export interface Worker {
  proc: Proc;
  /** Its JSON lines so far. */
  lines(): WorkerLine[];
}

/** Starts `robot-id fleet ingest <args>` and resolves once it says it subscribed. */
export async function startWorker(args: string[], name = 'the worker'): Promise<Worker> {
  const proc = startProc(['fleet', 'ingest', ...args]);
  await until(() => proc.lines().some((l) => l.includes('subscribed')), `${name} subscribed (${proc.lines().join(' | ')})`);
  return { proc, lines: () => proc.lines().flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as WorkerLine] : [])) };
}

export interface TwoUnits {
  units: [TestUnit, TestUnit];
  x: TestUnit;
  other: TestUnit;
  /** `<tmp>/registry.jsonl`, naming both. */
  registry: string;
  /** Starts a real agent for each on the world's broker (heartbeats and resends every 300 ms); the world closes them. */
  startAgents(): Promise<[Agent, Agent]>;
}

/** Provisions X and the other unit with the world's PKI and writes the registry naming both. */
export async function twoUnits(world: World): Promise<TwoUnits> {
  const units: [TestUnit, TestUnit] = [await world.pki.provision(), await world.pki.provision()];
  const registry = join(world.tmp, 'registry.jsonl');
  writeRegistry(registry, units);
  return {
    units,
    x: units[0],
    other: units[1],
    registry,
    async startAgents() {
      const started: Agent[] = [];
      for (const u of units) {
        const agent = await startAgent(u.config({ brokerUrl: world.broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 300 }), { logger: quietLogger() });
        world.cleanup(() => agent.close());
        started.push(agent);
      }
      return started as [Agent, Agent];
    },
  };
}

/** One JSON line of `fleet ingest --json`. */
export type WorkerLine = { code?: string; kind: string; verified: boolean; reason?: string; seq?: number };

export async function refusedAfterRevocation(x: Agent, xCode: string, other: Agent, lines: () => WorkerLine[]): Promise<void> {
  await x.submitEvent({ kind: 'maintenance', note: 'after' });
  await other.submitEvent({ kind: 'maintenance', note: 'other' });
  await until(() => lines().some((l) => l.code === xCode && l.kind === 'event' && l.reason === 'MSG_REVOKED'), "X's event refused as revoked", 30_000);
  await until(() => other.outbox.confirmed('event') === 1, "the other unit's event receipted", 30_000);
  // Time for a receipt that should not come (X's agent resends every 300 ms).
  await new Promise((r) => setTimeout(r, 1500));
  expect(x.outbox.confirmed('event')).toBe(1);
  expect(lines().filter((l) => l.code === xCode && l.kind === 'event' && l.verified).map((l) => l.seq)).toEqual([1]);
}

/** The seqs of the events the database stored for `code`, in order. */
export async function storedEventSeqs(db: Db, code: string): Promise<number[]> {
  const r = await db.pool.query<{ seq: string }>('SELECT seq FROM ingest_messages WHERE code = $1 AND stream = 0 ORDER BY seq', [code]);
  return r.rows.map((row) => Number(row.seq));
}
