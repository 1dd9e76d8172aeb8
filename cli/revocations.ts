/**
 * `--revocations <file>` for the commands that judge identities (attest, broker import): either
 * a revocation list `{"keys": ["<hex kid>", ...], "codes": ["<code>", ...], "scrapped": [...]}` or the platform's
 * index state (`<state>/state.json`, where `robot-id revoke` records them under "revocations").
 */
import { readFileSync } from 'node:fs';
import { REVOCATION_REASONS, Revocations, revocationsFromLists, type IndexKeyRevocation, type RevocationReason } from '../sdk/index.js';
import { UsageError } from './command.js';

export function loadRevocations(file: string | undefined): Revocations {
  if (!file) return Revocations.none;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--revocations ${file}: expected a JSON revocation list or index state (${(err as Error).message})`);
  }
  const top = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const held = typeof top.revocations === 'object' && top.revocations !== null ? (top.revocations as Record<string, unknown>) : top;
  const list = (v: unknown, what: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new UsageError(`--revocations ${file}: ${what}: expected an array of strings`);
    return v as string[];
  };
  // Reasons and times of revocations that are not compromises (the index state keeps them as details).
  if (held.details !== undefined) {
    const ok = Array.isArray(held.details) && (held.details as Record<string, unknown>[]).every(
      (d) => typeof d?.kid === 'string' && REVOCATION_REASONS.includes(d.reason as RevocationReason) && typeof d.at === 'number',
    );
    if (!ok) throw new UsageError(`--revocations ${file}: details: expected an array of {kid, reason (${REVOCATION_REASONS.join('|')}), at}`);
  }
  return revocationsFromLists({
    keys: list(held.keys, 'keys'),
    codes: list(held.codes, 'codes'),
    scrapped: list(held.scrapped, 'scrapped'),
    details: held.details as IndexKeyRevocation[] | undefined,
  });
}
