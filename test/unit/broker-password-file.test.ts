// The mosquitto password file as the broker commands keep it: replaced lines keep their place,
// new ones are appended, the last of duplicates wins, lines of another shape are kept.
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

  it('refuses a new line without a user', () => {
    expect(() => upsertPasswordLines(join(dir, 'p2'), [':$7$1'])).toThrow(/expected user:\$7\$/);
  });
});
