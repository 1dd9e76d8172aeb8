/**
 * The recall publisher on PostgreSQL through the real CLI bundle: `recall publish --db` keeps
 * the notice and the signed indexes in the database; after a broker wipe (mosquitto SIGKILLed
 * and restarted without persistence) `recall republish --db` restores every retained notice
 * and index byte for byte, and `recall status --db` answers from the database alone (notices,
 * targeted units from unit_identities, acks), naming the notice the wiped broker lacks, asked
 * by its exact topic. Two `recall publish --db` processes at once both land. Naming --state
 * and --db together is refused with STATE_CHOICE (exit 2).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../platform/store/postgres/connect.js';
import { BUNDLE, cli } from '../helpers/agent-process.js';
import { retainedUnder } from '../helpers/mqtt-collect.js';
import { TEST_ENTERPRISE, TEST_MODEL, writeRegistry } from '../helpers/pki.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { useWorld, type World } from '../helpers/world.js';

const available = await postgresAvailable();

type Status = { counts: Record<string, number>; units: { code: string; state: string }[]; notes: string[]; error?: { code: string } };

function signNotice({ tmp, pki }: World, recallId: string, campaignId: string): string {
  const file = join(tmp, `${recallId}.json`);
  writeFileSync(
    file,
    JSON.stringify({ recallId, revision: 1, campaignId, notAfter: Math.floor(Date.now() / 1000) + 86400, action: 'notify', reason: 'r', remedy: 'm', target: { enterprise: TEST_ENTERPRISE, model: TEST_MODEL } }),
  );
  const out = join(tmp, `${recallId}.cose`);
  const r = cli(['recall', 'sign', '--notice', file, '--key', pki.enterprise.dir, '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

/** The bundle as a child process, awaited (two at once need two processes). */
function run(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('exit', (status) => resolve({ status, out }));
  });
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe.skipIf(!available)('the recall publisher on PostgreSQL', () => {
  const world = useWorld('rid-publisher-db-', { pki: true, database: true });
  it('publish --db, broker wipe, republish --db restores every notice and index byte for byte; status --db answers from the database', async () => {
    const { tmp, broker, pki, database } = world;
    const units = [await pki.provision(), await pki.provision()];
    const registry = join(tmp, 'registry.jsonl');
    writeRegistry(registry, units);
    const trust = join(pki.root.dir, 'trust.json');
    const imported = cli(['platform', 'registry', 'import', registry, '--trust', trust, '--db', database.url]);
    expect(imported.status, imported.stderr).toBe(0);

    const published = cli(['recall', 'publish', signNotice(world, 'R-DB-WIPE', 'C-DB-WIPE'), '--broker', broker.url, '--key', pki.platform.dir, '--db', database.url, '--json']);
    expect(published.status, published.stderr).toBe(0);
    const filters = ['rid/v1/recall/#', 'rid/v1/index/#'];
    const before = (await retainedUnder(broker.url, filters)).map((r) => [r.topic, hex(r.payload)]);
    expect(before.some(([t]) => t!.endsWith('/R-DB-WIPE'))).toBe(true);
    expect(before.some(([t]) => t === 'rid/v1/index/c/86')).toBe(true);
    // What the broker holds is what the database holds.
    const db = await openDb(database.url, { max: 1 });
    try {
      const notice = (await db.pool.query<{ bytes: Buffer }>("SELECT bytes FROM publisher_notices WHERE recall_id = 'R-DB-WIPE'")).rows[0]!.bytes;
      expect(before.filter(([t]) => t!.endsWith('/R-DB-WIPE')).every(([, b]) => b === notice.toString('hex'))).toBe(true);
      const indexes = (await db.pool.query<{ scope: string; bytes: Buffer }>('SELECT scope, bytes FROM publisher_indexes')).rows;
      for (const i of indexes) expect(before.find(([t]) => t === `rid/v1/index/${i.scope}`)?.[1]).toBe(i.bytes.toString('hex'));
    } finally {
      await db.close();
    }

    const status = (...args: string[]): { code: number | null; body: Status } => {
      const r = cli(['recall', 'status', 'C-DB-WIPE', '--trust', trust, '--wait', '2', '--json', ...args]);
      return { code: r.status, body: JSON.parse(r.stdout) as Status };
    };
    const first = status('--db', database.url, '--broker', broker.url);
    expect(first.code).toBe(0);
    expect(first.body.notes.join(' ')).not.toMatch(/lacks/);

    // The broker loses everything it held in memory.
    await broker.kill('SIGKILL');
    await broker.start();
    expect(await retainedUnder(broker.url, filters)).toEqual([]);
    // No --state, no --registry: notices, units and acks from the database alone.
    const after = status('--db', database.url, '--broker', broker.url);
    expect(after.code).toBe(0);
    expect(after.body.counts.pending).toBe(2);
    expect(after.body.units.map((u) => u.code).sort()).toEqual(units.map((u) => u.code).sort());
    expect(after.body.notes.join(' ')).toMatch(/broker lacks .*R-DB-WIPE \(not retained\)/);

    const republished = cli(['recall', 'republish', '--broker', broker.url, '--key', pki.platform.dir, '--db', database.url]);
    expect(republished.status, republished.stderr).toBe(0);
    expect((await retainedUnder(broker.url, filters)).map((r) => [r.topic, hex(r.payload)])).toEqual(before);
    expect(status('--db', database.url, '--broker', broker.url).body.notes.join(' ')).not.toMatch(/lacks/);
  }, 120_000);

  it('two recall publish --db processes at once both land', async () => {
    const { broker, pki, database } = world;
    const [a, b] = [signNotice(world, 'R-DB-A', 'C-DB-AB'), signNotice(world, 'R-DB-B', 'C-DB-AB')];
    const common = ['--broker', broker.url, '--key', pki.platform.dir, '--db', database.url, '--json'];
    const [ra, rb] = await Promise.all([run(['recall', 'publish', a, ...common]), run(['recall', 'publish', b, ...common])]);
    expect(ra.status, ra.out).toBe(0);
    expect(rb.status, rb.out).toBe(0);
    const r = cli(['recall', 'status', 'C-DB-AB', '--trust', join(pki.root.dir, 'trust.json'), '--db', database.url, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { notices: { recallId: string }[] }).notices.map((n) => n.recallId).sort()).toEqual(['R-DB-A', 'R-DB-B']);
    // The country index the broker holds is the last one signed, and names both.
    const db = await openDb(database.url, { max: 1 });
    try {
      const country = (await db.pool.query<{ bytes: Buffer }>("SELECT bytes FROM publisher_indexes WHERE scope = 'c/86'")).rows[0]!.bytes;
      const held = (await retainedUnder(broker.url, ['rid/v1/index/c/86']))[0]!;
      expect(hex(held.payload)).toBe(country.toString('hex'));
    } finally {
      await db.close();
    }
  }, 120_000);

  it('--state and --db together are refused: STATE_CHOICE, exit 2', () => {
    const { tmp, broker, pki, database } = world;
    const r = cli(['recall', 'republish', '--broker', broker.url, '--key', pki.platform.dir, '--state', join(tmp, 'x'), '--db', database.url, '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'STATE_CHOICE', message: expect.stringContaining('got both') } });
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });
});
