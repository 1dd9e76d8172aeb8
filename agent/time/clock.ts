/** The clock the agent reads; tests inject their own. Milliseconds. */
export interface Clock {
  /** Wall-clock time since the epoch. */
  nowMs(): number;
  /** A monotonic time that never goes back (only differences matter). */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};
