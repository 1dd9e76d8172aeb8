/**
 * The layout of the 29-position robot code: 2 country + 4 enterprise + 6 model + 17 serial.
 * Positions are zero-based offsets into the canonical (compact, upper-case) code.
 */

export const CODE_LENGTH = 29;

export type SegmentName = 'country' | 'enterprise' | 'model' | 'serial';

export interface Segment {
  readonly name: SegmentName;
  readonly start: number;
  readonly length: number;
}

export const SEGMENTS: readonly Segment[] = Object.freeze([
  Object.freeze({ name: 'country', start: 0, length: 2 }),
  Object.freeze({ name: 'enterprise', start: 2, length: 4 }),
  Object.freeze({ name: 'model', start: 6, length: 6 }),
  Object.freeze({ name: 'serial', start: 12, length: 17 }),
] as const);

/** Offsets where a separator may stand in human input: between segments, never inside one. */
export const SEGMENT_BOUNDARIES: readonly number[] = Object.freeze([2, 6, 12]);

export const SERIAL_LENGTH = 17;

/** The segment a zero-based position falls in. */
export function segmentAt(position: number): Segment {
  for (const s of SEGMENTS) {
    if (position < s.start + s.length) return s;
  }
  return SEGMENTS[SEGMENTS.length - 1]!;
}
