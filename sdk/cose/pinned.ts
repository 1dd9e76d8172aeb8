/**
 * The no-downgrade rule (docs/protocol.md §"Algorithm pinning"): a signature counts only in
 * the algorithm its key is pinned to by what certifies the key. The protected `alg` of the
 * message must equal that algorithm; any other value (the other suite, an unknown one, none)
 * is refused with a typed error before any cryptography runs, so an EdDSA signature is never
 * checked against an SM2-pinned key or the reverse.
 */
import { CoseError } from '../errors.js';
import { describeAlg } from '../crypto/alg.js';

/** Why `headerAlg` may not be used with a key pinned to `pinnedAlg`, or undefined when it may. */
export function algMismatch(headerAlg: number | undefined, pinnedAlg: number): string | undefined {
  if (headerAlg === pinnedAlg) return undefined;
  return `the key is pinned to ${describeAlg(pinnedAlg)}, the signature's protected header names ${describeAlg(headerAlg)}`;
}

/** Throws CoseError('COSE_ALG') when `headerAlg` is not `pinnedAlg`. */
export function checkPinnedAlg(headerAlg: number | undefined, pinnedAlg: number, what = 'signature'): void {
  const why = algMismatch(headerAlg, pinnedAlg);
  if (why) throw new CoseError('COSE_ALG', `${what}: ${why}`);
}
