/**
 * test/vectors/rotations.json (scripts/gen-rotation-vectors.ts): the committed statements are
 * rebuilt byte for byte from their fixed seeds, and each applies, or is refused with its code.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { buildRotationVectors, checkRotationVectors, type RotationVectors } from '../../scripts/gen-rotation-vectors.js';

const V = JSON.parse(readFileSync(new URL('../vectors/rotations.json', import.meta.url), 'utf8')) as RotationVectors;

it('the committed vectors are what the fixed seeds make', async () => {
  expect(await buildRotationVectors()).toEqual(V);
});

it('the chain applies and every failure gives its reason', () => {
  expect(V.failures.length).toBeGreaterThanOrEqual(7);
  expect(checkRotationVectors(V)).toEqual([]);
});
