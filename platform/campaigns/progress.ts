/**
 * Campaign progress for the ingest's metrics (docs/operations.md §"Platform metrics"): per
 * active campaign of the platform's publisher state, the units its notices target and how many
 * acknowledged, applied or refused them, by the same arithmetic as `recall status`
 * (sdk/platform/campaign-status.ts, signed acks only). Computed on demand, at most once per
 * `cacheMs` (one computation at a time; scrapes in between get the last answer). The stored
 * acks are read incrementally (AckFeed); only the latest per unit, recall and revision is kept,
 * verified once against the unit's identity record (in batches, yielding to the event loop
 * between them) and remembered, so a computation with no new ack verifies nothing.
 */
import {
  RobotIdError,
  campaignStatus,
  openSign1,
  recallAckKind,
  verifyRecallAck,
  verifyRecallNotice,
  type RecallAck,
  type Revocations,
  type TrustStore,
  type VerifiedIdentity,
  type VerifiedRecall,
  type PublisherStore,
} from '../../sdk/index.js';
import type { AckFeed, StoredAck } from './ack-feed.js';

export interface CampaignCounts {
  campaignId: string;
  /** Units of the known fleet that a current notice of the campaign targets. */
  targeted: number;
  /** Of those, units that acknowledged every recall of the campaign targeting them. */
  acknowledged: number;
  /** Units that applied every recall of the campaign targeting them (revoked units never count). */
  applied: number;
  /** Units whose ack says they rejected a notice or failed to apply it. */
  refused: number;
}

export interface ProgressSnapshot {
  campaigns: CampaignCounts[];
  /** When computed (ms since the epoch) and how long it took (ms). */
  computedAt: number;
  computeMs: number;
}

export interface CampaignProgressOptions {
  /** The platform's publisher state (files or PostgreSQL): which recalls are current. */
  recallState: Pick<PublisherStore, 'read'>;
  trust: TrustStore;
  /** The units the ingest knows, with verified identity records. */
  units: () => VerifiedIdentity[];
  /** The platform's revocations now in force (revoked units are never counted applied). */
  revocations: () => Revocations;
  acks: AckFeed;
  /** Least time between two computations (default 10 s). */
  cacheMs?: number;
  /** Milliseconds clock (default Date.now). */
  now?: () => number;
}

export class CampaignProgress {
  private readonly now: () => number;
  /**
   * The latest ack per unit, recall and revision; `verified` once checked against the unit's
   * identity record, `invalid` when it did not verify (never counted).
   */
  private readonly latest = new Map<string, { seq: number; campaignId: string; ack: StoredAck; verified?: RecallAck; invalid?: true }>();
  /** Notices already verified, by their SHA-256 (a notice's bytes never change). */
  private readonly notices = new Map<string, VerifiedRecall>();
  private last: ProgressSnapshot | undefined;
  private running: Promise<ProgressSnapshot> | undefined;

  constructor(private readonly opts: CampaignProgressOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The last snapshot while it is fresh, else a new one (shared by concurrent callers). */
  current(): Promise<ProgressSnapshot> {
    const last = this.last;
    if (last && this.now() - last.computedAt < (this.opts.cacheMs ?? 10_000)) return Promise.resolve(last);
    this.running ??= this.compute().finally(() => (this.running = undefined));
    return this.running;
  }

  private async compute(): Promise<ProgressSnapshot> {
    const started = performance.now();
    const fresh = await this.opts.acks.next();
    for (let i = 0; i < fresh.length; i++) {
      this.keep(fresh[i]!);
      if (i % 2000 === 1999) await new Promise<void>((r) => setImmediate(r));
    }
    const nowMs = this.now();
    const nowS = Math.floor(nowMs / 1000);
    const byCampaign = new Map<string, VerifiedRecall[]>();
    for (const n of await this.currentNotices(nowS)) {
      const list = byCampaign.get(n.notice.campaignId) ?? [];
      list.push(n);
      byCampaign.set(n.notice.campaignId, list);
    }
    const campaigns: CampaignCounts[] = [];
    if (byCampaign.size > 0) {
      const units = this.opts.units();
      await this.verifyKept(new Map(units.map((u) => [u.code.code, u])));
      const revocations = this.opts.revocations();
      const isRevoked = (u: VerifiedIdentity): boolean => revocations.isCodeRevoked(u.code.code) || revocations.isKeyRevoked(u.deviceKid);
      for (const [campaignId, notices] of [...byCampaign].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const verifiedAcks: RecallAck[] = [];
        for (const l of this.latest.values()) if (l.campaignId === campaignId && l.verified) verifiedAcks.push(l.verified);
        const s = campaignStatus({ campaignId, notices, units, acks: [], verifiedAcks, isRevoked });
        campaigns.push({
          campaignId,
          targeted: s.units.length,
          acknowledged: s.units.filter((u) => u.recalls.every((r) => r.ackSeq !== undefined)).length,
          applied: s.counts.applied,
          refused: s.counts.rejected + s.counts.failed,
        });
        // Let the ingest's own work through between campaigns.
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    this.last = { campaigns, computedAt: nowMs, computeMs: performance.now() - started };
    return this.last;
  }

  /**
   * Verifies the kept acks not verified yet whose unit is known, 500 at a time with a turn of
   * the event loop between batches (an ack of a unit not known yet waits for its record).
   */
  private async verifyKept(units: ReadonlyMap<string, VerifiedIdentity>): Promise<void> {
    let done = 0;
    for (const l of this.latest.values()) {
      if (l.verified || l.invalid) continue;
      const identity = units.get(l.ack.code);
      if (!identity) continue;
      try {
        l.verified = verifyRecallAck(l.ack.bytes, identity).value;
      } catch (err) {
        if (!(err instanceof RobotIdError)) throw err;
        l.invalid = true;
      }
      if (++done % 500 === 0) await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Keeps the ack if it is the latest of its unit, recall and revision (the ingest verified it before storing it). */
  private keep(a: StoredAck): void {
    let value;
    try {
      value = openSign1(recallAckKind, a.bytes).value;
    } catch (err) {
      if (!(err instanceof RobotIdError)) throw err;
      return; // not an ack the ingest would have stored; campaignStatus would refuse it too
    }
    const key = `${a.code}\0${value.recallId}\0${value.revision}`;
    const held = this.latest.get(key);
    if (!held || value.seq > held.seq) this.latest.set(key, { seq: value.seq, campaignId: value.campaignId, ack: a });
  }

  /** The recalls of the publisher state that have not expired, verified (signatures, threshold). */
  private async currentNotices(nowS: number): Promise<VerifiedRecall[]> {
    // No state before the platform's first publish: no campaign yet.
    const state = await this.opts.recallState.read();
    if (!state) return [];
    const out: VerifiedRecall[] = [];
    for (const r of state.recalls()) {
      if (r.notAfter <= nowS) continue;
      let v = this.notices.get(r.sha256);
      if (!v) {
        try {
          v = verifyRecallNotice(state.noticeBytes(r.recallId), { trust: this.opts.trust, now: nowS, skipTime: true });
        } catch (err) {
          if (!(err instanceof RobotIdError)) throw err;
          continue; // a notice this trust store does not verify: no campaign a unit would act on
        }
        this.notices.set(r.sha256, v);
      }
      out.push(v);
    }
    return out;
  }
}
