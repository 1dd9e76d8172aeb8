/**
 * `npm run fleet-sim -- --db ... --ingest-workers 1,2` runs end to end: a small fleet's signed
 * events through one and then two `fleet ingest` workers into fresh databases it creates and
 * drops. Correctness only: the figures are printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/postgres.js';

const available = await postgresAvailable();
const SERVER = process.env.ROBOT_ID_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function benchDatabases(): Promise<string[]> {
  const c = new pg.Client({ connectionString: SERVER });
  await c.connect();
  try {
    return (await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'robot_id_bench_%'")).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

it.skipIf(!available)('measures one and two ingest workers on PostgreSQL and leaves no database behind', async () => {
  const before = await benchDatabases();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/fleet-sim/main.ts', '--db', SERVER, '--ingest-workers', '1,2', '--robots', '40', '--events', '2', '--json', '--no-build'], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as { raw: number; runs: { workers: number; events: number; heartbeats: number; perWorker: { verified: number }[]; receiptP99Ms: number }[] };
  expect(result.raw).toBeGreaterThan(0);
  expect(result.runs.map((x) => x.workers)).toEqual([1, 2]);
  for (const run of result.runs) {
    expect(run.events).toBe(80);
    expect(run.heartbeats).toBe(80);
    // Every event and heartbeat verified by some worker (a resend may be verified twice).
    expect(run.perWorker.reduce((a, w) => a + w.verified, 0)).toBeGreaterThanOrEqual(160);
    expect(run.receiptP99Ms).toBeGreaterThan(0);
  }
  expect((await benchDatabases()).filter((d) => !before.includes(d))).toEqual([]);
}, 150_000);
