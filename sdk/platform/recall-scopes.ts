/**
 * Where a notice is published (docs/protocol.md §"Delivery and reconciliation"): the scope its
 * target names. A code list goes to each unit's scope; an enterprise to `e/`; a model or a
 * serial range of it to `m/`; a country to `c/`. A robot listens on all four of its scopes.
 */
import { targetShape, type RecallTarget } from '../recall/target.js';
import { scopePath } from '../topics.js';

export function scopesOfTarget(target: RecallTarget, rootCountry: string): string[] {
  switch (targetShape(target)) {
    case 'codes':
      return target.codes!.map((code) => scopePath({ kind: 'unit', code }));
    case 'enterprise':
      return [scopePath({ kind: 'enterprise', enterprise: target.enterprise! })];
    case 'model':
    case 'serialRange':
      return [scopePath({ kind: 'model', enterprise: target.enterprise!, model: target.model! })];
    case 'country':
      return [scopePath({ kind: 'country', country: target.country ?? rootCountry })];
  }
}
