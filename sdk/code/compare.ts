/**
 * Comparisons the rest of the system needs (recall scopes, fleet queries). They look at the
 * structure only: strings are canonicalised with the widest scheme (alphanumeric, no check),
 * so they work for codes of any deployment scheme. Validate codes with parseCode first.
 */
import { CodeFormatError, type CodeErrorCode } from '../errors.js';
import { compactInput } from './compact.js';
import { CODE_LENGTH, SERIAL_LENGTH } from './layout.js';
import type { RobotCode } from './types.js';

function canonical(code: RobotCode | string): string {
  if (typeof code === 'string') {
    return compactInput(code, { charset: 'alphanumeric', length: CODE_LENGTH, what: '2 country + 4 enterprise + 6 model + 17 serial' });
  }
  if (typeof code !== 'object' || code === null || typeof code.code !== 'string') {
    throw new TypeError(`code: expected RobotCode or string, got ${code === null ? 'null' : typeof code}`);
  }
  return code.code;
}

/** Same country and enterprise (positions 1-6). */
export function sameEnterprise(a: RobotCode | string, b: RobotCode | string): boolean {
  return canonical(a).slice(0, 6) === canonical(b).slice(0, 6);
}

/** Same country, enterprise and model (positions 1-12). */
export function sameModel(a: RobotCode | string, b: RobotCode | string): boolean {
  return canonical(a).slice(0, 12) === canonical(b).slice(0, 12);
}

function serial(value: string, name: string): string {
  try {
    return compactInput(value, { charset: 'alphanumeric', length: SERIAL_LENGTH, what: `a serial, positions 13-29`, boundaries: [] });
  } catch (err) {
    if (err instanceof CodeFormatError) throw new CodeFormatError(err.code as CodeErrorCode, `${name}: ${err.message}`, err.position);
    throw err;
  }
}

/**
 * True when the code's serial lies in [from, to] (both inclusive), compared lexicographically;
 * all three are 17 characters, so digits order as numbers and letters after digits.
 * `from` and `to` are serials (positions 13-29), not whole codes. from > to is an empty range.
 */
export function serialInRange(code: RobotCode | string, from: string, to: string): boolean {
  const s = canonical(code).slice(12);
  return serial(from, 'from') <= s && s <= serial(to, 'to');
}
