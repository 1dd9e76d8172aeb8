// writeFileAtomicSync: the file is replaced whole, the requested mode always applies (even
// over a `.new` left by a crash), and a missing directory is created; the same for writeFileAtomic.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomicSync } from '../../sdk/index.js';
import { writeFileAtomic } from '../../sdk/util/atomic-file-async.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rid-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomicSync', () => {
  it('replaces the content and leaves no temporary file', () => {
    const p = join(dir, 'f.json');
    writeFileAtomicSync(p, 'one');
    writeFileAtomicSync(p, 'two');
    expect(readFileSync(p, 'utf8')).toBe('two');
    expect(existsSync(`${p}.new`)).toBe(false);
  });

  it('applies the mode even over a stale world-readable .new from a crash', () => {
    const p = join(dir, 'key.pem');
    writeFileSync(`${p}.new`, 'stale', { mode: 0o644 });
    writeFileAtomicSync(p, 'secret', { mode: 0o600 });
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readFileSync(p, 'utf8')).toBe('secret');
  });

  it('creates a missing directory', () => {
    const p = join(dir, 'a', 'b', 'c.bin');
    writeFileAtomicSync(p, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
  });
});

describe('writeFileAtomic (thread pool)', () => {
  it('replaces the content, applies the mode over a stale .new, and creates a missing directory', async () => {
    const p = join(dir, 'x', 'cursor.json');
    await writeFileAtomic(p, 'one');
    writeFileSync(`${p}.new`, 'stale', { mode: 0o644 });
    await writeFileAtomic(p, 'two', { mode: 0o640 });
    expect(readFileSync(p, 'utf8')).toBe('two');
    expect(statSync(p).mode & 0o777).toBe(0o640);
    expect(existsSync(`${p}.new`)).toBe(false);
  });

  it('leaves the old file and no .new when it cannot write', async () => {
    const p = join(dir, 'f.json');
    writeFileAtomicSync(p, 'old');
    await expect(writeFileAtomic(join(p, 'not-a-dir'), 'new')).rejects.toThrow();
    expect(readFileSync(p, 'utf8')).toBe('old');
  });
});
