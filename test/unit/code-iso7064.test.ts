// ISO 7064 check characters against published examples (sources cited in the vector file),
// plus the IBAN check as an independent oracle for MOD 97-10.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CodeFormatError, computeCheck } from '../../sdk/index.js';
import { MOD_11_10, MOD_11_2, MOD_37_36, MOD_97_10, checkCharacters, hasValidCheck } from '../../sdk/code/check/iso7064.js';

interface Example { body: string; check: string; source: string }
const vectors = JSON.parse(readFileSync('test/vectors/codes.json', 'utf8')) as {
  checkCharacters: { 'iso7064-mod97-10': Example[]; 'iso7064-mod37-36': Example[]; iban: Array<{ iban: string; source: string }> };
  otherSystems: { 'mod11-2': Example[]; 'mod11-10': Example[] };
};

describe('ISO 7064 MOD 97-10', () => {
  const examples = vectors.checkCharacters['iso7064-mod97-10'];
  it('has published examples, each with a source', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    for (const e of examples) expect(e.source).toMatch(/ISO|github\.com/);
  });
  it.each(examples)('$body -> $check', ({ body, check }) => {
    expect(computeCheck(body, 'iso7064-mod97-10')).toBe(check);
    expect(hasValidCheck(MOD_97_10, body + check)).toBe(true);
    // Independent oracle: the whole number is 1 mod 97.
    expect(BigInt(body + check) % 97n).toBe(1n);
  });

  // ISO 13616: move the first four characters to the end, letters A..Z -> 10..35; the check
  // digits are then the MOD 97-10 check of the rest.
  it.each(vectors.checkCharacters.iban)('IBAN $iban', ({ iban }) => {
    const toDigits = (s: string): string => [...s].map((c) => parseInt(c, 36).toString(10)).join('');
    const body = toDigits(iban.slice(4) + iban.slice(0, 2));
    expect(computeCheck(body, 'iso7064-mod97-10')).toBe(iban.slice(2, 4));
    expect(BigInt(body + iban.slice(2, 4)) % 97n).toBe(1n);
  });

  // ISO 7064 §7.4 simplified procedure (and ISO 13616): check = 98 - (body·100 mod 97), 02..98.
  it('writes two digits 02..98, as the simplified procedure and IBAN do', () => {
    expect(computeCheck('0', 'iso7064-mod97-10')).toBe('98'); // remainder 0
    expect(computeCheck('65', 'iso7064-mod97-10')).toBe('97'); // 6500 mod 97 = 1
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const c = computeCheck(String(i), 'iso7064-mod97-10');
      expect(c).toMatch(/^\d\d$/);
      seen.add(c);
      expect(Number(c)).toBe(98 - Number((BigInt(i) * 100n) % 97n));
    }
    expect(seen.size).toBe(97);
  });
  it('verifies by the standard rule (value mod 97 = 1), so the recursive 00/01 forms verify too', () => {
    expect(hasValidCheck(MOD_97_10, '001')).toBe(true);
    expect(hasValidCheck(MOD_97_10, '098')).toBe(true);
    expect(hasValidCheck(MOD_97_10, '6500')).toBe(true);
    expect(hasValidCheck(MOD_97_10, '6597')).toBe(true);
    expect(hasValidCheck(MOD_97_10, '6596')).toBe(false);
    expect(hasValidCheck(MOD_97_10, '79444')).toBe(true);
    expect(hasValidCheck(MOD_97_10, '79443')).toBe(false);
  });
});

describe('ISO 7064 MOD 37,36', () => {
  const examples = vectors.checkCharacters['iso7064-mod37-36'];
  it('has published examples, each with a source', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    for (const e of examples) expect(e.source).toMatch(/github\.com/);
  });
  it.each(examples)('$body -> $check', ({ body, check }) => {
    expect(computeCheck(body, 'iso7064-mod37-36')).toBe(check);
    expect(hasValidCheck(MOD_37_36, body + check)).toBe(true);
  });
  // A known limit, found by the property test and confirmed with python-stdnum's independent
  // formulation of the checksum (start 18; c = ((c || 36) * 2 mod 37 + a) mod 36; valid when 1):
  // a hybrid MOD 37,36 check misses a few adjacent transpositions (72 of 45,360 cases).
  it('misses some adjacent transpositions, as the hybrid system does', () => {
    const stdnumChecksum = (x: string): number => {
      let c = 18;
      for (const ch of x) c = ((((c || 36) * 2) % 37) + MOD_37_36.alphabet.indexOf(ch)) % 36;
      return c;
    };
    for (const full of ['ZTM9O245210000000000000000004', 'ZTM9O245120000000000000000004']) {
      expect(stdnumChecksum(full)).toBe(1);
      expect(hasValidCheck(MOD_37_36, full)).toBe(true);
    }
  });
  it('every other final character fails', () => {
    const { body, check } = examples[0]!;
    for (const c of MOD_37_36.alphabet) expect(hasValidCheck(MOD_37_36, body + c)).toBe(c === check);
  });
});

describe('the same code is generic over ISO 7064 systems', () => {
  it.each(vectors.otherSystems['mod11-2'])('MOD 11-2 $body -> $check', ({ body, check }) => {
    expect(checkCharacters(MOD_11_2, body)).toBe(check);
  });
  it.each(vectors.otherSystems['mod11-10'])('MOD 11,10 $body -> $check', ({ body, check }) => {
    expect(checkCharacters(MOD_11_10, body)).toBe(check);
  });
});

describe('computeCheck input handling', () => {
  it('rejects characters outside the algorithm alphabet with CODE_CHARSET and the position', () => {
    const err = (() => {
      try {
        computeCheck('12A4', 'iso7064-mod97-10');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CodeFormatError);
    expect(err).toMatchObject({ code: 'CODE_CHARSET', position: 2 });
    expect(() => computeCheck('ab', 'iso7064-mod37-36')).toThrow(CodeFormatError);
  });
  it('rejects unknown algorithms with CODE_SCHEME and returns "" for none', () => {
    expect(() => computeCheck('1', 'luhn' as never)).toThrow(expect.objectContaining({ code: 'CODE_SCHEME' }));
    expect(computeCheck('123', 'none')).toBe('');
  });
  it('throws TypeError for a non-string body', () => {
    expect(() => computeCheck(123 as never, 'iso7064-mod97-10')).toThrow(TypeError);
  });
});
