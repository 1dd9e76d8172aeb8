/**
 * The root rotation statements a country index carries (label 9), read before the index's own
 * signature is checked: a statement proves itself (the previous root and the new key signed
 * it), and a unit must apply the chain first to verify an index signed under the new root
 * (docs/protocol.md §"Root rotation", "On the unit"). Nothing else of an unverified index is used.
 */
import { openSign1 } from '../cose/object.js';
import { indexKind } from './kind.js';

/** The statements, or none when the bytes are not a well-formed index (verifyIndex says why). */
export function indexRotations(bytes: Uint8Array): Uint8Array[] {
  try {
    return openSign1(indexKind, bytes).value.rotations ?? [];
  } catch {
    // verifyIndex refuses the same bytes with its typed reason; there is nothing to apply.
    return [];
  }
}
