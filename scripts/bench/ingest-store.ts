/**
 * The ingest's store cost: the same signed events through FleetIngest (verify, marks, store,
 * group commit every `batch` events, signed receipts) with no store, the files store and the
 * PostgreSQL store, in one process, no broker. Shows what each commit path costs per event.
 *
 *   npx tsx scripts/bench/ingest-store.ts [units=2000] [--db postgres://postgres@127.0.0.1:5432/postgres]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { FleetIngest, type IngestStore } from '../../sdk/index.js';
import { loadAuthority } from '../../sdk/index.js';
import { openFilesStore } from '../../platform/index.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { migrate } from '../../platform/store/postgres/migrate.js';
import { PostgresIngestStore } from '../../platform/store/postgres/pg-store.js';
import { prepare } from './ingest.js';
import { loadNote, machine } from './harness.js';

const args = process.argv.slice(2);
const server = args.includes('--db') ? args[args.indexOf('--db') + 1]! : undefined;
const units = Number(args.find((a) => /^\d+$/.test(a)) ?? 2000);
const input = await prepare(units, 3);
const platform = loadAuthority(join(input.dir, 'platform'));

async function run(name: string, store: IngestStore | undefined): Promise<void> {
  const ingest = new FleetIngest({
    trust: input.trustStore,
    registry: input.units.map((u) => ({ code: u.code, identity: u.identity.bytes })),
    store,
    ...(store ? { receipts: { signer: platform.signer, certificate: platform.certificate! } } : {}),
    publish: () => undefined,
    receiptMinIntervalMs: 0,
  });
  for (const u of input.units) ingest.identities.get(u.code);
  const t0 = performance.now();
  let i = 0;
  for (const e of input.events) {
    ingest.handle(e.topic, e.bytes);
    if (++i % 500 === 0) await ingest.flush();
  }
  await ingest.flush();
  const ms = performance.now() - t0;
  console.log(`${name.padEnd(28)} ${Math.round((input.events.length / ms) * 1000)} events/s (${ingest.stats.stored} stored, ${ingest.stats.receipts} receipts, ${ingest.stats.rejected} rejected)`);
  await ingest.close();
}

console.log(`${units} units x 3 events, commit every 500 events; ${machine()}, ${loadNote()}`);
await run('no store (no receipts)', undefined);
const dir = mkdtempSync(join(tmpdir(), 'rid-bench-store-'));
await run('files store', openFilesStore(dir));
rmSync(dir, { recursive: true, force: true });
if (server) {
  const name = `robot_id_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(server);
  u.pathname = `/${name}`;
  const db = await openDb(u.toString());
  try {
    await migrate(db);
    await run('PostgreSQL store', await PostgresIngestStore.open(db));
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
rmSync(input.dir, { recursive: true, force: true });
