/**
 * Reconciling an index against what the robot holds (docs/protocol.md §"Delivery and
 * reconciliation"): for each entry, the robot either holds that recall at that revision or
 * later (nothing to do) or lacks it (fetch its retained topic). Pure: no I/O.
 */
import type { RecallIndex } from './kind.js';

export interface HeldRecall {
  recallId: string;
  revision: number;
}

export interface Missing {
  scope: string;
  recallId: string;
  revision: number;
}

export function missingRecalls(index: RecallIndex, held: (recallId: string) => number | undefined): Missing[] {
  const out: Missing[] = [];
  for (const e of index.entries) {
    const have = held(e.recallId);
    if (have === undefined || have < e.revision) out.push({ scope: index.scope, recallId: e.recallId, revision: e.revision });
  }
  return out;
}

/**
 * The narrower scopes a country index says exist, restricted to the ones a unit listens on,
 * with the lowest version the robot must hold of each.
 */
export function requiredScopes(countryIndex: RecallIndex, unitScopes: readonly string[]): Map<string, number> {
  const mine = new Set(unitScopes);
  const out = new Map<string, number>();
  for (const s of countryIndex.scopes ?? []) if (mine.has(s.scope)) out.set(s.scope, s.version);
  return out;
}
