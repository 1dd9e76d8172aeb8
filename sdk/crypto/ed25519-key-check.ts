/**
 * Ed25519 public keys that must never be trusted (docs/threat-model.md §"Chain of trust"):
 *   - the eight points of small order (RFC 8032 §5.1.7 accepts them; with one, the signature
 *     R = identity, S = 0 verifies for every message under OpenSSL, and so under node:crypto);
 *   - non-canonical encodings: y >= p, or x = 0 with the sign bit set.
 * Checked when certifying a key, when loading a trust store and before every verification, on
 * both backends. Byte comparisons only: no point decoding on the verify path.
 */
import { fromHex } from './hash.js';

/** The canonical encodings of the eight small-order points (cofactor 8 torsion subgroup). */
export const ED25519_SMALL_ORDER_KEYS: readonly string[] = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity, order 1
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, -1), order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // (+sqrt(-1), 0), order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // (-sqrt(-1), 0), order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
];
/** The same as bytes: compared byte by byte on every verification, so nothing is allocated. */
const SMALL: readonly Uint8Array[] = ED25519_SMALL_ORDER_KEYS.map(fromHex);

/** Whether `pk` equals `key`, its last byte taken without the sign bit when `unsigned`. */
function equalsKey(pk: Uint8Array, key: Uint8Array, unsigned: boolean): boolean {
  for (let i = 0; i < 31; i++) if (pk[i] !== key[i]) return false;
  return (unsigned ? pk[31]! & 0x7f : pk[31]) === key[31];
}

/** Whether y (the low 255 bits, little-endian) is at least p = 2^255 - 19. */
function yNotReduced(pk: Uint8Array): boolean {
  if ((pk[31]! & 0x7f) !== 0x7f) return false;
  for (let i = 30; i >= 1; i--) if (pk[i] !== 0xff) return false;
  return pk[0]! >= 0xed;
}

/** y = 1 or y = p - 1 (the points with x = 0) encoded with the sign bit set. */
function signedZeroX(pk: Uint8Array): boolean {
  if ((pk[31]! & 0x80) === 0) return false;
  return equalsKey(pk, SMALL[0]!, true) || equalsKey(pk, SMALL[1]!, true);
}

/** Why `publicKey` must not be trusted, or undefined when it may be (32 bytes assumed). */
export function weakEd25519Key(publicKey: Uint8Array): 'small-order' | 'non-canonical' | undefined {
  if (publicKey.length !== 32) return 'non-canonical';
  if (yNotReduced(publicKey) || signedZeroX(publicKey)) return 'non-canonical';
  for (const k of SMALL) if (equalsKey(publicKey, k, false)) return 'small-order';
  return undefined;
}
