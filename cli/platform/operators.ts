/**
 * Pseudonymous operators (docs/protocol.md §"Registration"): a registration order names its
 * operator as HMAC-SHA256(platform pseudonym key, operator id)[0..16), never the id itself, so
 * no personal data rides on the robot or the wire. The key (`pseudonym.key`, 32 random bytes,
 * 0600) and the table that resolves a pseudonym back (`operators.jsonl`) stay in the
 * registering authority's directory, on the platform.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_ID_BYTES, toHex, writeFileAtomicSync } from '../../sdk/index.js';

const KEY_FILE = 'pseudonym.key';
const TABLE_FILE = 'operators.jsonl';

function pseudonymKey(dir: string): Buffer {
  const path = join(dir, KEY_FILE);
  if (!existsSync(path)) writeFileAtomicSync(path, randomBytes(32), { mode: 0o600 });
  return readFileSync(path);
}

/** The pseudonym of `operator` under `dir`'s key, recorded in its table so the platform can resolve it. */
export function operatorPseudonym(dir: string, operator: string): Uint8Array {
  const p = new Uint8Array(createHmac('sha256', pseudonymKey(dir)).update(operator, 'utf8').digest().subarray(0, OPERATOR_ID_BYTES));
  const table = join(dir, TABLE_FILE);
  if (resolveOperator(dir, toHex(p)) === undefined) {
    appendFileSync(table, JSON.stringify({ pseudonym: toHex(p), operator }) + '\n', { mode: 0o600 });
    const fd = openSync(table, 'r');
    fsyncSync(fd);
    closeSync(fd);
  }
  return p;
}

/** The operator id behind a pseudonym (hex), from `dir`'s table. */
export function resolveOperator(dir: string, pseudonym: string): string | undefined {
  const table = join(dir, TABLE_FILE);
  if (!existsSync(table)) return undefined;
  for (const line of readFileSync(table, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const o = JSON.parse(line) as { pseudonym?: string; operator?: string };
      if (o.pseudonym === pseudonym && typeof o.operator === 'string') return o.operator;
    } catch {
      // A torn last line (a crash mid-append) resolves nothing.
    }
  }
  return undefined;
}
