/** Display form of a robot code: segments joined by a separator, e.g. 86-1234-567890-12345678901234567. */
import { SEGMENTS } from './layout.js';
import { parseCode } from './parse.js';
import type { CodeScheme, CodeSchemeInput } from './scheme.js';
import type { RobotCode } from './types.js';

export interface FormatOptions {
  /** Between segments; default '-'. */
  readonly separator?: ' ' | '-';
  /** Used only when `code` is a string: the scheme it is parsed with (default scheme otherwise). */
  readonly scheme?: CodeSchemeInput | CodeScheme;
}

export function formatCode(code: RobotCode | string, options: FormatOptions = {}): string {
  const sep = options.separator ?? '-';
  if (sep !== '-' && sep !== ' ') throw new RangeError(`separator: expected "-" or " ", got ${JSON.stringify(sep)}`);
  const canonical = typeof code === 'string' ? parseCode(code, options.scheme).code : code.code;
  return SEGMENTS.map((s) => canonical.slice(s.start, s.start + s.length)).join(sep);
}
