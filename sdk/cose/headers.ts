/**
 * COSE header labels and the checks shared by COSE_Sign1 and COSE_Sign (RFC 9052 §3.1).
 * Our objects always carry alg, kid and content type in the protected bucket, so a signature
 * made for one object kind can never be taken for another, and no header an attacker could
 * change outside the signature influences verification.
 */
import { decodeCbor, encodeCbor, type CborValue } from '../cbor/index.js';
import { CoseError, describe } from '../errors.js';

export const HEADER = {
  alg: 1,
  crit: 2,
  contentType: 3,
  kid: 4,
  /**
   * Private-use label (RFC 9052 §1.4: below -65536) for the signer's robot-id certificate
   * (a COSE_Sign1 by a root), carried unprotected: it is itself signed, like x5chain.
   */
  certificate: -65537,
} as const;
/**
 * The labels each bucket of a robot-id object may carry (docs/protocol.md §"COSE"; checked by
 * openSign1/openMulti, not by the generic COSE decoders, which also read third-party
 * examples): anything else in a message of ours is refused (`COSE_MALFORMED`), so no byte outside the signature can be changed without
 * failing, and no header a signer did not mean can be smuggled into the protected bucket.
 */
export const ALLOWED_LABELS = {
  sign1Protected: [HEADER.alg, HEADER.contentType, HEADER.kid],
  sign1Unprotected: [HEADER.certificate],
  bodyProtected: [HEADER.contentType],
  bodyUnprotected: [],
  signerProtected: [HEADER.alg, HEADER.kid],
  signerUnprotected: [HEADER.certificate],
} as const satisfies Record<string, readonly number[]>;

export const TAG_SIGN1 = 18;
export const TAG_SIGN = 98;

export interface ProtectedHeader {
  alg?: number;
  kid?: Uint8Array;
  contentType?: string | number;
  /** Every label, as decoded. */
  all: Map<number | string, CborValue>;
}

/** Encodes a protected header map to its bstr form (empty map -> zero-length bstr). */
export function encodeProtected(entries: Map<number, CborValue>): Uint8Array {
  return entries.size === 0 ? new Uint8Array(0) : encodeCbor(entries);
}

/** `crit` is refused in every bucket: we understand no critical header (RFC 9052 §3.1). */
export function parseProtected(bytes: Uint8Array, strict: boolean): ProtectedHeader {
  if (bytes.length === 0) return { all: new Map() };
  const value = decodeCbor(bytes, { maxBytes: 1024, what: 'COSE protected header', deterministic: strict });
  if (!(value instanceof Map)) throw new CoseError('COSE_MALFORMED', `COSE protected header: expected map, got ${describe(value)}`);
  if (value.has(HEADER.crit)) {
    // We understand no critical extensions; RFC 9052 §3.1 says such a message must be rejected.
    throw new CoseError('COSE_MALFORMED', 'COSE header crit: no critical header parameters are supported');
  }
  const out: ProtectedHeader = { all: value };
  const alg = value.get(HEADER.alg);
  if (alg !== undefined) {
    if (typeof alg !== 'number') throw new CoseError('COSE_MALFORMED', `COSE header alg: expected integer, got ${describe(alg)}`);
    out.alg = alg;
  }
  const kid = value.get(HEADER.kid);
  if (kid !== undefined) {
    if (!(kid instanceof Uint8Array)) throw new CoseError('COSE_MALFORMED', `COSE header kid: expected bytes, got ${describe(kid)}`);
    out.kid = kid;
  }
  const ct = value.get(HEADER.contentType);
  if (ct !== undefined) {
    if (typeof ct !== 'string' && typeof ct !== 'number') {
      throw new CoseError('COSE_MALFORMED', `COSE header content type: expected text or integer, got ${describe(ct)}`);
    }
    out.contentType = ct;
  }
  return out;
}

export function parseUnprotected(value: CborValue): Map<number | string, CborValue> {
  if (!(value instanceof Map)) throw new CoseError('COSE_MALFORMED', `COSE unprotected header: expected map, got ${describe(value)}`);
  if (value.has(HEADER.crit)) throw new CoseError('COSE_MALFORMED', 'COSE header crit: not allowed in an unprotected header, and no critical header parameters are supported');
  return value;
}

/** Refuses any label of `map` that `allowed` does not list (robot-id objects: ALLOWED_LABELS). */
export function checkLabels(map: Map<unknown, unknown>, allowed: readonly number[], bucket: string): void {
  for (const label of map.keys()) {
    if (typeof label !== 'number' || !allowed.includes(label)) {
      const expected = allowed.length === 0 ? 'no labels' : `only labels ${allowed.join(', ')}`;
      throw new CoseError('COSE_MALFORMED', `COSE ${bucket} header: expected ${expected}, got label ${typeof label === 'string' ? JSON.stringify(label) : String(label)}`);
    }
  }
}
