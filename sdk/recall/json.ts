/**
 * The human-writable notice file that `robot-id recall sign` reads (docs/protocol.md
 * §"Recall notice"), and the JSON a robot's local action receives on standard input.
 * Times are whole seconds since the epoch or ISO 8601 text with a zone ("2025-06-01T00:00:00Z",
 * "2025-06-01T08:00:00+08:00"); zone-less text is refused because it would mean different
 * instants on different machines. Codes may be typed with separators; they are canonicalised.
 */
import { parseCode, type CodeScheme } from '../code/index.js';
import { RecallRejectedError, RobotIdError } from '../errors.js';
import { RECALL_ACTIONS, RECALL_STATUSES, type RecallAction, type RecallNotice, type RecallStatus } from './notice.js';
import type { RecallInput } from './sign.js';
import type { RecallTarget } from './target.js';

const bad = (m: string): never => {
  throw new RecallRejectedError('RECALL_MALFORMED', `notice file: ${m}`);
};

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Seconds since the epoch from a number of seconds or ISO 8601 text with a zone. */
export function parseTime(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) bad(`${field}: expected whole seconds since the epoch, got ${value}`);
    return value;
  }
  if (typeof value === 'string' && ISO_WITH_ZONE.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms) && ms >= 0) return Math.floor(ms / 1000);
  }
  return bad(`${field}: expected seconds or ISO 8601 with a zone (e.g. 2025-06-01T00:00:00Z), got ${JSON.stringify(value)}`);
}

function text(j: Record<string, unknown>, k: string): string {
  if (typeof j[k] !== 'string') bad(`${k}: expected text, got ${JSON.stringify(j[k])}`);
  return j[k] as string;
}

function codes(value: unknown, field: string, scheme: CodeScheme): string[] {
  if (!Array.isArray(value)) return bad(`${field}: expected an array of codes`);
  return value.map((c, i) => {
    try {
      return parseCode(c as string, scheme).code;
    } catch (err) {
      return bad(`${field}[${i}]: ${err instanceof RobotIdError || err instanceof TypeError ? err.message : String(err)}`);
    }
  });
}

const TARGET_KEYS = ['codes', 'country', 'enterprise', 'model', 'serialFrom', 'serialTo'];
const NOTICE_KEYS = ['recallId', 'revision', 'campaignId', 'issuer', 'issuedAt', 'notBefore', 'notAfter', 'action', 'reason', 'remedy', 'target', 'status', 'resolvedCodes'];

function target(value: unknown, scheme: CodeScheme): RecallTarget {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('target: expected an object');
  const j = value as Record<string, unknown>;
  const unknown = Object.keys(j).filter((k) => !TARGET_KEYS.includes(k));
  if (unknown.length) bad(`target: unexpected keys ${unknown.join(', ')} (expected ${TARGET_KEYS.join(', ')})`);
  const t: RecallTarget = {};
  if (j.codes !== undefined) t.codes = codes(j.codes, 'target.codes', scheme);
  for (const k of ['country', 'enterprise', 'model', 'serialFrom', 'serialTo'] as const) {
    if (j[k] !== undefined) t[k] = text(j, k).toUpperCase();
  }
  return t;
}

/**
 * A RecallInput from the notice file's JSON. `issuer` defaults to the signing key's subject
 * (and must equal it when given); `issuedAt` defaults to `now`; `notBefore` to `issuedAt`.
 */
export function noticeFromJson(json: unknown, opts: { issuer: string; now: number; scheme: CodeScheme }): RecallInput {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('expected a JSON object');
  const j = json as Record<string, unknown>;
  const unknown = Object.keys(j).filter((k) => !NOTICE_KEYS.includes(k));
  if (unknown.length) bad(`unexpected keys ${unknown.join(', ')}`);
  if (j.issuer !== undefined && j.issuer !== opts.issuer) bad(`issuer: the signing key is ${opts.issuer}, the file names ${JSON.stringify(j.issuer)}`);
  if (!Number.isSafeInteger(j.revision) || (j.revision as number) < 0) bad(`revision: expected a whole number >= 0, got ${JSON.stringify(j.revision)}`);
  const action = j.action as RecallAction;
  if (!RECALL_ACTIONS.includes(action)) bad(`action: expected ${RECALL_ACTIONS.join(' | ')}, got ${JSON.stringify(j.action)}`);
  const status = (j.status ?? 'active') as RecallStatus;
  if (!RECALL_STATUSES.includes(status)) bad(`status: expected ${RECALL_STATUSES.join(' | ')}, got ${JSON.stringify(j.status)}`);
  const issuedAt = j.issuedAt === undefined ? opts.now : parseTime(j.issuedAt, 'issuedAt');
  const input: RecallInput = {
    recallId: text(j, 'recallId'),
    revision: j.revision as number,
    campaignId: text(j, 'campaignId'),
    issuer: opts.issuer,
    issuedAt,
    notBefore: j.notBefore === undefined ? issuedAt : parseTime(j.notBefore, 'notBefore'),
    notAfter: parseTime(j.notAfter, 'notAfter'),
    action,
    reason: text(j, 'reason'),
    remedy: text(j, 'remedy'),
    target: target(j.target, opts.scheme),
    status,
  };
  if (j.resolvedCodes !== undefined) input.resolvedCodes = codes(j.resolvedCodes, 'resolvedCodes', opts.scheme);
  return input;
}

/** Plain JSON of a notice (times as seconds and ISO text), for local actions and operators. */
export function noticeToJson(n: RecallNotice): Record<string, unknown> {
  const iso = (s: number) => new Date(s * 1000).toISOString();
  return {
    ...n,
    target: { ...n.target },
    issuedAtIso: iso(n.issuedAt),
    notBeforeIso: iso(n.notBefore),
    notAfterIso: iso(n.notAfter),
  };
}
