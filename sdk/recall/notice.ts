/**
 * The recall notice (docs/protocol.md §"Recall notice"): a COSE_Sign (always, even with one
 * signer, so co-signing never changes the format) with content type CONTENT_TYPES.recall.
 *
 * A later revision of the same recallId replaces an earlier one. A revision with status
 * 'resolved' closes the recall: for every targeted unit, or, when `resolvedCodes` is present,
 * only for the units listed there (the others keep it active at this revision).
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind } from '../cose/object.js';
import { RecallRejectedError } from '../errors.js';
import { MAX_TARGET_CODES, targetSchema, targetShape, type RecallTarget } from './target.js';

export const RECALL_ACTIONS = ['notify', 'restrict', 'stop'] as const;
export type RecallAction = (typeof RECALL_ACTIONS)[number];

export const RECALL_STATUSES = ['active', 'resolved'] as const;
export type RecallStatus = (typeof RECALL_STATUSES)[number];

export interface RecallNotice {
  v: number;
  /** 1-64 characters of 0-9 A-Z a-z . _ - (it names an MQTT topic level). */
  recallId: string;
  revision: number;
  campaignId: string;
  /** The subject of the first signer's certificate. */
  issuer: string;
  /** Seconds since the epoch; signer certificates must be valid at this time. */
  issuedAt: number;
  /** Acceptance window, seconds since the epoch. */
  notBefore: number;
  notAfter: number;
  action: RecallAction;
  reason: string;
  remedy: string;
  target: RecallTarget;
  status: RecallStatus;
  /** With status 'resolved': the units for which the remedy is done (absent = all targeted). */
  resolvedCodes?: string[];
}

export const RECALL_ID = /^[0-9A-Za-z._-]{1,64}$/;
/** Largest encoded notice accepted, checked before decoding. */
export const RECALL_MAX_BYTES = 128 * 1024;
export const RECALL_TEXT_MAX = 4096;

export const recallSchema = defineSchema<RecallNotice>('recall', {
  v: { l: 0, t: 'uint' },
  recallId: { l: 1, t: 'tstr', max: 64 },
  revision: { l: 2, t: 'uint' },
  campaignId: { l: 3, t: 'tstr', max: 64 },
  issuer: { l: 4, t: 'tstr', max: 64 },
  issuedAt: { l: 5, t: 'uint' },
  notBefore: { l: 6, t: 'uint' },
  notAfter: { l: 7, t: 'uint' },
  action: { l: 8, t: { oneOf: RECALL_ACTIONS } },
  reason: { l: 9, t: 'tstr', max: RECALL_TEXT_MAX },
  remedy: { l: 10, t: 'tstr', max: RECALL_TEXT_MAX },
  target: { l: 11, t: { schema: targetSchema } },
  status: { l: 12, t: { oneOf: RECALL_STATUSES } },
  resolvedCodes: { l: 13, t: { arrayOf: 'tstr', max: MAX_TARGET_CODES }, max: 29, optional: true },
});

export const recallKind = defineKind<RecallNotice>({
  name: 'recall notice',
  contentType: CONTENT_TYPES.recall,
  schema: recallSchema,
  maxBytes: RECALL_MAX_BYTES,
});

/** Structural rules beyond the schema (step 2 of §"Recall verification order"). */
export function checkNoticeShape(n: RecallNotice): void {
  const bad = (m: string): never => {
    throw new RecallRejectedError('RECALL_MALFORMED', `recall notice: ${m}`);
  };
  if (!RECALL_ID.test(n.recallId)) bad(`recallId: expected 1-64 characters of 0-9 A-Z a-z . _ -, got ${JSON.stringify(n.recallId)}`);
  if (!RECALL_ID.test(n.campaignId)) bad(`campaignId: expected 1-64 characters of 0-9 A-Z a-z . _ -, got ${JSON.stringify(n.campaignId)}`);
  for (const k of ['revision', 'issuedAt', 'notBefore', 'notAfter'] as const) {
    if (!Number.isSafeInteger(n[k])) bad(`${k}: expected an integer below 2^53, got ${String(n[k])}`);
  }
  if (n.notBefore < n.issuedAt) bad('notBefore: expected at or after issuedAt');
  if (n.notAfter <= n.notBefore) bad('notAfter: expected after notBefore');
  targetShape(n.target);
  if (n.resolvedCodes !== undefined) {
    if (n.status !== 'resolved') bad('resolvedCodes: only a resolved revision lists resolved codes');
    if (n.resolvedCodes.length === 0) bad('resolvedCodes: expected at least one code (omit it to resolve every unit)');
    for (const c of n.resolvedCodes) if (!/^[0-9A-Z]{29}$/.test(c)) bad(`resolvedCodes: expected canonical codes, got ${JSON.stringify(c)}`);
  }
}

/** Whether the notice closes the recall for the unit `code` (status resolved, unit included). */
export function resolvesFor(n: RecallNotice, code: string): boolean {
  return n.status === 'resolved' && (n.resolvedCodes === undefined || n.resolvedCodes.includes(code));
}

/** Actions ordered by strength: what a robot shows when several recalls are active. */
export function actionRank(a: RecallAction): number {
  return RECALL_ACTIONS.indexOf(a);
}
