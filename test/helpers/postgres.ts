/**
 * A database of its own for each test on the PostgreSQL this machine runs (127.0.0.1:5432,
 * user postgres; ROBOT_ID_TEST_PG overrides the server URL): CREATE DATABASE
 * robot_id_test_<random>, dropped afterwards. Where no server answers, the tests that need one
 * are skipped and say so; ROBOT_ID_REQUIRE_POSTGRES=1 (set by .ci/run) turns that into a failure.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const SERVER = process.env.ROBOT_ID_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let available: Promise<boolean> | undefined;

/** Whether the test server answers (checked once). */
export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const c = new pg.Client({ connectionString: SERVER, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch (err) {
      if (process.env.ROBOT_ID_REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL is required (ROBOT_ID_REQUIRE_POSTGRES=1) but ${SERVER} does not answer: ${(err as Error).message}`);
      console.warn(`test database: ${SERVER} does not answer; PostgreSQL tests are skipped`);
      return false;
    }
  })();
  return available;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: SERVER });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `robot_id_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(SERVER);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
