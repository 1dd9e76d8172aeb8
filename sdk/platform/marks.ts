/**
 * Sequence marks of one unit's stream (docs/protocol.md §"Delivery and exactly-once"):
 * `contiguous` is the highest seq with every entry 1..seq stored, `head` the hash of that
 * entry (the chain head; 32 zero bytes at 0), `above` the entries stored beyond a hole. A seq
 * at or below `contiguous`, or already in `above`, is a duplicate. The event chain is checked
 * as entries join the contiguous run: each must name the head's hash as its prevHash.
 */
import { bytesEqual } from '../cbor/index.js';
import { toHex, fromHex } from '../crypto/hash.js';

const ZERO32 = new Uint8Array(32);

export interface Linked {
  hash: Uint8Array;
  prevHash: Uint8Array;
}

export interface ChainBreak {
  seq: number;
  expected: Uint8Array;
  got: Uint8Array;
}

/** Seqs a unit declared lost from its own log (a `lost-entries` chain-break): they never arrive. */
export interface LostRange {
  from: number;
  to: number;
}

export interface Advance {
  /** Contiguous before and after. */
  from: number;
  to: number;
  breaks: ChainBreak[];
  /** A hole was opened by this entry: seqs [gapFrom, gapTo] are missing. */
  gap?: { from: number; to: number };
}

export class StreamMark {
  contiguous = 0;
  head: Uint8Array = ZERO32;
  readonly above = new Map<number, Linked>();
  /** Ranges above `contiguous` the unit declared lost; passed over as the run reaches them. */
  readonly lost: LostRange[] = [];

  highest(): number {
    let h = this.contiguous;
    for (const s of this.above.keys()) if (s > h) h = s;
    for (const r of this.lost) if (r.to > h) h = r.to;
    return h;
  }

  isDuplicate(seq: number): boolean {
    return seq <= this.contiguous || this.above.has(seq) || this.lost.some((r) => seq >= r.from && seq <= r.to);
  }

  /**
   * Records a stored entry (not a duplicate); `chained` checks prevHash links. `lost`: the
   * entry is a chain-break declaring those seqs lost on the unit; the run passes over them, and
   * the entry's link to the entry before them is the declared break, not a new one.
   */
  record(seq: number, link: Linked, chained: boolean, lost?: LostRange): Advance {
    const from = this.contiguous;
    const breaks: ChainBreak[] = [];
    // A new hole only beyond the highest seq seen, and short of what the entry declares lost;
    // below it, the entry fills a known hole.
    const highest = this.highest();
    const holeTo = lost && lost.to < seq ? Math.min(seq - 1, lost.from - 1) : seq - 1;
    const gap = holeTo > highest ? { from: highest + 1, to: holeTo } : undefined;
    if (lost && lost.to >= lost.from && lost.to < seq && lost.to > this.contiguous) {
      this.lost.push({ from: Math.max(lost.from, this.contiguous + 1), to: lost.to });
      this.lost.sort((a, b) => a.from - b.from);
      this.passLost();
    }
    if (seq !== this.contiguous + 1) {
      this.above.set(seq, link);
      return { from, to: from, breaks, gap };
    }
    this.join(seq, link, chained && !lost, breaks);
    for (;;) {
      this.passLost();
      const next = this.contiguous + 1;
      const l = this.above.get(next);
      if (!l) break;
      this.above.delete(next);
      this.join(next, l, chained, breaks);
    }
    return { from, to: this.contiguous, breaks };
  }

  /** Moves the run over declared-lost ranges that start right after it (the head hash stays). */
  private passLost(): void {
    while (this.lost.length > 0 && this.lost[0]!.from <= this.contiguous + 1) {
      const r = this.lost.shift()!;
      for (const s of this.above.keys()) if (s >= r.from && s <= r.to) this.above.delete(s);
      if (r.to > this.contiguous) this.contiguous = r.to;
    }
  }

  private join(seq: number, link: Linked, chained: boolean, breaks: ChainBreak[]): void {
    if (chained && !bytesEqual(link.prevHash, this.head)) breaks.push({ seq, expected: this.head, got: link.prevHash });
    this.contiguous = seq;
    this.head = link.hash;
  }

  toJSON(): MarkJson {
    return {
      c: this.contiguous,
      h: toHex(this.head),
      a: [...this.above].map(([s, l]) => [s, toHex(l.hash), toHex(l.prevHash)]),
      ...(this.lost.length > 0 ? { l: this.lost.map((r): [number, number] => [r.from, r.to]) } : {}),
    };
  }

  static fromJSON(j: MarkJson): StreamMark {
    const m = new StreamMark();
    m.contiguous = j.c;
    m.head = fromHex(j.h);
    for (const [s, h, p] of j.a) m.above.set(s, { hash: fromHex(h), prevHash: fromHex(p) });
    for (const [from, to] of j.l ?? []) m.lost.push({ from, to });
    return m;
  }
}

export interface MarkJson {
  c: number;
  h: string;
  a: [number, string, string][];
  /** Declared-lost ranges above c. */
  l?: [number, number][];
}
