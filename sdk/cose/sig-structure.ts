/**
 * The to-be-signed bytes of COSE (RFC 9052 §4.4) and the tagged COSE_Sign1 itself, built by
 * concatenation: fixed heads and context strings, then the byte strings with their heads.
 * Byte-identical to encoding the arrays with the CBOR encoder (a unit test holds them to
 * that), without walking a value tree or copying the payload through the encoder each time.
 */
const enc = new TextEncoder();
/** ["Signature1", ...] : array(4) + tstr(10) "Signature1". */
const SIGNATURE1 = Uint8Array.of(0x84, 0x6a, ...enc.encode('Signature1'));
/** ["Signature", ...] : array(5) + tstr(9) "Signature". */
const SIGNATURE = Uint8Array.of(0x85, 0x69, ...enc.encode('Signature'));

function headLength(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

/** Writes the CBOR head of a byte string of `n` bytes at `at`; returns the offset after it. */
function writeBstrHead(out: Uint8Array, at: number, n: number): number {
  if (n < 24) {
    out[at] = 0x40 | n;
    return at + 1;
  }
  if (n < 0x100) {
    out[at] = 0x58;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    out[at] = 0x59;
    out[at + 1] = n >> 8;
    out[at + 2] = n & 0xff;
    return at + 3;
  }
  out[at] = 0x5a;
  out[at + 1] = (n >>> 24) & 0xff;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = (n >>> 8) & 0xff;
  out[at + 4] = n & 0xff;
  return at + 5;
}

/**
 * `parts` in one allocation; part i is written as a byte string (with its head) when bit i of
 * `bstrs` is set, as it is otherwise. One buffer and no head arrays: this runs twice for every
 * event the agent signs.
 */
function assemble(parts: readonly Uint8Array[], bstrs: number): Uint8Array {
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += parts[i]!.length + ((bstrs >> i) & 1 ? headLength(parts[i]!.length) : 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if ((bstrs >> i) & 1) at = writeBstrHead(out, at, p.length);
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function sigStructure1Bytes(bodyProtected: Uint8Array, externalAad: Uint8Array, payload: Uint8Array): Uint8Array {
  return assemble([SIGNATURE1, bodyProtected, externalAad, payload], 0b1110);
}

export function sigStructureBytes(bodyProtected: Uint8Array, signProtected: Uint8Array, externalAad: Uint8Array, payload: Uint8Array): Uint8Array {
  return assemble([SIGNATURE, bodyProtected, signProtected, externalAad, payload], 0b11110);
}

/** Tag 18 + array(4): the start of every tagged COSE_Sign1. */
const SIGN1_PREFIX = Uint8Array.of(0xd2, 0x84);

/** Tagged COSE_Sign1 [protected, unprotected, payload, signature]; `unprotected` already encoded. */
export function coseSign1Bytes(protectedBytes: Uint8Array, unprotectedEncoded: Uint8Array, payload: Uint8Array, signature: Uint8Array): Uint8Array {
  return assemble([SIGN1_PREFIX, protectedBytes, unprotectedEncoded, payload, signature], 0b11010);
}
