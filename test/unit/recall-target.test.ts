import { describe, expect, it } from 'vitest';
import { RecallRejectedError, outsideCountry, outsideEnterprise, parseCode, targetMatches, targetShape, type RecallTarget } from '../../sdk/index.js';

const code = (s: string) => parseCode(s);
const A1 = code('86' + '1234' + '567890' + '00000000000000001');
const A9 = code('86' + '1234' + '567890' + '00000000000000009');
const B1 = code('86' + '1234' + '111111' + '00000000000000001');
const X1 = code('86' + '5678' + '567890' + '00000000000000001');

describe('recall targets', () => {
  it('a model target applies to that model and never to another model of the same maker', () => {
    const t: RecallTarget = { enterprise: '1234', model: '567890' };
    expect(targetMatches(t, A1, '86')).toBe(true);
    expect(targetMatches(t, B1, '86')).toBe(false);
    // the same model number at another enterprise is another product
    expect(targetMatches(t, X1, '86')).toBe(false);
  });

  it('a serial range is inclusive and stays within its model', () => {
    const t: RecallTarget = { enterprise: '1234', model: '567890', serialFrom: '00000000000000001', serialTo: '00000000000000005' };
    expect(targetMatches(t, A1, '86')).toBe(true);
    expect(targetMatches(t, A9, '86')).toBe(false);
    expect(targetMatches(t, B1, '86')).toBe(false);
  });

  it('codes, enterprise and country targets', () => {
    expect(targetMatches({ codes: [A1.code] }, A1, '86')).toBe(true);
    expect(targetMatches({ codes: [A1.code] }, A9, '86')).toBe(false);
    expect(targetMatches({ enterprise: '1234' }, B1, '86')).toBe(true);
    expect(targetMatches({ enterprise: '1234' }, X1, '86')).toBe(false);
    expect(targetMatches({ country: '86' }, X1, '86')).toBe(true);
  });

  it('a unit of another country than the signers root is never targeted', () => {
    expect(targetMatches({ enterprise: '1234' }, A1, '01')).toBe(false);
    expect(targetMatches({ country: '86' }, A1, '01')).toBe(false);
  });

  it.each<[string, RecallTarget]>([
    ['empty', {}],
    ['model without enterprise', { model: '567890' }],
    ['country with enterprise', { country: '86', enterprise: '1234' }],
    ['half a serial range', { enterprise: '1234', model: '567890', serialFrom: '00000000000000001' }],
    ['empty serial range', { enterprise: '1234', model: '567890', serialFrom: '00000000000000009', serialTo: '00000000000000001' }],
    ['short model', { enterprise: '1234', model: '5678' }],
    ['lower-case enterprise', { enterprise: 'abcd' }],
    ['no codes', { codes: [] }],
    ['a non-canonical code', { codes: ['86-1234-567890-00000000000000001'] }],
    ['a code twice', { codes: [A1.code, A1.code] }],
  ])('rejects a malformed target: %s', (_name, t) => {
    expect(() => targetShape(t)).toThrow(RecallRejectedError);
    try {
      targetShape(t);
    } catch (err) {
      expect((err as RecallRejectedError).code).toBe('RECALL_MALFORMED');
    }
  });

  it('an enterprise may target only its own products, never a country', () => {
    expect(outsideEnterprise({ enterprise: '1234', model: '567890' }, '1234', '86')).toBeUndefined();
    expect(outsideEnterprise({ codes: [A1.code, B1.code] }, '1234', '86')).toBeUndefined();
    expect(outsideEnterprise({ codes: [A1.code, X1.code] }, '1234', '86')).toMatch(/not a product of enterprise 1234/);
    expect(outsideEnterprise({ enterprise: '5678' }, '1234', '86')).toMatch(/targets enterprise 5678/);
    expect(outsideEnterprise({ country: '86' }, '1234', '86')).toMatch(/platform key/);
    // the same enterprise number under another country's root is someone else
    expect(outsideEnterprise({ codes: [A1.code] }, '1234', '01')).toMatch(/not a product/);
  });

  it('a platform may target anything under its own root only', () => {
    expect(outsideCountry({ country: '86' }, '86')).toBeUndefined();
    expect(outsideCountry({ enterprise: '5678' }, '86')).toBeUndefined();
    expect(outsideCountry({ country: '01' }, '86')).toMatch(/country 01/);
    expect(outsideCountry({ codes: ['01' + A1.code.slice(2)] }, '86')).toMatch(/not under the root/);
  });
});
