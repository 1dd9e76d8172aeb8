// dist/robot-id-bundle.cjs (built by globalSetup, the script the single executable embeds) is ASCII
// only: one character above U+00FF anywhere in it makes V8 keep the whole 1.8 MB source as
// UTF-16, 1.7 MiB more of every agent's idle memory (scripts/bundle.mjs).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('the bundle', () => {
  it('is ASCII only', () => {
    const text = readFileSync('dist/robot-id-bundle.cjs', 'latin1');
    const at = text.search(/[\u0080-\uffff]/);
    expect(at, `non-ASCII byte at offset ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 20))}`).toBe(-1);
  });
});
