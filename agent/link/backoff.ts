/**
 * Capped exponential backoff with full jitter (docs/protocol.md §"The link"): the n-th retry
 * waits a uniformly random time in [0, min(maxMs, minMs * 2^n)). Full jitter spreads a fleet
 * that lost its broker at the same instant over the whole window, so the broker does not get
 * every robot back in the same second. `reset()` after a connection that was accepted.
 */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** Uniform [0, 1); injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.minMs > 0) || !(options.maxMs >= options.minMs)) {
      throw new RangeError(`backoff: expected 0 < minMs <= maxMs, got ${options.minMs}, ${options.maxMs}`);
    }
    this.random = options.random ?? Math.random;
  }

  /** The ceiling of the next delay (before jitter). */
  ceiling(): number {
    // 2^attempt overflows nothing: attempt stops growing once the cap is reached.
    return Math.min(this.options.maxMs, this.options.minMs * 2 ** this.attempt);
  }

  next(): number {
    const cap = this.ceiling();
    if (cap < this.options.maxMs) this.attempt++;
    return Math.floor(this.random() * cap);
  }

  reset(): void {
    this.attempt = 0;
  }
}
