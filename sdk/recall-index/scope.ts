/**
 * Scope paths as carried inside an index (`c/CN`, `e/1234`, `m/1234/567890`, `u/<code>`):
 * the inverse of sdk/topics.ts scopePath, and which scopes a recall target maps to.
 */
import { scopePath, type RecallScope } from '../topics.js';

export function parseScopePath(path: string): RecallScope | undefined {
  const m = /^(?:c\/([0-9A-Z]+)|e\/([0-9A-Z]+)|m\/([0-9A-Z]+)\/([0-9A-Z]+)|u\/([0-9A-Z]+))$/.exec(path);
  if (!m) return undefined;
  if (m[1]) return { kind: 'country', country: m[1] };
  if (m[2]) return { kind: 'enterprise', enterprise: m[2] };
  if (m[3]) return { kind: 'model', enterprise: m[3], model: m[4]! };
  return { kind: 'unit', code: m[5]! };
}

/** The scope a recall topic or index topic names: `rid/v1/{recall|index}/<scope>[/<id>]`. */
export function scopeOfTopic(topic: string): { scope: string; recallId?: string } | undefined {
  let m = /^rid\/v1\/index\/(.+)$/.exec(topic);
  if (m && parseScopePath(m[1]!)) return { scope: m[1]! };
  m = /^rid\/v1\/recall\/(.+)\/([0-9A-Za-z._-]{1,64})$/.exec(topic);
  if (m && parseScopePath(m[1]!)) return { scope: m[1]!, recallId: m[2]! };
  return undefined;
}

export function countryScope(country: string): string {
  return scopePath({ kind: 'country', country });
}
