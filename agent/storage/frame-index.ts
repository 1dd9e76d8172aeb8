/**
 * Where each durable record of a framed log is: seq, offset and size, in growable typed arrays.
 * A full default-size event log holds about 250,000 records; one object per record kept 74
 * bytes each on the heap (16 MiB), these arrays keep 20.
 */
import type { FrameAt } from './frame.js';

export class FrameIndex {
  private seqs: Float64Array;
  private offsets: Float64Array;
  private sizes: Uint32Array;
  private count = 0;

  constructor(capacity = 1024) {
    this.seqs = new Float64Array(capacity);
    this.offsets = new Float64Array(capacity);
    this.sizes = new Uint32Array(capacity);
  }

  static from(frames: readonly FrameAt[]): FrameIndex {
    const index = new FrameIndex(Math.max(1024, frames.length + (frames.length >> 2)));
    for (const f of frames) index.push(f.seq, f.offset, f.size);
    return index;
  }

  get length(): number {
    return this.count;
  }

  /** Seq of the last record (0: none). */
  get lastSeq(): number {
    return this.count > 0 ? this.seqs[this.count - 1]! : 0;
  }

  push(seq: number, offset: number, size: number): void {
    if (this.count === this.seqs.length) this.grow();
    this.seqs[this.count] = seq;
    this.offsets[this.count] = offset;
    this.sizes[this.count] = size;
    this.count++;
  }

  seq(i: number): number {
    return this.seqs[i]!;
  }

  offset(i: number): number {
    return this.offsets[i]!;
  }

  size(i: number): number {
    return this.sizes[i]!;
  }

  /** Index of the first record with seq > afterSeq (length when none); seqs are increasing. */
  firstAfter(afterSeq: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const n = this.seqs.length * 2;
    const seqs = new Float64Array(n);
    const offsets = new Float64Array(n);
    const sizes = new Uint32Array(n);
    seqs.set(this.seqs);
    offsets.set(this.offsets);
    sizes.set(this.sizes);
    this.seqs = seqs;
    this.offsets = offsets;
    this.sizes = sizes;
  }
}
