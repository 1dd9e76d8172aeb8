/**
 * Human input to compact canonical characters: NFKC, ASCII upper case, separators (spaces,
 * hyphens) allowed only between segments. Reports the first problem as a CodeFormatError whose
 * `position` is the zero-based offset in the compact code; messages give it 1-based.
 */
import { CodeFormatError } from '../errors.js';
import { CHARSET_DESCRIPTION, inCharset, isSeparator, normaliseText, showChar, type CodeCharset } from './charset.js';
import { SEGMENT_BOUNDARIES, segmentAt } from './layout.js';

/** Input longer than this is refused before normalisation (a code with separators is ~35). */
export const MAX_INPUT_LENGTH = 256;

export interface CompactOptions {
  readonly charset: CodeCharset;
  /** Number of characters expected after removing separators. */
  readonly length: number;
  /** What those characters are, for the CODE_LENGTH message. */
  readonly what: string;
  /** Offsets where a separator may stand; default: between the segments of a whole code. */
  readonly boundaries?: readonly number[];
}

export function compactInput(input: string, opts: CompactOptions): string {
  if (typeof input !== 'string') throw new TypeError(`code: expected string, got ${input === null ? 'null' : typeof input}`);
  if (input.length > MAX_INPUT_LENGTH) {
    throw new CodeFormatError(
      'CODE_LENGTH',
      `expected ${opts.length} characters (${opts.what}), got input of ${input.length} characters (longer than the ${MAX_INPUT_LENGTH} accepted)`,
      opts.length,
    );
  }
  const text = normaliseText(input).trim();
  if (text.length === 0) {
    throw new CodeFormatError('CODE_TYPE', `expected a robot code of ${opts.length} characters (${opts.what}), got ${input.length === 0 ? 'an empty string' : 'only whitespace'}`, 0);
  }
  let out = '';
  const separatorsAt: number[] = [];
  let previousWasSeparator = false;
  for (const ch of text) {
    if (isSeparator(ch)) {
      if (!previousWasSeparator) separatorsAt.push(out.length);
      previousWasSeparator = true;
      continue;
    }
    previousWasSeparator = false;
    if (!inCharset(ch, opts.charset)) {
      throw new CodeFormatError(
        'CODE_CHARSET',
        `position ${out.length + 1} (1-based): expected ${CHARSET_DESCRIPTION[opts.charset]}, got ${showChar(ch)}`,
        out.length,
      );
    }
    out += ch;
  }
  if (out.length !== opts.length) {
    throw new CodeFormatError(
      'CODE_LENGTH',
      `expected ${opts.length} characters (${opts.what}), got ${out.length}`,
      Math.min(out.length, opts.length),
    );
  }
  const boundaries = opts.boundaries ?? SEGMENT_BOUNDARIES;
  for (const at of separatorsAt) {
    if (boundaries.includes(at)) continue;
    const inside = boundaries === SEGMENT_BOUNDARIES ? `, inside the ${segmentAt(at).name} segment` : '';
    const where = at === 0 ? 'before position 1' : `between positions ${at} and ${at + 1} (1-based)${inside}`;
    const allowed =
      boundaries.length === 0
        ? 'no separators are allowed here'
        : `spaces and hyphens are allowed only between segments, after positions ${boundaries.join(', ').replace(/, (\d+)$/, ' and $1')}`;
    throw new CodeFormatError('CODE_SEGMENT', `separator ${where}: ${allowed}`, at);
  }
  return out;
}
