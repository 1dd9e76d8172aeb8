/**
 * The check-character algorithms a code scheme can name, mapped to ISO 7064 systems.
 */
import { CodeFormatError } from '../../errors.js';
import { showChar } from '../charset.js';
import { MOD_37_36, MOD_97_10, checkCharacters, firstInvalid, type CheckSystem } from './iso7064.js';

export type CheckAlgorithm = 'none' | 'iso7064-mod97-10' | 'iso7064-mod37-36';

export const CHECK_ALGORITHMS: readonly CheckAlgorithm[] = Object.freeze([
  'none',
  'iso7064-mod97-10',
  'iso7064-mod37-36',
]);

const SYSTEMS: Readonly<Record<Exclude<CheckAlgorithm, 'none'>, CheckSystem>> = Object.freeze({
  'iso7064-mod97-10': MOD_97_10,
  'iso7064-mod37-36': MOD_37_36,
});

export function isCheckAlgorithm(value: unknown): value is CheckAlgorithm {
  return typeof value === 'string' && (CHECK_ALGORITHMS as readonly string[]).includes(value);
}

export function checkSystem(algorithm: Exclude<CheckAlgorithm, 'none'>): CheckSystem {
  return SYSTEMS[algorithm];
}

/** Number of check characters the algorithm appends (0 for 'none'). */
export function checkLength(algorithm: CheckAlgorithm): number {
  return algorithm === 'none' ? 0 : SYSTEMS[algorithm].checkLength;
}

/**
 * The check character(s) for `body` (upper-case canonical characters, no separators):
 * two digits 02..98 for MOD 97-10 (ISO 7064 §7.4, as IBAN), one of 0-9A-Z for MOD 37,36,
 * '' for 'none'.
 * Throws CODE_CHARSET when `body` has a character the algorithm does not define.
 */
export function computeCheck(body: string, algorithm: CheckAlgorithm): string {
  if (typeof body !== 'string') throw new TypeError(`body: expected string, got ${typeof body}`);
  if (!isCheckAlgorithm(algorithm)) {
    throw new CodeFormatError('CODE_SCHEME', `expected check algorithm ${CHECK_ALGORITHMS.join(' | ')}, got ${JSON.stringify(algorithm)}`);
  }
  if (algorithm === 'none') return '';
  const system = SYSTEMS[algorithm];
  const bad = firstInvalid(system, body);
  if (bad >= 0) {
    throw new CodeFormatError(
      'CODE_CHARSET',
      `position ${bad + 1} (1-based): ${system.name} expects one of ${system.alphabet}, got ${showChar(body[bad]!)}`,
      bad,
    );
  }
  return checkCharacters(system, body);
}
