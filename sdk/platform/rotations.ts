/**
 * The platform's check before a root rotation statement joins the country index
 * (docs/protocol.md §"Root rotation"): the chain the index will carry, the held statements and
 * then this one, must apply in order to the country's original root exactly as a unit that
 * never rotated applies it. A gap, a fork or a bad signature is refused (RotationError) before
 * anything is published.
 */
import { RotationError } from '../errors.js';
import { applyRotations, type RotationStatement } from '../trust/rotation.js';
import { TrustStore, type Root } from '../trust/trust-store.js';

/** The country's roots as provisioned (those no rotation introduced), none superseded. */
function provisionedRoots(trust: TrustStore, country: string): TrustStore {
  const roots = trust.rootsForCountry(country).filter((r) => r.rotation === undefined);
  if (roots.length === 0) throw new RotationError('ROTATION_COUNTRY', `root rotation: the trust store holds no provisioned root of ${country}`);
  return new TrustStore(roots.map(({ supersededAt: _superseded, ...r }): Root => r));
}

/**
 * Verifies that `next` extends `held`. Returns its statement (undefined when already held) and
 * the store a unit ends with, which the caller's own signing key must chain to.
 */
export function checkRotationChain(trust: TrustStore, country: string, held: readonly Uint8Array[], next: Uint8Array): { statement: RotationStatement | undefined; trust: TrustStore } {
  const base = provisionedRoots(trust, country);
  const before = applyRotations(held, base, { country });
  if (before.refused.length > 0) throw before.refused[0]!;
  const after = applyRotations([next], before.trust, { country });
  if (after.refused.length > 0) throw after.refused[0]!;
  return { statement: after.applied[0], trust: after.trust };
}
