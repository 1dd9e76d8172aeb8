/**
 * Recall targets (docs/protocol.md §"Recall targets"): which units a notice concerns, named by
 * the structure of the code. Exactly one shape:
 *   { codes }                                   a list of canonical codes
 *   { enterprise }                              every product of an enterprise
 *   { enterprise, model }                       one model
 *   { enterprise, model, serialFrom, serialTo } a serial range of one model (both inclusive)
 *   { country }                                 every unit of a country
 * Every target is read under the country of the root that certified its signers: an
 * enterprise number is unique only within its country.
 */
import { defineSchema } from '../cbor/index.js';
import { RecallRejectedError } from '../errors.js';
import { serialInRange } from '../code/index.js';
import type { RobotCode } from '../code/index.js';

export interface RecallTarget {
  codes?: string[];
  country?: string;
  enterprise?: string;
  model?: string;
  serialFrom?: string;
  serialTo?: string;
}

/** The most codes one notice may list (and resolve); larger campaigns target a model or range. */
export const MAX_TARGET_CODES = 1000;

export const targetSchema = defineSchema<RecallTarget>('recall target', {
  codes: { l: 1, t: { arrayOf: 'tstr', max: MAX_TARGET_CODES }, max: 29, optional: true },
  country: { l: 2, t: 'tstr', max: 2, optional: true },
  enterprise: { l: 3, t: 'tstr', max: 4, optional: true },
  model: { l: 4, t: 'tstr', max: 6, optional: true },
  serialFrom: { l: 5, t: 'tstr', max: 17, optional: true },
  serialTo: { l: 6, t: 'tstr', max: 17, optional: true },
});

const CODE = /^[0-9A-Z]{29}$/;
const seg = (n: number) => new RegExp(`^[0-9A-Z]{${n}}$`);

export type TargetShape = 'codes' | 'enterprise' | 'model' | 'serialRange' | 'country';

function malformed(message: string): never {
  throw new RecallRejectedError('RECALL_MALFORMED', `recall target: ${message}`);
}

/** Checks the target is exactly one of the five shapes with well-formed segments; returns the shape. */
export function targetShape(t: RecallTarget): TargetShape {
  const keys = Object.keys(t).filter((k) => t[k as keyof RecallTarget] !== undefined).sort().join(',');
  const check = (value: string | undefined, n: number, what: string) => {
    if (value === undefined || !seg(n).test(value)) malformed(`${what}: expected ${n} characters 0-9/A-Z, got ${JSON.stringify(value)}`);
  };
  switch (keys) {
    case 'codes':
      if (t.codes!.length === 0) malformed('codes: expected at least one code');
      for (const c of t.codes!) if (!CODE.test(c)) malformed(`codes: expected canonical 29-character codes, got ${JSON.stringify(c)}`);
      if (new Set(t.codes).size !== t.codes!.length) malformed('codes: a code is listed twice');
      return 'codes';
    case 'enterprise':
      check(t.enterprise, 4, 'enterprise');
      return 'enterprise';
    case 'enterprise,model':
      check(t.enterprise, 4, 'enterprise');
      check(t.model, 6, 'model');
      return 'model';
    case 'enterprise,model,serialFrom,serialTo':
      check(t.enterprise, 4, 'enterprise');
      check(t.model, 6, 'model');
      check(t.serialFrom, 17, 'serialFrom');
      check(t.serialTo, 17, 'serialTo');
      if (t.serialFrom! > t.serialTo!) malformed(`serial range ${t.serialFrom}..${t.serialTo} is empty`);
      return 'serialRange';
    case 'country':
      check(t.country, 2, 'country');
      return 'country';
    default:
      return malformed(`expected one of {codes} {enterprise} {enterprise,model} {enterprise,model,serialFrom,serialTo} {country}, got {${keys}}`);
  }
}

/**
 * True when the unit is targeted. `rootCountry` is the country of the root the signers chain
 * to: a unit of another country is never targeted. A model target compares enterprise AND
 * model, so a notice for one model can never apply to another.
 */
export function targetMatches(t: RecallTarget, unit: RobotCode, rootCountry: string): boolean {
  if (unit.country !== rootCountry) return false;
  switch (targetShape(t)) {
    case 'codes':
      return t.codes!.includes(unit.code);
    case 'enterprise':
      return unit.enterprise === t.enterprise;
    case 'model':
      return unit.enterprise === t.enterprise && unit.model === t.model;
    case 'serialRange':
      return unit.enterprise === t.enterprise && unit.model === t.model && serialInRange(unit, t.serialFrom!, t.serialTo!);
    case 'country':
      return unit.country === t.country;
  }
}

/**
 * The scope rule for an enterprise signer: the whole target must lie within its own products
 * (every listed code of its enterprise and country; an enterprise or model target naming it).
 * A country-wide target is never within an enterprise. Returns the reason when it is not.
 */
export function outsideEnterprise(t: RecallTarget, enterprise: string, rootCountry: string): string | undefined {
  switch (targetShape(t)) {
    case 'codes': {
      const foreign = t.codes!.find((c) => c.slice(0, 2) !== rootCountry || c.slice(2, 6) !== enterprise);
      return foreign ? `code ${foreign} is not a product of enterprise ${enterprise} (${rootCountry})` : undefined;
    }
    case 'enterprise':
    case 'model':
    case 'serialRange':
      return t.enterprise === enterprise ? undefined : `targets enterprise ${t.enterprise}, signer is enterprise ${enterprise}`;
    case 'country':
      return `a country-wide target needs a platform key, signer is enterprise ${enterprise}`;
  }
}

/** The scope rule for a platform signer: anything under its root's country. */
export function outsideCountry(t: RecallTarget, rootCountry: string): string | undefined {
  if (targetShape(t) === 'codes') {
    const foreign = t.codes!.find((c) => c.slice(0, 2) !== rootCountry);
    return foreign ? `code ${foreign} is not under the root of ${rootCountry}` : undefined;
  }
  if (t.country !== undefined && t.country !== rootCountry) return `targets country ${t.country}, signer's root is for ${rootCountry}`;
  return undefined;
}
