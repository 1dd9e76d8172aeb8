/**
 * When did the platform last confirm anything? The health verdict rests on this. Sources:
 *   - a receipt moved the outbox (observed here through outbox.onConfirm);
 *   - a module reports a confirmation time in its status section, under a key named
 *     `lastConfirmedAt` or `lastConfirmedHeartbeatAt` (ms since the epoch): the link / the
 *     heartbeat publisher report when the broker last acknowledged a heartbeat.
 * The newest of them wins.
 */
export interface ProgressSources {
  onConfirm(listener: () => void): () => void;
  status(): Record<string, unknown>;
  nowMs(): number;
}

const KEYS = ['lastConfirmedAt', 'lastConfirmedHeartbeatAt'];

function reported(status: Record<string, unknown>): number | undefined {
  let best: number | undefined;
  const consider = (v: unknown): void => {
    if (typeof v === 'number' && Number.isFinite(v) && (best === undefined || v > best)) best = v;
  };
  for (const k of KEYS) consider(status[k]);
  for (const section of Object.values(status)) {
    if (section && typeof section === 'object' && !Array.isArray(section)) {
      for (const k of KEYS) consider((section as Record<string, unknown>)[k]);
    }
  }
  return best;
}

export class ProgressTracker {
  private lastReceiptMs: number | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly sources: ProgressSources) {
    this.unsubscribe = sources.onConfirm(() => {
      this.lastReceiptMs = sources.nowMs();
    });
  }

  lastConfirmedMs(status = this.sources.status()): number | undefined {
    const r = reported(status);
    if (r === undefined) return this.lastReceiptMs;
    return this.lastReceiptMs === undefined ? r : Math.max(r, this.lastReceiptMs);
  }

  close(): void {
    this.unsubscribe();
  }
}
