/**
 * `recall status --db` and `fleet units --db`: a campaign's acks and the units' presence read
 * from the PostgreSQL a `fleet ingest` worker stores into. Agents as processes take the recall
 * and acknowledge it; after a broker wipe the answer is unchanged (the acks are in the
 * database, the notices in the publisher state) and the broker is named as lacking the notice.
 * Without --registry, `fleet units --db` and `fleet history --db` take the units from the
 * database's unit_identities, verified again; a tampered row is named and skipped.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../platform/store/postgres/connect.js';
import { cli, startAgentProcess, startProc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { TEST_ENTERPRISE, TEST_MODEL, writeRegistry } from '../helpers/pki.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { useWorld } from '../helpers/world.js';

const available = await postgresAvailable();

type Status = { counts: Record<string, number>; units: { code: string; state: string }[]; notes: string[] };
type UnitRow = { code: string; presence: string; recalls: string[] };

describe.skipIf(!available)('recall status and fleet units from PostgreSQL', () => {
  const world = useWorld('rid-status-db-', { pki: true, database: true });
  it('answers from the stored acks, before and after a broker wipe', async () => {
    const { tmp, broker, database, pki } = world;
    const units = [await pki.provision(), await pki.provision()];
    const registry = join(tmp, 'registry.jsonl');
    writeRegistry(registry, units);
    const trust = join(pki.root.dir, 'trust.json');
    const worker = startProc(['fleet', 'ingest', '--broker', broker.url, '--trust', trust, '--db', database.url, '--group', 'g', '--registry', registry, '--receipt-key', pki.platform.dir, '--quiet']);
    await until(() => worker.lines().some((l) => l.includes('subscribed')), `the worker subscribed (${worker.lines().join(' | ')})`);
    for (const u of units) {
      startAgentProcess(tmp, {
        stateDir: u.stateDir,
        hardwareIdSource: { file: u.hardwareIdFile },
        brokerUrl: broker.url,
        heartbeatIntervalMs: 500,
        reconnectMinMs: 50,
        reconnectMaxMs: 400,
        resendIntervalMs: 400,
        recallIndexMaxAgeMs: 60_000,
        recallAction: { command: process.execPath, args: ['-e', "process.stdin.resume();process.stdin.on('end',()=>process.exit(0))"], timeoutMs: 10_000 },
      });
    }
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(
      join(tmp, 'notice.json'),
      JSON.stringify({ recallId: 'R-DB-1', revision: 1, campaignId: 'C-DB', issuedAt: now - 30, notBefore: now - 30, notAfter: now + 86400, action: 'notify', reason: 'r', remedy: 'm', target: { enterprise: TEST_ENTERPRISE, model: TEST_MODEL } }),
    );
    const state = join(tmp, 'publisher');
    expect(cli(['recall', 'sign', '--notice', join(tmp, 'notice.json'), '--key', pki.enterprise.dir, '--out', join(tmp, 'r.cose')]).status).toBe(0);
    const published = cli(['recall', 'publish', join(tmp, 'r.cose'), '--broker', broker.url, '--key', pki.platform.dir, '--state', state]);
    expect(published.status, published.stderr).toBe(0);

    const status = (...extra: string[]): Status => {
      const r = cli(['recall', 'status', 'C-DB', '--state', state, '--trust', trust, '--registry', registry, '--db', database.url, '--wait', '2', '--json', ...extra]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Status;
    };
    let last: Status | undefined;
    const acknowledged = (c: Record<string, number>): number => (c.applied ?? 0) + (c.verified ?? 0);
    await until(() => acknowledged((last = status()).counts) === 2, `both units acknowledged, as stored (${JSON.stringify(last?.counts)})`, 60_000);
    const before = last!.counts;

    // The worker writes presence once a second, so an ack can be stored before its unit's first
    // heartbeat is: online within a few seconds, not necessarily at once.
    const unitsNow = (): UnitRow[] => {
      const r = cli(['fleet', 'units', '--db', database.url, '--registry', registry, '--trust', trust, '--json']);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as UnitRow[];
    };
    let rows = unitsNow();
    for (const deadline = Date.now() + 15_000; rows.some((r) => r.presence !== 'online') && Date.now() < deadline; rows = unitsNow()) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(rows.map((r) => r.code).sort()).toEqual(units.map((u) => u.code).sort());
    for (const r of rows) expect(r).toMatchObject({ presence: 'online', recalls: ['R-DB-1'] });

    // The unit's traced life from the database: its record and its acks, each verified again.
    const history = cli(['fleet', 'history', units[0]!.code, '--db', database.url, '--trust', trust, '--registry', registry, '--json']);
    expect(history.status, history.stderr + history.stdout).toBe(0);
    const life = JSON.parse(history.stdout) as { problems: number; entries: { what: string; verified: boolean; recall?: { recallId: string } }[] };
    expect(life.problems).toBe(0);
    expect(life.entries[0]).toMatchObject({ what: 'manufactured', verified: true });
    expect(life.entries.some((e) => e.recall?.recallId === 'R-DB-1' && e.verified)).toBe(true);

    // Without --registry: the units the database keeps (unit_identities), each verified again.
    const imported = cli(['platform', 'registry', 'import', registry, '--db', database.url, '--trust', trust]);
    expect(imported.status, imported.stderr + imported.stdout).toBe(0);
    const units2 = cli(['fleet', 'units', '--db', database.url, '--trust', trust, '--json']);
    expect(units2.status, units2.stderr).toBe(0);
    expect(units2.stderr).toBe('');
    expect((JSON.parse(units2.stdout) as UnitRow[]).map((r) => r.code).sort()).toEqual(units.map((u) => u.code).sort());
    const history2 = cli(['fleet', 'history', units[0]!.code, '--db', database.url, '--trust', trust, '--json']);
    expect(history2.status, history2.stderr + history2.stdout).toBe(0);
    const life2 = JSON.parse(history2.stdout) as typeof life;
    expect(life2.problems).toBe(0);
    expect(life2.entries[0]).toMatchObject({ what: 'manufactured', verified: true });
    expect(life2.entries.some((e) => e.recall?.recallId === 'R-DB-1' && e.verified)).toBe(true);

    // One stored record tampered (its last byte flipped): named on stderr and skipped.
    const [tampered, intact] = [units[0]!, units[1]!];
    const db = await openDb(database.url);
    try {
      const row = (await db.pool.query<{ record: Buffer }>('SELECT record FROM unit_identities WHERE code = $1', [tampered.code])).rows[0]!;
      const bad = Buffer.from(row.record);
      bad[bad.length - 1]! ^= 0x01;
      await db.pool.query('UPDATE unit_identities SET record = $2 WHERE code = $1', [tampered.code, bad]);
    } finally {
      await db.close();
    }
    const units3 = cli(['fleet', 'units', '--db', database.url, '--trust', trust, '--json']);
    expect(units3.status, units3.stderr).toBe(0);
    expect((JSON.parse(units3.stdout) as UnitRow[]).map((r) => r.code)).toEqual([intact.code]);
    expect(units3.stderr).toContain(`stored unit ${tampered.code}: identity record refused (MSG_UNKNOWN_UNIT), skipped`);
    const history3 = cli(['fleet', 'history', tampered.code, '--db', database.url, '--trust', trust, '--json']);
    expect(history3.stderr).toContain(`stored unit ${tampered.code}: identity record refused`);
    expect(history3.status).toBe(1);
    const history4 = cli(['fleet', 'history', intact.code, '--db', database.url, '--trust', trust, '--json']);
    expect(history4.status, history4.stderr + history4.stdout).toBe(0);
    // --registry, when given, is used as before.
    const units4 = cli(['fleet', 'units', '--db', database.url, '--registry', registry, '--trust', trust, '--json']);
    expect((JSON.parse(units4.stdout) as UnitRow[]).map((r) => r.code).sort()).toEqual(units.map((u) => u.code).sort());

    // The broker forgets everything; the database and the publisher state do not.
    await broker.kill('SIGKILL');
    await broker.start();
    const after = status('--broker', broker.url);
    expect(after.counts).toEqual(before);
    expect(after.counts.pending).toBe(0);
    expect(after.notes.join(' ')).toMatch(/broker lacks .*R-DB-1 \(not retained\)/);

    // --ingest and --db together: one store only.
    const both = cli(['fleet', 'units', '--db', database.url, '--ingest', tmp, '--registry', registry, '--trust', trust]);
    expect(both.status).toBe(2);
  }, 150_000);
});
