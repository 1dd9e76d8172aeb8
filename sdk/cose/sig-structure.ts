/**
 * The to-be-signed bytes of COSE (RFC 9052 §4.4) and the tagged COSE_Sign1 itself, built by
 * concatenation: fixed heads and context strings, then the byte strings with their heads.
 * Byte-identical to encoding the arrays with the CBOR encoder (a unit test holds them to
 * that), without walking a value tree or copying the payload through the encoder each time.
 */
function bstrHead(n: number): Uint8Array {
  if (n < 24) return Uint8Array.of(0x40 | n);
  if (n < 0x100) return Uint8Array.of(0x58, n);
  if (n < 0x10000) return Uint8Array.of(0x59, n >> 8, n & 0xff);
  return Uint8Array.of(0x5a, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

const enc = new TextEncoder();
/** ["Signature1", ...] : array(4) + tstr(10) "Signature1". */
const SIGNATURE1 = Uint8Array.of(0x84, 0x6a, ...enc.encode('Signature1'));
/** ["Signature", ...] : array(5) + tstr(9) "Signature". */
const SIGNATURE = Uint8Array.of(0x85, 0x69, ...enc.encode('Signature'));

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function withHead(b: Uint8Array): Uint8Array[] {
  return [bstrHead(b.length), b];
}

export function sigStructure1Bytes(bodyProtected: Uint8Array, externalAad: Uint8Array, payload: Uint8Array): Uint8Array {
  return concat([SIGNATURE1, ...withHead(bodyProtected), ...withHead(externalAad), ...withHead(payload)]);
}

export function sigStructureBytes(bodyProtected: Uint8Array, signProtected: Uint8Array, externalAad: Uint8Array, payload: Uint8Array): Uint8Array {
  return concat([SIGNATURE, ...withHead(bodyProtected), ...withHead(signProtected), ...withHead(externalAad), ...withHead(payload)]);
}

/** Tag 18 + array(4): the start of every tagged COSE_Sign1. */
const SIGN1_PREFIX = Uint8Array.of(0xd2, 0x84);

/** Tagged COSE_Sign1 [protected, unprotected, payload, signature]; `unprotected` already encoded. */
export function coseSign1Bytes(protectedBytes: Uint8Array, unprotectedEncoded: Uint8Array, payload: Uint8Array, signature: Uint8Array): Uint8Array {
  return concat([SIGN1_PREFIX, ...withHead(protectedBytes), unprotectedEncoded, ...withHead(payload), ...withHead(signature)]);
}
