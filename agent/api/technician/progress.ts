/**
 * When did the platform last confirm anything? The health verdict rests on this. Sources:
 *   - a receipt moved the outbox (observed here through outbox.onConfirm);
 *   - a module reports a confirmation time in its status section, under a key named
 *     `lastConfirmedAt` or `lastConfirmedHeartbeatAt` (ms since the epoch), at most three
 *     levels deep: the heartbeat publisher reports when the broker last acknowledged a
 *     heartbeat (status.link.heartbeats.lastConfirmedAt).
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
  // Sections nest (status.link.heartbeats.lastConfirmedAt): look three levels deep.
  const walk = (obj: Record<string, unknown>, depth: number): void => {
    for (const k of KEYS) consider(obj[k]);
    if (depth === 0) return;
    for (const v of Object.values(obj)) if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, depth - 1);
  };
  walk(status, 2);
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
