/**
 * ISO/IEC 7064:2003 check character systems (adopted in China as GB/T 17710).
 *
 * Two families, both generic over an alphabet whose index is the character's value:
 * - pure systems "MOD M-r" (§6 of the standard): P starts at 0; for each character
 *   P = ((P + a) * r) mod M; with two check characters P is multiplied by r once more; the
 *   check value is M + 1 - P, reduced by M only when it does not fit in the check characters,
 *   written in radix r. For MOD 97-10 that is the standard's simplified procedure (§7.4:
 *   append two zeros, divide by 97, subtract the remainder from 98), which IBAN uses too:
 *   check digits 02..98. A string with its check characters is valid when its value mod M is 1,
 *   so the recursive procedure's 00 and 01 (for remainders 1 and 0) verify as well.
 * - hybrid systems "MOD M+1,M" (§7): P starts at M; for each character
 *   S = (P + a) mod M (0 read as M), P = (S * 2) mod (M + 1); the check value is
 *   (M + 1 - P) mod M, one character of the same alphabet.
 *
 * Both instances used here (MOD 97-10, MOD 37,36) detect every single substitution error.
 * MOD 97-10 also detects every adjacent transposition; MOD 37,36 misses about 0.16% of them
 * (see docs/protocol.md, "The robot code").
 */

export interface PureSystem {
  readonly kind: 'pure';
  readonly name: string;
  readonly modulus: number;
  readonly radix: number;
  /** Characters of the data; index = value. */
  readonly alphabet: string;
  /** Characters a check value is written in; index = value. */
  readonly checkAlphabet: string;
  readonly checkLength: 1 | 2;
}

export interface HybridSystem {
  readonly kind: 'hybrid';
  readonly name: string;
  /** M: the alphabet has M characters; the arithmetic also uses M + 1. */
  readonly modulus: number;
  readonly alphabet: string;
  readonly checkLength: 1;
}

export type CheckSystem = PureSystem | HybridSystem;

/** ISO 7064 MOD 97-10: numeric data, two numeric check digits (the IBAN check). */
export const MOD_97_10: PureSystem = Object.freeze({
  kind: 'pure',
  name: 'ISO 7064 MOD 97-10',
  modulus: 97,
  radix: 10,
  alphabet: '0123456789',
  checkAlphabet: '0123456789',
  checkLength: 2,
});

/** ISO 7064 MOD 11-2: numeric data, one check character 0-9 or X. Used only to test genericity. */
export const MOD_11_2: PureSystem = Object.freeze({
  kind: 'pure',
  name: 'ISO 7064 MOD 11-2',
  modulus: 11,
  radix: 2,
  alphabet: '0123456789',
  checkAlphabet: '0123456789X',
  checkLength: 1,
});

/** ISO 7064 MOD 37,36: alphanumeric data, one alphanumeric check character. */
export const MOD_37_36: HybridSystem = Object.freeze({
  kind: 'hybrid',
  name: 'ISO 7064 MOD 37,36',
  modulus: 36,
  alphabet: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  checkLength: 1,
});

/** ISO 7064 MOD 11,10: numeric data, one numeric check digit. Used only to test genericity. */
export const MOD_11_10: HybridSystem = Object.freeze({
  kind: 'hybrid',
  name: 'ISO 7064 MOD 11,10',
  modulus: 10,
  alphabet: '0123456789',
  checkLength: 1,
});

/**
 * Index of the first character of `data` outside the system's alphabet, or -1.
 * Callers turn a non-negative answer into their own typed error.
 */
export function firstInvalid(system: CheckSystem, data: string): number {
  for (let i = 0; i < data.length; i++) {
    if (system.alphabet.indexOf(data[i]!) < 0) return i;
  }
  return -1;
}

function value(system: CheckSystem, ch: string): number {
  const v = system.alphabet.indexOf(ch);
  if (v < 0) throw new RangeError(`${system.name}: expected one of ${system.alphabet}, got ${JSON.stringify(ch)}`);
  return v;
}

function purePending(system: PureSystem, data: string): number {
  const { modulus: m, radix: r } = system;
  let p = 0;
  for (let i = 0; i < data.length; i++) p = ((p + value(system, data[i]!)) * r) % m;
  // Two check characters: the first check position also gets multiplied by r.
  if (system.checkLength === 2) p = (p * r) % m;
  return p;
}

function pureCheck(system: PureSystem, data: string): string {
  const { modulus: m, radix: r, checkAlphabet } = system;
  let c = m + 1 - purePending(system, data);
  if (c >= checkAlphabet.length ** system.checkLength) c -= m;
  if (system.checkLength === 1) return checkAlphabet[c]!;
  return checkAlphabet[Math.floor(c / r)]! + checkAlphabet[c % r]!;
}

function hybridCheck(system: HybridSystem, data: string): string {
  const m = system.modulus;
  let p = m;
  for (let i = 0; i < data.length; i++) {
    const s = (p + value(system, data[i]!)) % m || m;
    p = (s * 2) % (m + 1);
  }
  return system.alphabet[(m + 1 - p) % m]!;
}

/**
 * The check character(s) to append to `data`. Throws RangeError when `data` holds a character
 * outside the system's alphabet (use firstInvalid first to report bad input as a typed error).
 */
export function checkCharacters(system: CheckSystem, data: string): string {
  return system.kind === 'pure' ? pureCheck(system, data) : hybridCheck(system, data);
}

/**
 * True when `full` (data followed by checkLength check characters) satisfies the system:
 * for pure systems its value is 1 mod M (the standard's verification rule); for hybrid
 * systems the last character is the one check character of the rest.
 */
export function hasValidCheck(system: CheckSystem, full: string): boolean {
  const n = system.checkLength;
  if (full.length <= n) return false;
  const data = full.slice(0, -n);
  if (firstInvalid(system, data) >= 0) return false;
  if (system.kind === 'hybrid') return checkCharacters(system, data) === full.slice(-n);
  const { modulus: m, radix: r } = system;
  let p = 0;
  for (let i = 0; i < data.length; i++) p = (p * r + value(system, data[i]!)) % m;
  for (let i = data.length; i < full.length; i++) {
    const c = system.checkAlphabet.indexOf(full[i]!);
    if (c < 0) return false;
    p = (p * r + c) % m;
  }
  return p === 1;
}
