/** The recyclers' records in PostgreSQL (migration 0007): the `recycling.jsonl` of a files store. */
import { dbError, type Db } from './connect.js';

/** Keeps a verified record (committed before the command answers). */
export async function appendRecyclingRow(db: Db, code: string, bytes: Uint8Array): Promise<void> {
  try {
    await db.pool.query('INSERT INTO recycling_records (code, record) VALUES ($1, $2)', [code, Buffer.from(bytes)]);
  } catch (err) {
    throw dbError(err, db.url);
  }
}

/** The records kept for `code`, in the order taken (each to be verified again by the reader). */
export async function recyclingRowsOf(db: Db, code: string): Promise<Uint8Array[]> {
  try {
    const r = await db.pool.query<{ record: Buffer }>('SELECT record FROM recycling_records WHERE code = $1 ORDER BY id', [code]);
    return r.rows.map((x) => new Uint8Array(x.record));
  } catch (err) {
    throw dbError(err, db.url);
  }
}
