/**
 * Presence across ingest workers (docs/protocol.md §"Fleet ingest"): each worker writes the
 * newest heartbeat it verified per unit to the store (unit_presence, the newest (boot, counter)
 * wins whichever worker writes last), and before it reports a unit offline for a missed
 * deadline it reads the unit's newest deadline there. A unit whose heartbeats go to several
 * workers is offline only when no worker heard it in time.
 */
import type { FleetIngest } from '../../sdk/index.js';
import { dbError, type Db } from '../store/postgres/connect.js';

interface Beat {
  boot: number;
  counter: number;
  time: number;
  nextDueBy: number;
  rootVersion?: number;
  certExpiry?: { kind: string; notAfter: number };
}

export class SharedPresence {
  private held = new Map<string, Beat>();
  /** Units that said goodbye (death or offline message), with the boot they ended. */
  private ended = new Map<string, number>();

  constructor(
    private readonly db: Db,
    /** Added to nextDueBy before a unit is offline (the ingest's heartbeatGraceMs). */
    private readonly graceMs = 5000,
  ) {}

  /** Follows the heartbeats `ingest` verifies. */
  follow(ingest: FleetIngest): void {
    ingest.on('message', (m) => {
      if (m.kind !== 'heartbeat') return;
      const hb = m.value as Beat;
      const had = this.held.get(m.code);
      if (!had || hb.boot > had.boot || (hb.boot === had.boot && hb.counter > had.counter)) this.held.set(m.code, { boot: hb.boot, counter: hb.counter, time: hb.time, nextDueBy: hb.nextDueBy, rootVersion: hb.rootVersion, certExpiry: hb.certExpiry });
    });
    ingest.on('offline', (p) => {
      if ((p.via === 'death' || p.via === 'offline') && p.boot !== undefined) this.ended.set(p.code, Math.max(p.boot, this.ended.get(p.code) ?? 0));
    });
  }

  /** Writes the heartbeats held since the last write, in one statement. */
  async flush(): Promise<void> {
    await this.flushEnded();
    if (this.held.size === 0) return;
    const batch = [...this.held].sort(([a], [b]) => (a < b ? -1 : 1));
    this.held = new Map();
    try {
      await this.db.pool.query(
        `INSERT INTO unit_presence (code, hb_boot, hb_counter, seen_at, next_due_by, root_version, cert_expiry_kind, cert_expiry_not_after)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::bigint[])
         ON CONFLICT (code) DO UPDATE SET hb_boot = EXCLUDED.hb_boot, hb_counter = EXCLUDED.hb_counter,
           seen_at = EXCLUDED.seen_at, next_due_by = EXCLUDED.next_due_by,
           root_version = COALESCE(EXCLUDED.root_version, unit_presence.root_version),
           cert_expiry_kind = COALESCE(EXCLUDED.cert_expiry_kind, unit_presence.cert_expiry_kind),
           cert_expiry_not_after = COALESCE(EXCLUDED.cert_expiry_not_after, unit_presence.cert_expiry_not_after),
           updated_at = now()
         WHERE unit_presence.hb_boot IS NULL
            OR (unit_presence.hb_boot, unit_presence.hb_counter) < (EXCLUDED.hb_boot, EXCLUDED.hb_counter)`,
        [
          batch.map(([c]) => c),
          batch.map(([, b]) => b.boot),
          batch.map(([, b]) => b.counter),
          batch.map(([, b]) => b.time),
          batch.map(([, b]) => b.nextDueBy),
          batch.map(([, b]) => b.rootVersion ?? null),
          batch.map(([, b]) => b.certExpiry?.kind ?? null),
          batch.map(([, b]) => b.certExpiry?.notAfter ?? null),
        ],
      );
    } catch (err) {
      // Kept for the next write, unless a newer heartbeat of the unit arrived meanwhile.
      for (const [code, b] of batch) if (!this.held.has(code)) this.held.set(code, b);
      throw dbError(err, this.db.url);
    }
  }

  private async flushEnded(): Promise<void> {
    if (this.ended.size === 0) return;
    const batch = [...this.ended].sort(([a], [b]) => (a < b ? -1 : 1));
    this.ended = new Map();
    try {
      await this.db.pool.query(
        `INSERT INTO unit_presence (code, ended_boot) SELECT * FROM unnest($1::text[], $2::bigint[])
         ON CONFLICT (code) DO UPDATE SET ended_boot = GREATEST(unit_presence.ended_boot, EXCLUDED.ended_boot), updated_at = now()`,
        [batch.map(([c]) => c), batch.map(([, b]) => b)],
      );
    } catch (err) {
      for (const [code, b] of batch) this.ended.set(code, Math.max(b, this.ended.get(code) ?? 0));
      throw dbError(err, this.db.url);
    }
  }

  /**
   * Before the ingest's deadline check: writes what is held, then gives each unit whose
   * deadline passed here the newest deadline any worker wrote. Then `ingest.tick()` reports
   * only the units no worker heard from in time.
   */
  async beforeTick(ingest: FleetIngest, nowMs: number): Promise<void> {
    await this.flush();
    const due = ingest.presence.due(nowMs);
    if (due.length === 0) return;
    try {
      const r = await this.db.pool.query<{ code: string; next_due_by: string }>('SELECT code, next_due_by FROM unit_presence WHERE code = ANY($1::text[]) AND next_due_by IS NOT NULL', [due]);
      for (const row of r.rows) ingest.presence.extend(row.code, Number(row.next_due_by) * 1000 + this.graceMs);
    } catch (err) {
      throw dbError(err, this.db.url);
    }
  }
}
