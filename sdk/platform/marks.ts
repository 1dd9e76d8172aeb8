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

  highest(): number {
    let h = this.contiguous;
    for (const s of this.above.keys()) if (s > h) h = s;
    return h;
  }

  isDuplicate(seq: number): boolean {
    return seq <= this.contiguous || this.above.has(seq);
  }

  /** Records a stored entry (not a duplicate); `chained` checks prevHash links. */
  record(seq: number, link: Linked, chained: boolean): Advance {
    const from = this.contiguous;
    const breaks: ChainBreak[] = [];
    if (seq !== this.contiguous + 1) {
      // A new hole only beyond the highest seq seen; below it, the entry fills a known hole.
      let gap: Advance['gap'];
      const highest = this.highest();
      if (seq > highest + 1) gap = { from: highest + 1, to: seq - 1 };
      this.above.set(seq, link);
      return { from, to: from, breaks, gap };
    }
    this.join(seq, link, chained, breaks);
    for (let next = this.contiguous + 1, l = this.above.get(next); l; next = this.contiguous + 1, l = this.above.get(next)) {
      this.above.delete(next);
      this.join(next, l, chained, breaks);
    }
    return { from, to: this.contiguous, breaks };
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
    };
  }

  static fromJSON(j: MarkJson): StreamMark {
    const m = new StreamMark();
    m.contiguous = j.c;
    m.head = fromHex(j.h);
    for (const [s, h, p] of j.a) m.above.set(s, { hash: fromHex(h), prevHash: fromHex(p) });
    return m;
  }
}

export interface MarkJson {
  c: number;
  h: string;
  a: [number, string, string][];
}
