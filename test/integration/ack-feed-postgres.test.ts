// The PostgreSQL ack feed behind campaign progress reads on from the last `ord` it saw, and
// still sees a row whose transaction took its `ord` first but committed after a later one was
// read (two workers committing out of order). Real PostgreSQL, two real transactions.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDb, type Db } from '../../platform/store/postgres/connect.js';
import { migrate } from '../../platform/store/postgres/migrate.js';
import { postgresAckFeed } from '../../platform/store/postgres/ack-feed.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDb(database.url, { max: 4 });
  await migrate(db);
}, 30_000);
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const INSERT = 'INSERT INTO ingest_messages (code, stream, seq, hash, prev_hash, bytes) VALUES ($1, $2, $3, $4, $4, $5)';
const row = (code: string, stream: number, seq: number, text: string) => [code, stream, seq, Buffer.alloc(32), Buffer.from(text)];

it('reads acks only, on from where it stopped, and a row committed late behind one already read', async () => {
  const feed = postgresAckFeed(db, { batch: 2, overlap: 100 });
  await db.pool.query(INSERT, row('A', 1, 1, 'a1'));
  await db.pool.query(INSERT, row('A', 0, 1, 'event, not an ack'));
  await db.pool.query(INSERT, row('B', 1, 1, 'b1'));
  await db.pool.query(INSERT, row('C', 1, 1, 'c1'));
  // Three acks over two batches of two.
  expect((await feed.next()).map((a) => Buffer.from(a.bytes).toString())).toEqual(['a1', 'b1', 'c1']);

  // A worker's transaction takes its ord, another commits after it and is read first.
  const slow = await db.pool.connect();
  try {
    await slow.query('BEGIN');
    await slow.query(INSERT, row('D', 1, 1, 'd1 (late)'));
    await db.pool.query(INSERT, row('E', 1, 1, 'e1'));
    const before = (await feed.next()).map((a) => Buffer.from(a.bytes).toString());
    expect(before).toContain('e1');
    expect(before).not.toContain('d1 (late)');
    await slow.query('COMMIT');
  } finally {
    slow.release();
  }
  // Read again within the overlap: the late row is passed on, and only it.
  expect((await feed.next()).map((a) => Buffer.from(a.bytes).toString())).toEqual(['d1 (late)']);
  expect(await feed.next()).toEqual([]);
});
