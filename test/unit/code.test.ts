// The 29-position code against the committed vectors (test/vectors/codes.json) and the API's
// contract: typed errors with positions, scheme validation, display form, comparisons.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CodeFormatError,
  DEFAULT_CODE_SCHEME,
  codeScheme,
  completeCode,
  formatCode,
  isValidCode,
  parseCode,
  sameEnterprise,
  sameModel,
  serialInRange,
  type CodeSchemeInput,
} from '../../sdk/index.js';

interface Valid { scheme: string; input: string; code: string; country: string; enterprise: string; model: string; serial: string; display: string; note: string }
interface Invalid { scheme: string; input: string; error: string; position: number; note: string }
const vectors = JSON.parse(readFileSync('test/vectors/codes.json', 'utf8')) as {
  schemes: Record<string, CodeSchemeInput>;
  valid: Valid[];
  invalid: Invalid[];
};

function rejection(fn: () => unknown): CodeFormatError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CodeFormatError) return err;
    throw err;
  }
  throw new Error('expected a CodeFormatError, nothing was thrown');
}

describe('valid vectors', () => {
  it('cover every scheme and every input form', () => {
    const schemes = new Set(vectors.valid.map((v) => v.scheme));
    expect([...schemes].sort()).toEqual(Object.keys(vectors.schemes).sort());
    for (const form of ['hyphens', 'spaces', 'lower case', 'full-width']) {
      expect(vectors.valid.some((v) => v.note.includes(form))).toBe(true);
    }
  });
  it.each(vectors.valid)('$scheme: $note', (v) => {
    const rc = parseCode(v.input, vectors.schemes[v.scheme]);
    expect(rc).toEqual({ code: v.code, country: v.country, enterprise: v.enterprise, model: v.model, serial: v.serial });
    expect(Object.isFrozen(rc)).toBe(true);
    expect(rc.code).toHaveLength(29);
    expect(rc.country + rc.enterprise + rc.model + rc.serial).toBe(rc.code);
    expect(formatCode(rc)).toBe(v.display);
    expect(isValidCode(v.input, vectors.schemes[v.scheme])).toBe(true);
  });
});

describe('invalid vectors', () => {
  it('cover every rejection class', () => {
    const classes = new Set(vectors.invalid.map((v) => v.error));
    expect([...classes].sort()).toEqual(['CODE_CHARSET', 'CODE_CHECK', 'CODE_LENGTH', 'CODE_SEGMENT', 'CODE_TYPE']);
  });
  it.each(vectors.invalid)('$scheme: $note -> $error', (v) => {
    const err = rejection(() => parseCode(v.input, vectors.schemes[v.scheme]));
    expect(err.code).toBe(v.error);
    expect(err.position).toBe(v.position);
    expect(err.name).toBe('CodeFormatError');
    expect(isValidCode(v.input, vectors.schemes[v.scheme])).toBe(false);
  });
});

describe('messages name the position and what was expected', () => {
  it('charset', () => {
    const err = rejection(() => parseCode('86-1234-567890-1234567890123456O'));
    expect(err.message).toBe('position 29 (1-based): expected a digit 0-9, got "O"');
    expect(err.position).toBe(28);
  });
  it('segment', () => {
    const err = rejection(() => parseCode('86 12 34 567890 12345678901234567'));
    expect(err.message).toMatch(/between positions 4 and 5 \(1-based\), inside the enterprise segment/);
    expect(err.message).toMatch(/after positions 2, 6 and 12/);
  });
  it('length', () => {
    expect(rejection(() => parseCode('123')).message).toBe('expected 29 characters (2 country + 4 enterprise + 6 model + 17 serial), got 3');
  });
  it('check', () => {
    const err = rejection(() => parseCode('86000100004220250000000000100', { check: 'iso7064-mod97-10' }));
    expect(err.message).toMatch(/^positions 28-29 \(1-based\): expected the ISO 7064 MOD 97-10 check of positions 1-27, got "00"$/);
  });
  it('non-printable characters are shown as code points', () => {
    expect(rejection(() => parseCode('86\u0000')).message).toMatch(/got U\+0000/);
  });
});

