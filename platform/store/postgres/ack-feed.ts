/**
 * The acks the workers of a group stored in PostgreSQL (ingest_messages, stream 1), read on
 * from the last `ord` seen, at most `batch` rows per query. `ord` is taken when a row is
 * inserted, not when it commits: a worker's transaction can commit rows below an `ord` already
 * read. Each call therefore reads again the last `overlap` ords before where it stopped and
 * passes on only the rows it has not passed on before; a transaction committing rows further
 * behind than that is not seen by this feed.
 */
import type { AckFeed, StoredAck } from '../../campaigns/ack-feed.js';
import { dbError, type Db } from './connect.js';

export function postgresAckFeed(db: Db, options: { batch?: number; overlap?: number } = {}): AckFeed {
  const batch = options.batch ?? 20_000;
  const overlap = BigInt(options.overlap ?? 5_000);
  let seen = 0n;
  /** The ords passed on within the overlap window (older ones are never read again). */
  let passed = new Set<string>();
  return {
    async next(): Promise<StoredAck[]> {
      const out: StoredAck[] = [];
      let after = seen > overlap ? seen - overlap : 0n;
      for (;;) {
        let rows: { ord: string; code: string; bytes: Buffer }[];
        try {
          rows = (await db.pool.query<{ ord: string; code: string; bytes: Buffer }>('SELECT ord, code, bytes FROM ingest_messages WHERE stream = 1 AND ord > $1 ORDER BY ord LIMIT $2', [after.toString(), batch])).rows;
        } catch (err) {
          throw dbError(err, db.url);
        }
        for (const r of rows) {
          if (passed.has(r.ord)) continue;
          passed.add(r.ord);
          out.push({ code: r.code, bytes: new Uint8Array(r.bytes) });
        }
        if (rows.length > 0) after = BigInt(rows[rows.length - 1]!.ord);
        if (after > seen) seen = after;
        if (rows.length < batch) break;
      }
      const floor = seen > overlap ? seen - overlap : 0n;
      passed = new Set([...passed].filter((ord) => BigInt(ord) > floor));
      return out;
    },
  };
}
