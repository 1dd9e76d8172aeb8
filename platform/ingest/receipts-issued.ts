/**
 * The newest receipt issued to each unit, whichever worker issued it (receipts_issued): what
 * the platform told each unit it holds. Written in batches; a newer receipt (higher marks, or
 * the same marks later) replaces an older one, never the other way round.
 */
import type { FleetIngest } from '../../sdk/index.js';
import { dbError, type Db } from '../store/postgres/connect.js';

interface Issued {
  event: number;
  ack: number;
  issuedAt: number;
}

export class ReceiptsIssued {
  private held = new Map<string, Issued>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  follow(ingest: FleetIngest): void {
    ingest.on('receipt', (r) => this.held.set(r.code, { event: r.event, ack: r.ack, issuedAt: Math.floor(this.now() / 1000) }));
  }

  async flush(): Promise<void> {
    if (this.held.size === 0) return;
    const batch = [...this.held].sort(([a], [b]) => (a < b ? -1 : 1));
    this.held = new Map();
    try {
      await this.db.pool.query(
        `INSERT INTO receipts_issued (code, event, ack, issued_at)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
         ON CONFLICT (code) DO UPDATE SET event = EXCLUDED.event, ack = EXCLUDED.ack, issued_at = EXCLUDED.issued_at
         WHERE (receipts_issued.event, receipts_issued.ack, receipts_issued.issued_at) <= (EXCLUDED.event, EXCLUDED.ack, EXCLUDED.issued_at)
           AND receipts_issued.event <= EXCLUDED.event AND receipts_issued.ack <= EXCLUDED.ack`,
        [batch.map(([c]) => c), batch.map(([, r]) => r.event), batch.map(([, r]) => r.ack), batch.map(([, r]) => r.issuedAt)],
      );
    } catch (err) {
      for (const [code, r] of batch) if (!this.held.has(code)) this.held.set(code, r);
      throw dbError(err, this.db.url);
    }
  }
}
