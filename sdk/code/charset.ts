/**
 * Character sets of the robot code and the normalisation of human input to them.
 *
 * Human input is NFKC-normalised (full-width ０-９ Ａ-Ｚ become ASCII), ASCII letters are
 * upper-cased, and only spaces and hyphens (plus the common Unicode dashes people paste)
 * count as separators. Everything else is judged against the character set.
 */

export type CodeCharset = 'digits' | 'alphanumeric';

export const CHARSETS: Readonly<Record<CodeCharset, string>> = Object.freeze({
  digits: '0123456789',
  alphanumeric: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
});

/** What a charset is called in error messages. */
export const CHARSET_DESCRIPTION: Readonly<Record<CodeCharset, string>> = Object.freeze({
  digits: 'a digit 0-9',
  alphanumeric: 'a digit 0-9 or a letter A-Z',
});

export function isCharset(value: unknown): value is CodeCharset {
  return value === 'digits' || value === 'alphanumeric';
}

export function inCharset(ch: string, charset: CodeCharset): boolean {
  if (ch.length !== 1) return false;
  const c = ch.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) return true;
  return charset === 'alphanumeric' && c >= 0x41 && c <= 0x5a;
}

/**
 * Hyphen-like characters NFKC leaves alone but people paste from documents: U+2010..U+2015
 * (hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar) and U+2212 minus.
 */
const SEPARATOR = /[\s\-\u2010-\u2015\u2212]/u;

export function isSeparator(ch: string): boolean {
  return SEPARATOR.test(ch);
}

/** NFKC, then ASCII upper case only (so 'ß' or 'ı' never change length or sneak in as ASCII). */
export function normaliseText(input: string): string {
  return input.normalize('NFKC').replace(/[a-z]/g, (c) => c.toUpperCase());
}

/** A character for an error message: printable ones quoted, others as U+XXXX. */
export function showChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp >= 0x21 && cp <= 0x7e) return JSON.stringify(ch);
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}
