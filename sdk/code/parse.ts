/**
 * Parsing and validation of the 29-position code, and completing a code with its check.
 * Order of checks: type and emptiness, characters, length, separator placement, country,
 * check character. The first failure is reported.
 */
import { CodeFormatError } from '../errors.js';
import { checkLength, checkSystem, computeCheck } from './check/index.js';
import { hasValidCheck } from './check/iso7064.js';
import { compactInput } from './compact.js';
import { CODE_LENGTH, SEGMENTS } from './layout.js';
import { codeScheme, type CodeScheme, type CodeSchemeInput } from './scheme.js';
import type { RobotCode } from './types.js';

const WHAT = '2 country + 4 enterprise + 6 model + 17 serial';

/** Builds the frozen RobotCode from a canonical 29-character string already validated. */
export function robotCode(code: string): RobotCode {
  const part = (i: number): string => code.slice(SEGMENTS[i]!.start, SEGMENTS[i]!.start + SEGMENTS[i]!.length);
  return Object.freeze({ code, country: part(0), enterprise: part(1), model: part(2), serial: part(3) });
}

function checkCountry(code: string, scheme: CodeScheme): void {
  if (scheme.countries === undefined) return;
  const country = code.slice(0, 2);
  if (!scheme.countries.includes(country)) {
    throw new CodeFormatError(
      'CODE_SEGMENT',
      `positions 1-2 (1-based): expected a country of ${scheme.countries.join(', ')}, got ${JSON.stringify(country)}`,
      0,
    );
  }
}

function verifyCheck(code: string, scheme: CodeScheme): void {
  if (scheme.check === 'none') return;
  const n = checkLength(scheme.check);
  const at = CODE_LENGTH - n;
  const got = code.slice(at);
  if (!hasValidCheck(checkSystem(scheme.check), code)) {
    const where = n === 1 ? `position ${CODE_LENGTH}` : `positions ${at + 1}-${CODE_LENGTH}`;
    throw new CodeFormatError(
      'CODE_CHECK',
      `${where} (1-based): expected the ${checkSystem(scheme.check).name} check of positions 1-${at}, got ${JSON.stringify(got)}`,
      at,
    );
  }
}

/**
 * Parses human or machine input into the canonical code and its segments.
 * Throws CodeFormatError (CODE_TYPE, CODE_CHARSET, CODE_LENGTH, CODE_SEGMENT, CODE_CHECK) for
 * bad input, CODE_SCHEME for a bad scheme, and TypeError when `input` is not a string.
 */
export function parseCode(input: string, scheme?: CodeSchemeInput | CodeScheme): RobotCode {
  const s = codeScheme(scheme);
  const code = compactInput(input, { charset: s.charset, length: CODE_LENGTH, what: WHAT });
  checkCountry(code, s);
  verifyCheck(code, s);
  return robotCode(code);
}

/** True when parseCode would accept `input`; false for any string it rejects and for non-strings. */
export function isValidCode(input: unknown, scheme?: CodeSchemeInput | CodeScheme): boolean {
  const s = codeScheme(scheme);
  if (typeof input !== 'string') return false;
  try {
    parseCode(input, s);
    return true;
  } catch (err) {
    if (err instanceof CodeFormatError) return false;
    throw err;
  }
}

/**
 * Appends the scheme's check character(s) to a code body (the code without them, separators
 * allowed between segments) and returns the complete code. This is what a robot maker runs
 * when assigning a serial. The scheme must name a check algorithm.
 */
export function completeCode(body: string, scheme: CodeSchemeInput | CodeScheme): RobotCode {
  const s = codeScheme(scheme);
  if (s.check === 'none') {
    throw new CodeFormatError('CODE_SCHEME', 'completing a code needs a scheme with a check algorithm, got check "none"');
  }
  const n = checkLength(s.check);
  const compact = compactInput(body, {
    charset: s.charset,
    length: CODE_LENGTH - n,
    what: `the code without its ${n === 1 ? 'check character' : `${n} check characters`}`,
  });
  checkCountry(compact, s);
  return robotCode(compact + computeCheck(compact, s.check));
}
