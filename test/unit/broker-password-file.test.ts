// The mosquitto password file as the broker commands keep it: replaced lines keep their place,
// new ones are appended, the last of duplicates wins, lines of another shape are kept, and the
// lines of removed (revoked) users go in the same rewrite.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { upsertPasswordLines } from '../../sdk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rid-passwd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('upsertPasswordLines', () => {
  it('creates the file 0640, then replaces in place and appends in order', () => {
    const f = join(dir, 'passwd');
    upsertPasswordLines(f, ['a:$7$1', 'b:$7$1']);
    expect(statSync(f).mode & 0o777).toBe(0o640);
    writeFileSync(f, readFileSync(f, 'utf8') + 'odd line without a user\n');
    upsertPasswordLines(f, ['c:$7$1', 'a:$7$2', 'c:$7$3']);
    expect(readFileSync(f, 'utf8')).toBe('a:$7$2\nb:$7$1\nodd line without a user\nc:$7$3\n');
  });

  it('removes the lines of revoked users in the same rewrite, keeping the rest in place', () => {
    const f = join(dir, 'p3');
    upsertPasswordLines(f, ['a:$7$1', 'b:$7$1', 'c:$7$1']);
    expect(upsertPasswordLines(f, ['d:$7$1', 'a:$7$2'], { remove: ['b', 'nobody'] })).toEqual(['b']);
    expect(readFileSync(f, 'utf8')).toBe('a:$7$2\nc:$7$1\nd:$7$1\n');
    expect(upsertPasswordLines(f, [], { remove: ['a', 'c', 'd'] })).toEqual(['a', 'c', 'd']);
    expect(readFileSync(f, 'utf8')).toBe('');
    expect(statSync(f).mode & 0o777).toBe(0o640);
  });

  it('does not create a file for removals alone, and refuses a user both added and removed', () => {
    const f = join(dir, 'p4');
    upsertPasswordLines(f, [], { remove: ['a'] });
    expect(() => statSync(f)).toThrow(/ENOENT/);
    expect(() => upsertPasswordLines(f, ['a:$7$1'], { remove: ['a'] })).toThrow(/both added and removed/);
    expect(() => statSync(f)).toThrow(/ENOENT/);
  });

  it('refuses a new line without a user', () => {
    expect(() => upsertPasswordLines(join(dir, 'p2'), [':$7$1'])).toThrow(/expected user:\$7\$/);
  });
});
