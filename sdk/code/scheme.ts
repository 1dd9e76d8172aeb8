/**
 * The code scheme: which characters the code uses, which check character (if any) ends the
 * serial, and which country values a deployment accepts. Normalised and validated once by
 * codeScheme(); the result is frozen and reused.
 *
 * The charset defaults to digits, or to alphanumeric when the check is iso7064-mod37-36.
 * Impossible combinations are refused with CODE_SCHEME (see docs/protocol.md, "The robot code"):
 * - digits + iso7064-mod37-36: the MOD 37,36 check character is a letter 26 times in 36,
 *   so a digits-only code could not carry it.
 * - alphanumeric + iso7064-mod97-10: MOD 97-10 is defined over digits; letters would first
 *   have to be expanded to two digits (as IBAN does), and then a single substitution that
 *   swaps a digit for a letter shifts every later digit, which the check no longer always
 *   detects. Alphanumeric codes use MOD 37,36, which is made for that alphabet.
 */
import { CodeFormatError } from '../errors.js';
import { CHARSETS, inCharset, isCharset, normaliseText, type CodeCharset } from './charset.js';
import { CHECK_ALGORITHMS, isCheckAlgorithm, type CheckAlgorithm } from './check/index.js';

export interface CodeScheme {
  readonly charset: CodeCharset;
  readonly check: CheckAlgorithm;
  /** Accepted country values (canonical, two characters each); undefined accepts any. */
  readonly countries: readonly string[] | undefined;
}

export type CodeSchemeInput = {
  readonly charset?: CodeCharset;
  readonly check?: CheckAlgorithm;
  readonly countries?: readonly string[] | undefined;
};

const KEYS = new Set(['charset', 'check', 'countries']);
const normalised = new WeakSet<object>();

/** 29 digits, no check character, any country: what the public descriptions ("29-digit") say. */
export const DEFAULT_CODE_SCHEME: CodeScheme = freeze({ charset: 'digits', check: 'none', countries: undefined });

function freeze(s: CodeScheme): CodeScheme {
  const out = Object.freeze({ ...s, countries: s.countries === undefined ? undefined : Object.freeze([...s.countries]) });
  normalised.add(out);
  return out;
}

/**
 * Validates a partial scheme and fills in the defaults. Every problem is reported at once in
 * one CODE_SCHEME error. A scheme this function returned is passed through unchanged.
 */
export function codeScheme(partial?: CodeSchemeInput | CodeScheme): CodeScheme {
  if (partial === undefined) return DEFAULT_CODE_SCHEME;
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    throw new CodeFormatError('CODE_SCHEME', `code scheme: expected an object, got ${partial === null ? 'null' : typeof partial}`);
  }
  if (normalised.has(partial)) return partial as CodeScheme;
  const problems: string[] = [];
  for (const key of Object.keys(partial)) {
    if (!KEYS.has(key)) problems.push(`unknown key ${JSON.stringify(key)} (expected charset, check, countries)`);
  }
  const check = partial.check ?? DEFAULT_CODE_SCHEME.check;
  // The charset defaults to digits, except that MOD 37,36 implies alphanumeric (it needs it).
  const charset = partial.charset ?? (check === 'iso7064-mod37-36' ? 'alphanumeric' : DEFAULT_CODE_SCHEME.charset);
  if (!isCharset(charset)) problems.push(`charset: expected "digits" or "alphanumeric", got ${JSON.stringify(charset)}`);
  if (!isCheckAlgorithm(check)) {
    problems.push(`check: expected ${CHECK_ALGORITHMS.map((a) => JSON.stringify(a)).join(' | ')}, got ${JSON.stringify(check)}`);
  }
  if (charset === 'digits' && check === 'iso7064-mod37-36') {
    problems.push('check iso7064-mod37-36 needs charset "alphanumeric": its check character may be a letter');
  }
  if (charset === 'alphanumeric' && check === 'iso7064-mod97-10') {
    problems.push('check iso7064-mod97-10 needs charset "digits": it is defined over digits only; use iso7064-mod37-36 for alphanumeric codes');
  }
  let countries: string[] | undefined;
  if (partial.countries !== undefined) {
    if (!Array.isArray(partial.countries) || partial.countries.length === 0) {
      problems.push('countries: expected a non-empty array of two-character country values, or leave it out to accept any');
    } else {
      countries = [];
      for (const [i, raw] of (partial.countries as unknown[]).entries()) {
        const c = typeof raw === 'string' ? normaliseText(raw.trim()) : undefined;
        if (c === undefined || c.length !== 2 || (isCharset(charset) && ![...c].every((ch) => inCharset(ch, charset)))) {
          const allowed = isCharset(charset) ? CHARSETS[charset] : 'the charset';
          problems.push(`countries[${i}]: expected two characters of ${allowed}, got ${JSON.stringify(raw)}`);
        } else if (!countries.includes(c)) {
          countries.push(c);
        }
      }
    }
  }
  if (problems.length > 0) throw new CodeFormatError('CODE_SCHEME', `invalid code scheme: ${problems.join('; ')}`);
  return freeze({ charset: charset as CodeCharset, check: check as CheckAlgorithm, countries });
}
