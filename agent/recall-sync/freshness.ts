/**
 * Is the robot cut off from recall information? (docs/protocol.md §"Delivery and
 * reconciliation", docs/threat-model.md §"Stale recall information"). Pure: no clock, no I/O.
 *
 * The required set is the country index (always published) plus each of the unit's narrower
 * scopes that the held country index lists, at least at the listed version. Each must be held
 * and unexpired. When the set is incomplete, the cut-off started at the earliest failure: an
 * expiry time, or when a missing index became required; never before the agent
 * started (a robot that just booted has not yet had the chance to hear the broker). Stale
 * means cut off for longer than maxAgeMs.
 */
export interface ScopeView {
  version: number;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface FreshnessInput {
  nowMs: number;
  startedMs: number;
  maxAgeMs: number;
  /** scope -> lowest version that counts (0: any). */
  required: Map<string, number>;
  held: (scope: string) => ScopeView | undefined;
  /**
   * When a required scope became required (ms): the caller records it when an accepted
   * country index first names the scope; unknown means since the start. Entries of scopes
   * that are current again are removed.
   */
  missingSince: Map<string, number>;
}

export interface Freshness {
  complete: boolean;
  stale: boolean;
  incompleteSince?: number;
  /** Required scopes that are missing, too old or expired. */
  failing: string[];
}

export function freshness(input: FreshnessInput): Freshness {
  const failing: string[] = [];
  let since = Infinity;
  for (const [scope, minVersion] of input.required) {
    const h = input.held(scope);
    if (h && h.version >= minVersion && input.nowMs < h.expiresAt * 1000) {
      input.missingSince.delete(scope);
      continue;
    }
    failing.push(scope);
    let at: number;
    if (h && h.version >= minVersion) at = h.expiresAt * 1000;
    else at = input.missingSince.get(scope) ?? input.startedMs;
    since = Math.min(since, at);
  }
  if (failing.length === 0) return { complete: true, stale: false, failing };
  const incompleteSince = Math.max(input.startedMs, since);
  return { complete: false, stale: input.nowMs - incompleteSince > input.maxAgeMs, incompleteSince, failing };
}