describe('codeScheme', () => {
  it('defaults to 29 digits without a check, any country', () => {
    expect(codeScheme()).toBe(DEFAULT_CODE_SCHEME);
    expect(DEFAULT_CODE_SCHEME).toEqual({ charset: 'digits', check: 'none', countries: undefined });
    expect(Object.isFrozen(DEFAULT_CODE_SCHEME)).toBe(true);
  });
  it('infers alphanumeric for MOD 37,36 and returns a normalised scheme unchanged', () => {
    const s = codeScheme({ check: 'iso7064-mod37-36', countries: ['cn', 'ＨＫ', 'CN'] });
    expect(s).toEqual({ charset: 'alphanumeric', check: 'iso7064-mod37-36', countries: ['CN', 'HK'] });
    expect(codeScheme(s)).toBe(s);
  });
  it.each<[string, unknown]>([
    ['digits with MOD 37,36', { charset: 'digits', check: 'iso7064-mod37-36' }],
    ['alphanumeric with MOD 97-10', { charset: 'alphanumeric', check: 'iso7064-mod97-10' }],
    ['unknown charset', { charset: 'hex' }],
    ['unknown check', { check: 'luhn' }],
    ['unknown key', { charsets: 'digits' }],
    ['empty country list', { countries: [] }],
    ['letters as digit countries', { countries: ['CN'] }],
    ['three-letter country', { charset: 'alphanumeric', countries: ['CHN'] }],
    ['not an object', 'digits'],
    ['null', null],
  ])('refuses %s with CODE_SCHEME', (_what, input) => {
    expect(rejection(() => codeScheme(input as CodeSchemeInput)).code).toBe('CODE_SCHEME');
  });
  it('lists every problem at once', () => {
    const err = rejection(() => codeScheme({ charset: 'hex', check: 'luhn', extra: 1 } as never));
    expect(err.message).toMatch(/extra/);
    expect(err.message).toMatch(/charset/);
    expect(err.message).toMatch(/check/);
  });
  it('bad schemes throw from isValidCode too (misuse, not bad input)', () => {
    expect(() => isValidCode('1', { charset: 'hex' } as never)).toThrow(CodeFormatError);
  });
});

describe('input handling', () => {
  it('non-string input is a TypeError for parseCode and false for isValidCode', () => {
    for (const bad of [undefined, null, 86, {}, [], new Uint8Array(29)]) {
      expect(() => parseCode(bad as never)).toThrow(TypeError);
      expect(isValidCode(bad)).toBe(false);
    }
  });
  it('does not upper-case non-ASCII letters into the code', () => {
    // 'ß'.toUpperCase() is 'SS' and 'ı'.toUpperCase() is 'I': both must stay rejections.
    expect(rejection(() => parseCode('CNAB12X7000A202500000000000ß', { charset: 'alphanumeric' })).code).toBe('CODE_CHARSET');
    expect(rejection(() => parseCode('CNAB12X7000A20250000000000ı1', { charset: 'alphanumeric' })).code).toBe('CODE_CHARSET');
  });
  it('accepts Unicode dashes and ideographic spaces between segments', () => {
    expect(parseCode('86\u20131234\u2014567890\u3000\u221212345678901234567').code).toBe('86123456789012345678901234567');
  });
  it('caps the input length before normalising', () => {
    expect(rejection(() => parseCode(' '.repeat(1000))).code).toBe('CODE_LENGTH');
  });
});

