/**
 * `robot-id platform registry import` from the bundle: keeps a maker's registry in the platform
 * database, each record verified first; unreadable lines and records that do not verify are
 * reported and make the exit status 1, the others are kept all the same; a second run keeps
 * nothing again. A database without the migrations is refused with its typed error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/binary.js';
import { makePki } from '../helpers/pki.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';
import { FleetIngest, loadSigner, signEvent, unitTopic } from '../../sdk/index.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { PostgresIngestStore } from '../../platform/store/postgres/pg-store.js';

const available = await postgresAvailable();
const dbs: TestDatabase[] = [];
let tmp: string | undefined;
afterAll(async () => {
  for (const d of dbs) await d.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Summary {
  records: number;
  verified: number;
  stored: number;
  alreadyKept: number;
  refused: { code: string; reason: string }[];
  unreadable: string[];
  error?: { code: string };
}

function cli(args: string[]): { status: number | null; out: string; err: string; json?: Summary } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/robot-id.cjs'), ...args], { encoding: 'utf8', env: { ...process.env, ROBOT_ID_PLATFORM_DB: '' } });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { status: r.status, out: r.stdout, err: r.stderr, ...(line.startsWith('{') ? { json: JSON.parse(line) as Summary } : {}) };
}

describe.skipIf(!available)('robot-id platform registry import', () => {
  it('verifies each record, keeps those that verify once, and reports the rest', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rid-registry-'));
    const pki = await makePki(join(tmp, 'pki'));
    const stranger = await makePki(join(tmp, 'stranger'));
    const units = [await pki.provision(), await pki.provision()];
    const foreign = await stranger.provision();
    const line = (u: { code: string; identity: { bytes: Uint8Array } }): string => JSON.stringify({ code: u.code, identity: Buffer.from(u.identity.bytes).toString('base64') });
    const registry = join(tmp, 'registry.jsonl');
    writeFileSync(registry, [line(units[0]!), 'not json', line(foreign), line(units[1]!)].join('\n') + '\n');
    const clean = join(tmp, 'clean.jsonl');
    writeFileSync(clean, units.map(line).join('\n') + '\n');
    const trust = join(pki.root.dir, 'trust.json');
    const t = await createTestDatabase();
    dbs.push(t);
    const secret = 'pw-Rg55-never-shown';
    const withPw = new URL(t.url);
    withPw.password = secret;

    // Not migrated: refused before anything is read into it.
    const unmigrated = cli(['platform', 'registry', 'import', registry, '--trust', trust, '--db', withPw.toString(), '--json']);
    expect(unmigrated.status).toBe(4);
    expect(unmigrated.json?.error?.code).toBe('DB_NOT_MIGRATED');
    expect(unmigrated.out + unmigrated.err).not.toContain(secret);
    expect(cli(['platform', 'migrate', '--db', t.url]).status).toBe(0);

    const first = cli(['platform', 'registry', 'import', registry, '--trust', trust, '--db', t.url, '--json']);
    expect(first.status, first.err).toBe(1);
    expect(first.json).toMatchObject({ records: 3, verified: 2, stored: 2, alreadyKept: 0 });
    expect(first.json?.refused.map((r) => [r.code, r.reason])).toEqual([[foreign.code, 'MSG_UNKNOWN_UNIT']]);
    expect(first.json?.unreadable).toHaveLength(1);

    const again = cli(['platform', 'registry', 'import', clean, '--trust', trust, '--db', t.url]);
    expect(again.status, again.err).toBe(0);
    expect(again.out).toMatch(/2 records read, 2 units verified: 0 kept now, 2 already kept/);

    const db = await openDb(t.url);
    try {
      const rows = (await db.pool.query<{ code: string; record: Buffer }>('SELECT code, record FROM unit_identities ORDER BY code')).rows;
      expect(rows.map((r) => r.code)).toEqual(units.map((u) => u.code).sort());
      for (const r of rows) expect(Buffer.from(r.record).equals(Buffer.from(units.find((u) => u.code === r.code)!.identity.bytes))).toBe(true);
      // An ingest opened on the database now knows the imported units: their events verify and
      // are stored with no registry and no identity topic.
      const ingest = new FleetIngest({ trust: pki.root.trust, store: await PostgresIngestStore.open(db) });
      const rejected: string[] = [];
      ingest.on('rejected', (r) => rejected.push(`${r.code}: ${r.reason}`));
      expect(ingest.storedIdentities.loaded).toBe(2);
      for (const u of units) {
        const device = loadSigner(join(u.stateDir, 'device.key'));
        ingest.handle(unitTopic(u.code, 'evt'), await signEvent(device, { code: u.code, seq: 1, prevHash: new Uint8Array(32), time: Math.floor(Date.now() / 1000), kind: 'maintenance' }));
      }
      await ingest.close();
      expect(rejected).toEqual([]);
      expect(Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM ingest_messages')).rows[0]!.n)).toBe(2);
    } finally {
      await db.close();
    }

    expect(cli(['platform', 'registry', 'import', join(tmp, 'absent.jsonl'), '--trust', trust, '--db', t.url]).status).toBe(2);
    expect(cli(['platform', 'registry', 'import', clean, '--trust', trust]).status).toBe(2);
  }, 60_000);
});
