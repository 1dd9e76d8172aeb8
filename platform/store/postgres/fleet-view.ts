/**
 * What `fleet units --db` and `recall status --db` read of a worker group's store: each unit's
 * presence as the workers wrote it (unit_presence) and the acks stored (ingest_messages).
 */
import type { PresenceEntry } from '../../presence-snapshot.js';
import { dbError, type Db } from './connect.js';

/**
 * Presence per unit at `nowMs`: online while its newest heartbeat's deadline (nextDueBy + grace)
 * has not passed and no goodbye of that boot or a later one arrived; silent when the deadline
 * passed without a goodbye.
 */
export async function presenceFromDb(db: Db, nowMs: number, graceMs = 5000): Promise<Record<string, PresenceEntry>> {
  try {
    const r = await db.pool.query<{ code: string; hb_boot: string | null; seen_at: string | null; next_due_by: string | null; ended_boot: string | null; root_version: string | null; cert_expiry_kind: string | null; cert_expiry_not_after: string | null }>(
      'SELECT code, hb_boot, seen_at, next_due_by, ended_boot, root_version, cert_expiry_kind, cert_expiry_not_after FROM unit_presence',
    );
    const out: Record<string, PresenceEntry> = {};
    for (const row of r.rows) {
      const said = row.ended_boot !== null && (row.hb_boot === null || Number(row.ended_boot) >= Number(row.hb_boot));
      const inTime = row.next_due_by !== null && Number(row.next_due_by) * 1000 + graceMs >= nowMs;
      out[row.code] = {
        online: !said && inTime,
        silent: !said && !inTime,
        ...(row.seen_at !== null ? { seenAt: Number(row.seen_at) } : {}),
        ...(row.root_version !== null ? { rootVersion: Number(row.root_version) } : {}),
        ...(row.cert_expiry_kind !== null && row.cert_expiry_not_after !== null ? { certExpiry: { kind: row.cert_expiry_kind, notAfter: Number(row.cert_expiry_not_after) } } : {}),
      };
    }
    return out;
  } catch (err) {
    throw dbError(err, db.url);
  }
}
