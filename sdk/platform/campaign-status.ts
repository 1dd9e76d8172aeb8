/**
 * Honest campaign status (docs/protocol.md §"Campaign status"): for every unit of the registry
 * that a campaign's notices target, where it stands, computed ONLY from acknowledgements signed
 * by that unit's device key (checked against its verified identity record). No ack: pending.
 * A unit counts as applied only with a verified 'applied' ack for the current revision of every
 * recall of the campaign that targets it. Pure: the caller supplies notices, units and acks.
 */
import { RobotIdError } from '../errors.js';
import { verifyRecallAck, type AckStatus, type RecallAck } from '../recall/ack.js';
import { targetMatches } from '../recall/target.js';
import type { VerifiedRecall } from '../recall/verify.js';
import type { VerifiedIdentity } from '../trust/verify-identity.js';

export const UNIT_STATES = ['pending', 'verified', 'applied', 'failed', 'rejected', 'revoked'] as const;
export type UnitState = (typeof UNIT_STATES)[number];

export interface UnitStatus {
  code: string;
  state: UnitState;
  /** Per recall of the campaign that targets the unit. */
  recalls: { recallId: string; revision: number; state: UnitState; reason?: string; ackSeq?: number; ackTime?: number }[];
}

export interface CampaignStatus {
  campaignId: string;
  notices: { recallId: string; revision: number; action: string }[];
  counts: Record<UnitState, number>;
  codes: Record<UnitState, string[]>;
  units: UnitStatus[];
  /** Acks that did not verify against their unit's identity record (or named no known unit). */
  invalidAcks: number;
}

export interface CampaignInput {
  campaignId: string;
  /** The campaign's notices, each verified (signatures, roles, threshold) without a unit. */
  notices: VerifiedRecall[];
  /** Registry units with verified identity records. */
  units: VerifiedIdentity[];
  /** Ack bytes as stored or received, with the unit code they arrived for. */
  acks: Iterable<{ code: string; bytes: Uint8Array }>;
  /**
   * Acks the caller has already verified against their unit's identity record (signature by its
   * device key, code matching), taken as they are: a caller that keeps its verdicts (the
   * ingest's metrics) does not verify the same acks again on every computation.
   */
  verifiedAcks?: Iterable<RecallAck>;
  /**
   * Units the platform has revoked (code or device key): state `revoked`, never counted as
   * applied, whatever they acknowledged.
   */
  isRevoked?: (unit: VerifiedIdentity) => boolean;
  /** Recalls of the campaign that no longer verify under the platform's revocations, with why. */
  unverifiable?: ReadonlyMap<string, string>;
}

/** Which state wins when a unit has several recalls in one campaign (worst first). */
const PRECEDENCE: readonly UnitState[] = ['rejected', 'failed', 'pending', 'verified', 'applied'];

export function campaignStatus(input: CampaignInput): CampaignStatus {
  // The current revision of each recall id of the campaign.
  const current = new Map<string, VerifiedRecall>();
  for (const n of input.notices) {
    if (n.notice.campaignId !== input.campaignId) continue;
    const held = current.get(n.notice.recallId);
    if (!held || n.notice.revision > held.notice.revision) current.set(n.notice.recallId, n);
  }
  const byCode = new Map(input.units.map((u) => [u.code.code, u]));
  // The latest verified ack (highest ack-stream seq) per unit and recall, for current revisions.
  const latest = new Map<string, RecallAck>();
  let invalidAcks = 0;
  const consider = (ack: RecallAck): void => {
    const n = current.get(ack.recallId);
    if (ack.campaignId !== input.campaignId || !n || ack.revision !== n.notice.revision) return;
    const key = `${ack.code}\0${ack.recallId}`;
    const prev = latest.get(key);
    if (!prev || ack.seq > prev.seq) latest.set(key, ack);
  };
  for (const a of input.acks) {
    const identity = byCode.get(a.code);
    if (!identity) {
      invalidAcks++;
      continue;
    }
    let ack: RecallAck;
    try {
      ack = verifyRecallAck(a.bytes, identity).value;
    } catch (err) {
      if (!(err instanceof RobotIdError)) throw err;
      invalidAcks++;
      continue;
    }
    consider(ack);
  }
  for (const ack of input.verifiedAcks ?? []) {
    if (byCode.has(ack.code)) consider(ack);
    else invalidAcks++;
  }
  const counts = Object.fromEntries(UNIT_STATES.map((s) => [s, 0])) as Record<UnitState, number>;
  const codes = Object.fromEntries(UNIT_STATES.map((s) => [s, [] as string[]])) as Record<UnitState, string[]>;
  const units: UnitStatus[] = [];
  for (const unit of [...input.units].sort((x, y) => (x.code.code < y.code.code ? -1 : 1))) {
    const recalls: UnitStatus['recalls'] = [];
    for (const n of current.values()) {
      if (!targetMatches(n.notice.target, unit.code, n.rootCountry)) continue;
      const ack = latest.get(`${unit.code.code}\0${n.notice.recallId}`);
      const state: UnitState = ack ? (ack.status satisfies AckStatus) : 'pending';
      // Why a unit has not applied it: what its ack said, or that the notice no longer verifies
      // (a unit that has not taken it yet never will).
      const reason = ack?.reason ?? (state === 'pending' ? input.unverifiable?.get(n.notice.recallId) : undefined);
      recalls.push({
        recallId: n.notice.recallId,
        revision: n.notice.revision,
        state,
        ...(reason ? { reason } : {}),
        ...(ack ? { ackSeq: ack.seq, ackTime: ack.time } : {}),
      });
    }
    if (recalls.length === 0) continue;
    const state = input.isRevoked?.(unit) ? 'revoked' : PRECEDENCE.find((s) => recalls.some((r) => r.state === s))!;
    counts[state]++;
    codes[state].push(unit.code.code);
    units.push({ code: unit.code.code, state, recalls });
  }
  return {
    campaignId: input.campaignId,
    notices: [...current.values()].map((n) => ({ recallId: n.notice.recallId, revision: n.notice.revision, action: n.notice.action })),
    counts,
    codes,
    units,
    invalidAcks,
  };
}
