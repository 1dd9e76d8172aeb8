/**
 * Counts rejections that are never acknowledged (bad signatures, garbage, wrong kinds) and
 * lets at most one log line through per interval, with the count of what was suppressed, so a
 * forged broadcast can neither fill the disk nor the log.
 */
export class RateLimitedCounter {
  readonly totals = new Map<string, number>();
  private suppressed = 0;
  private lastLogAt = -Infinity;

  constructor(
    private readonly intervalSeconds: number,
    private readonly now: () => number,
  ) {}

  /** Counts one; returns the number suppressed since the last line when a line may be logged now. */
  record(reason: string): { log: boolean; suppressed: number } {
    this.totals.set(reason, (this.totals.get(reason) ?? 0) + 1);
    const t = this.now();
    if (t - this.lastLogAt >= this.intervalSeconds) {
      const suppressed = this.suppressed;
      this.suppressed = 0;
      this.lastLogAt = t;
      return { log: true, suppressed };
    }
    this.suppressed++;
    return { log: false, suppressed: this.suppressed };
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }
}
