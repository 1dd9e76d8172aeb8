/**
 * `robot-id platform migrate` from the bundle: applies the migrations once, is a no-op the
 * second time, and answers a bad URL, an unreachable server and a missing database with typed
 * errors and their exit statuses, never showing the password. A store refuses a database
 * without the migrations.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/binary.js';
import { freePort } from '../helpers/broker.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { PostgresIngestStore } from '../../platform/store/postgres/pg-store.js';
import { PlatformDbError } from '../../platform/store/postgres/errors.js';
import { makePki } from '../helpers/pki.js';

const available = await postgresAvailable();
const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
});

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; out: string; err: string; json?: { error?: { code: string; message: string }; applied?: number[]; version?: number } } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/robot-id.cjs'), ...args], { encoding: 'utf8', env: { ...process.env, ROBOT_ID_PLATFORM_DB: '', ...env } });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { status: r.status, out: r.stdout, err: r.stderr, ...(line.startsWith('{') ? { json: JSON.parse(line) } : {}) };
}

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

describe.skipIf(!available)('robot-id platform migrate', () => {
  it('applies every migration once, then finds the schema up to date; the store opens only then', async () => {
    const t = await createTestDatabase();
    dbs.push(t);
    const db = await openDb(t.url);
    try {
      const refused = await PostgresIngestStore.open(db).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(PlatformDbError);
      expect((refused as PlatformDbError).code).toBe('DB_NOT_MIGRATED');
      const first = cli(['platform', 'migrate', '--db', t.url, '--json']);
      expect(first.status, first.err).toBe(0);
      expect(first.json).toMatchObject({ applied: [1, 2, 3, 4, 5, 6, 7], version: 7 });
      // From the environment this time, as a service unit would give it.
      const again = cli(['platform', 'migrate', '--json'], { ROBOT_ID_PLATFORM_DB: t.url });
      expect(again.status, again.err).toBe(0);
      expect(again.json).toMatchObject({ applied: [], version: 7 });
      const store = await PostgresIngestStore.open(db);
      expect(store.marks.size).toBe(0);
      // A database a newer robot-id migrated: this one neither migrates nor uses it.
      await db.pool.query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')");
      const newer = cli(['platform', 'migrate', '--db', t.url, '--json']);
      expect(newer.status).toBe(4);
      expect(newer.json?.error?.code).toBe('DB_TOO_NEW');
      const tooNew = await PostgresIngestStore.open(db).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect((tooNew as PlatformDbError).code).toBe('DB_TOO_NEW');
    } finally {
      await db.close();
    }
  });

  it('answers bad input with a typed error and its exit status, and never shows the password', async () => {
    const secret = 'pw-Zq81-never-shown';
    const badUrl = cli(['platform', 'migrate', '--db', `mysql://root:${secret}@127.0.0.1/x`, '--json']);
    expect(badUrl.status).toBe(2);
    expect(badUrl.json?.error?.code).toBe('DB_URL');
    const nowhere = cli(['platform', 'migrate', '--db', `postgres://postgres:${secret}@127.0.0.1:${await freePort()}/x`]);
    const inQuery = cli(['platform', 'migrate', '--db', `postgres://postgres@127.0.0.1:${await freePort()}/x?password=${secret}`]);
    expect(inQuery.status).toBe(3);
    expect(inQuery.err).toMatch(/password=\*\*\*/);
    expect(nowhere.status).toBe(3);
    expect(nowhere.err).toMatch(/^error DB_UNREACHABLE: postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/x: not reachable/);
    const t = await createTestDatabase();
    dbs.push(t);
    const missing = cli(['platform', 'migrate', '--db', withPassword(t.url, secret).replace(t.name, `${t.name}_absent`), '--json']);
    expect(missing.status).toBe(3);
    expect(missing.json?.error?.code).toBe('DB_UNREACHABLE');
    const none = cli(['platform', 'migrate']);
    expect(none.status).toBe(2);
    // A worker checks its database before it touches the broker: the same codes and statuses.
    const tmp = mkdtempSync(join(tmpdir(), 'rid-migrate-'));
    try {
      const pki = await makePki(join(tmp, 'pki'));
      const worker = (db: string): ReturnType<typeof cli> => cli(['fleet', 'ingest', '--broker', 'mqtt://127.0.0.1:1', '--trust', join(pki.root.dir, 'trust.json'), '--db', db, '--json']);
      const unmigrated = await createTestDatabase();
      dbs.push(unmigrated);
      const notMigrated = worker(withPassword(unmigrated.url, secret));
      expect(notMigrated.status).toBe(4);
      expect(notMigrated.json?.error?.code).toBe('DB_NOT_MIGRATED');
      expect(notMigrated.json?.error?.message).toMatch(/run `robot-id platform migrate/);
      const badWorkerUrl = worker('postgres://');
      expect(badWorkerUrl.status).toBe(2);
      expect(badWorkerUrl.json?.error?.code).toBe('DB_URL');
      for (const r of [notMigrated, badWorkerUrl]) expect(r.out + r.err).not.toContain(secret);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    for (const r of [badUrl, nowhere, inQuery, missing, none]) {
      expect(r.out + r.err).not.toContain(secret);
      expect(r.out + r.err).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});
