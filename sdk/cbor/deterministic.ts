/**
 * A single pass over received CBOR bytes that checks well-formedness and the deterministic
 * profile (RFC 8949 §4.2.1) without decoding or re-encoding anything: shortest argument forms,
 * definite lengths, map keys that are integers or text in strictly increasing bytewise order
 * (so no duplicates), no floats, no undefined or other simple values, valid UTF-8 text.
 *
 * It runs before cbor-x sees the bytes, so declared lengths larger than the input never reach
 * the decoder. A tag other than COSE_Sign1 (18) and COSE_Sign (98) is reported through
 * `unusualTags`: cbor-x turns some tags into objects, so the caller then also runs the slower
 * decode-and-re-encode check, which keeps its exact semantics for such rare input.
 */

export interface ScanResult {
  /** 'malformed' wins over 'nondeterministic' wherever both apply. */
  problem?: { kind: 'malformed' | 'nondeterministic'; message: string };
  unusualTags: boolean;
  /** An integer needing a 64-bit head was seen (the decoder returns it as a BigInt). */
  wideIntegers: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_DEPTH = 64;
const SAFE = 2 ** 53 - 1;

class Scanner {
  pos = 0;
  nondeterministic: string | undefined;
  unusualTags = false;
  wideIntegers = false;

  constructor(private readonly b: Uint8Array) {}

  malformed(message: string): never {
    throw new ScanStop(message);
  }

  nondet(message: string): void {
    this.nondeterministic ??= message;
  }

  need(n: number): void {
    if (this.pos + n > this.b.length) this.malformed(`truncated at byte ${this.pos}: expected ${n} more byte(s)`);
  }

  /** Reads a head; returns [major, argument (number, may be > 2^53 for 8-byte), indefinite]. */
  head(): [number, number, boolean, number] {
    this.need(1);
    const start = this.pos;
    const ib = this.b[this.pos++]!;
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (ai < 24) return [major, ai, false, 0];
    if (ai === 31) {
      if (major === 0 || major === 1 || major === 6) this.malformed(`byte ${start}: indefinite length on major type ${major}`);
      if (major === 7) this.malformed(`byte ${start}: break outside an indefinite-length item`);
      this.nondet(`byte ${start}: indefinite length`);
      return [major, 0, true, 0];
    }
    if (ai > 27) this.malformed(`byte ${start}: reserved additional information ${ai}`);
    const size = 1 << (ai - 24);
    this.need(size);
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + this.b[this.pos++]!;
    if (major !== 7) {
      const min = size === 1 ? 24 : size === 2 ? 0x100 : size === 4 ? 0x10000 : 0x1_0000_0000;
      if (v < min) this.nondet(`byte ${start}: argument ${v} not in its shortest form`);
    }
    return [major, v, false, size];
  }

  item(depth: number): void {
    if (depth > MAX_DEPTH) this.malformed(`nesting deeper than ${MAX_DEPTH}`);
    const start = this.pos;
    const [major, arg, indefinite, size] = this.head();
    switch (major) {
      case 0:
      case 1:
        if (size === 8) {
          this.wideIntegers = true;
          // -2^64 (argument 2^64-1 on major 1) is outside what the encoder writes as an integer.
          if (major === 1 && this.b.subarray(start + 1, start + 9).every((x) => x === 0xff)) this.nondet(`byte ${start}: integer -2^64 out of range`);
        }
        return;
      case 2:
      case 3:
        if (indefinite) {
          for (;;) {
            this.need(1);
            if (this.b[this.pos] === 0xff) {
              this.pos++;
              return;
            }
            const [m, len, ind] = this.head();
            if (m !== major || ind) this.malformed(`byte ${start}: indefinite string chunk of the wrong type`);
            this.skip(len);
          }
        }
        this.skip(arg);
        if (major === 3) {
          try {
            utf8.decode(this.b.subarray(this.pos - arg, this.pos));
          } catch {
            this.nondet(`byte ${start}: text is not valid UTF-8`);
          }
        }
        return;
      case 4:
        if (indefinite) {
          while (!this.atBreak()) this.item(depth + 1);
          return;
        }
        for (let i = 0; i < arg; i++) this.item(depth + 1);
        return;
      case 5: {
        let prevStart = -1;
        let prevEnd = -1;
        for (let i = 0; indefinite ? !this.atBreak() : i < arg; i++) {
          const ks = this.pos;
          this.key(depth + 1);
          const ke = this.pos;
          if (prevStart >= 0 && compare(this.b, prevStart, prevEnd, ks, ke) >= 0) {
            this.nondet(`byte ${ks}: map keys not in strictly increasing bytewise order (or duplicated)`);
          }
          prevStart = ks;
          prevEnd = ke;
          this.item(depth + 1);
        }
        return;
      }
      case 6:
        if (arg !== 18 && arg !== 98) this.unusualTags = true;
        this.item(depth + 1);
        return;
      default: {
        // Major 7: false, true and null only; floats, undefined and other simple values are
        // outside the protocol's data model.
        if (size === 0 && (arg === 20 || arg === 21 || arg === 22)) return;
        if (size >= 2) this.nondet(`byte ${start}: floating-point value`);
        else this.nondet(`byte ${start}: simple value ${arg}`);
      }
    }
  }

  key(depth: number): void {
    this.need(1);
    const start = this.pos;
    const major = this.b[this.pos]! >> 5;
    this.item(depth);
    if (major === 3) return;
    if (major === 0 || major === 1) {
      const size = this.pos - start - 1;
      if (size === 8) {
        let v = 0;
        for (let i = start + 1; i < this.pos; i++) v = v * 256 + this.b[i]!;
        if (v > SAFE) this.nondet(`byte ${start}: integer map key beyond 2^53`);
      }
      return;
    }
    this.nondet(`byte ${start}: map key of major type ${major}: expected an integer or text`);
  }

  atBreak(): boolean {
    this.need(1);
    if (this.b[this.pos] === 0xff) {
      this.pos++;
      return true;
    }
    return false;
  }

  skip(n: number): void {
    if (n > this.b.length - this.pos) this.malformed(`truncated at byte ${this.pos}: a string of ${n} bytes`);
    this.pos += n;
  }
}

class ScanStop extends Error {}

function compare(b: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  const la = a1 - a0;
  const lb = b1 - b0;
  const n = Math.min(la, lb);
  for (let i = 0; i < n; i++) {
    const d = b[a0 + i]! - b[b0 + i]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

export function scanCbor(bytes: Uint8Array): ScanResult {
  const s = new Scanner(bytes);
  try {
    s.item(0);
    if (s.pos !== bytes.length) s.malformed(`${bytes.length - s.pos} byte(s) after the end of the item`);
  } catch (err) {
    if (err instanceof ScanStop) return { problem: { kind: 'malformed', message: err.message }, unusualTags: s.unusualTags, wideIntegers: s.wideIntegers };
    throw err;
  }
  return {
    problem: s.nondeterministic ? { kind: 'nondeterministic', message: s.nondeterministic } : undefined,
    unusualTags: s.unusualTags,
    wideIntegers: s.wideIntegers,
  };
}