describe('completeCode', () => {
  it('appends MOD 97-10 digits and MOD 37,36 characters that parse back', () => {
    const a = completeCode('86 0001 000042 202500000000001', { check: 'iso7064-mod97-10' });
    expect(a.code).toHaveLength(29);
    expect(BigInt(a.code) % 97n).toBe(1n);
    expect(parseCode(a.code, { check: 'iso7064-mod97-10' })).toEqual(a);
    const b = completeCode('cn-ab12-x7000a-2025000000000000', { check: 'iso7064-mod37-36' });
    expect(parseCode(b.code, { check: 'iso7064-mod37-36' })).toEqual(b);
  });
  it('needs a check algorithm and the body length without the check', () => {
    expect(rejection(() => completeCode('86123456789012345678901234567', {})).code).toBe('CODE_SCHEME');
    const err = rejection(() => completeCode('86123456789012345678901234567', { check: 'iso7064-mod97-10' }));
    expect(err.code).toBe('CODE_LENGTH');
    expect(err.message).toMatch(/expected 27 characters \(the code without its 2 check characters\), got 29/);
  });
  it('checks the country list', () => {
    expect(rejection(() => completeCode('US-AB12-X7000A-2025000000000000', { check: 'iso7064-mod37-36', countries: ['CN'] })).code).toBe('CODE_SEGMENT');
  });
});

describe('check characters catch every single substitution (exhaustive for one code per scheme)', () => {
  it.each([
    [{ check: 'iso7064-mod97-10' } as const, '0123456789', '860001000042202500000000001'],
    [{ check: 'iso7064-mod37-36' } as const, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'CNAB12X7000A2025000000000000'],
  ])('%j', (scheme, alphabet, body) => {
    const code = completeCode(body, scheme).code;
    let tried = 0;
    for (let i = 0; i < 29; i++) {
      for (const c of alphabet) {
        if (c === code[i]) continue;
        expect(isValidCode(code.slice(0, i) + c + code.slice(i + 1), scheme)).toBe(false);
        tried++;
      }
    }
    expect(tried).toBe(29 * (alphabet.length - 1));
  });
});

describe('formatCode', () => {
  const rc = parseCode('86123456789012345678901234567');
  it('joins segments with - by default, or a space', () => {
    expect(formatCode(rc)).toBe('86-1234-567890-12345678901234567');
    expect(formatCode(rc, { separator: ' ' })).toBe('86 1234 567890 12345678901234567');
  });
  it('parses strings with the given scheme', () => {
    expect(formatCode('cnab12x7000a20250000000000001', { scheme: { charset: 'alphanumeric' } })).toBe('CN-AB12-X7000A-20250000000000001');
    expect(() => formatCode('cnab12x7000a20250000000000001')).toThrow(CodeFormatError);
  });
  it('refuses other separators', () => {
    expect(() => formatCode(rc, { separator: '/' as never })).toThrow(RangeError);
  });
});

describe('comparisons', () => {
  const a = '86-1234-567890-00000000000000001';
  const b = parseCode('86-1234-567890-00000000000000999');
  const c = '86-1234-567891-00000000000000001';
  const d = '87-1234-567890-00000000000000001';
  it('sameModel and sameEnterprise look at positions 1-12 and 1-6', () => {
    expect(sameModel(a, b)).toBe(true);
    expect(sameModel(a, c)).toBe(false);
    expect(sameEnterprise(a, c)).toBe(true);
    expect(sameEnterprise(a, d)).toBe(false); // same enterprise digits, other country
    expect(sameModel('cnab12x7000a20250000000000001', 'CN-AB12-X7000A-99999999999999999')).toBe(true);
  });
  it('serialInRange is inclusive and lexicographic over 17 characters', () => {
    expect(serialInRange(a, '00000000000000001', '00000000000000999')).toBe(true);
    expect(serialInRange(b, '00000000000000001', '00000000000000999')).toBe(true);
    expect(serialInRange(b, '00000000000000001', '00000000000000998')).toBe(false);
    expect(serialInRange(a, '00000000000000002', '00000000000000001')).toBe(false);
    expect(serialInRange('CN-AB12-X7000A-2025000000000000A', '20250000000000009', '2025000000000000Z')).toBe(true);
  });
  it('serial bounds must be 17 characters without separators', () => {
    expect(rejection(() => serialInRange(a, '1', '2')).code).toBe('CODE_LENGTH');
    expect(rejection(() => serialInRange(a, '0000000000 0000001', '00000000000000999')).code).toBe('CODE_SEGMENT');
    expect(rejection(() => serialInRange(a, '00000000000000001', '0000000000000099!')).message).toMatch(/^to: /);
  });
});
