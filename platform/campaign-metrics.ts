/**
 * Campaign progress on the ingest's metrics (`fleet watch` / `fleet ingest` with --metrics and
 * --recall-state): per active campaign, units targeted, acknowledged, applied and refused
 * (platform/campaigns/progress.ts), computed at scrape time at most every few seconds. A
 * computation that fails keeps the last values and is counted; the scrape still answers.
 * See docs/operations.md §"Platform metrics".
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { RobotIdError, type FleetIngest, type TrustStore, type VerifiedIdentity } from '../sdk/index.js';
import type { AckFeed } from './campaigns/ack-feed.js';
import { CampaignProgress, type CampaignProgressOptions, type ProgressSnapshot } from './campaigns/progress.js';

export interface CampaignMetricsOptions {
  recallState: CampaignProgressOptions['recallState'];
  trust: TrustStore;
  acks: AckFeed;
  cacheMs?: number;
}

/** The units whose identity records the ingest accepts now (revoked codes and keys are not among them). */
function knownUnits(ingest: FleetIngest): VerifiedIdentity[] {
  const out: VerifiedIdentity[] = [];
  for (const code of ingest.identities.codes()) {
    try {
      out.push(ingest.identities.get(code));
    } catch (err) {
      if (!(err instanceof RobotIdError)) throw err;
      // A record that does not verify (revoked, expired certificate): not a unit a recall reaches.
    }
  }
  return out;
}

export function campaignMetrics(registry: Registry, ingest: FleetIngest, opts: CampaignMetricsOptions): CampaignProgress {
  const progress = new CampaignProgress({
    recallState: opts.recallState,
    trust: opts.trust,
    units: () => knownUnits(ingest),
    revocations: () => ingest.revocations,
    acks: opts.acks,
    cacheMs: opts.cacheMs,
  });
  const failures = new Counter({ name: 'robot_id_ingest_campaign_compute_failures_total', help: 'Campaign progress computations that failed (the last values stay)', registers: [registry] });
  let snapshot: ProgressSnapshot | undefined;
  /** The current snapshot, once per scrape (the first collector asks, the next reuse it). */
  const refresh = async (): Promise<void> => {
    try {
      snapshot = await progress.current();
    } catch {
      failures.inc(); // the publisher state or the store could not be read: keep the last answer
    }
  };
  new Gauge({
    name: 'robot_id_ingest_campaign_units',
    help: 'Per active campaign: units targeted, and of those acknowledged (every recall), applied (every recall), refused (rejected or failed)',
    labelNames: ['campaign', 'state'],
    registers: [registry],
    async collect() {
      await refresh();
      this.reset();
      for (const c of snapshot?.campaigns ?? []) {
        for (const state of ['targeted', 'acknowledged', 'applied', 'refused'] as const) this.set({ campaign: c.campaignId, state }, c[state]);
      }
    },
  });
  new Gauge({
    name: 'robot_id_ingest_campaign_compute_seconds',
    help: 'How long the last campaign progress computation took (it runs at most once per cache period)',
    registers: [registry],
    async collect() {
      // The same computation as the gauge above (shared while it runs, then cached): this
      // scrape's figure, not the previous one's. A failure is counted there.
      snapshot = (await progress.current().catch(() => undefined)) ?? snapshot;
      this.set((snapshot?.computeMs ?? 0) / 1000);
    },
  });
  return progress;
}
