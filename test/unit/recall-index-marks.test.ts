/**
 * The robot's durable index marks (agent/recall-sync/marks.ts; docs/protocol.md step I7): an
 * accepted index is one atomic file, and the mark a restarted robot holds is read back from it.
 * Real files on disk, real signed indexes.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexError, sha256, signIndex, toHex, verifyIndex, type IndexInput, type VerifiedIndex } from '../../sdk/index.js';
import { IndexMarks } from '../../agent/recall-sync/index.js';
import { makeAuthorities, type Authorities } from '../helpers/recall-authorities.js';
import { outcome } from '../helpers/outcome.js';

let a: Authorities;
let root: string;
const now = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  a = await makeAuthorities();
  root = mkdtempSync(join(tmpdir(), 'index-marks-'));
});
afterAll(() => {
  a.cleanup();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
const freshDir = (): string => join(root, `r${++n}`);

async function verified(over: Partial<IndexInput>, held?: IndexMarks): Promise<VerifiedIndex> {
  const input: IndexInput = {
    scope: 'm/1234/567890',
    version: 1,
    issuedAt: now - 10,
    expiresAt: now + 3600,
    entries: [{ recallId: 'R-1', revision: 1, sha256: sha256(new Uint8Array([1])) }],
    revocations: { keys: [], codes: [] },
    ...over,
  };
  const bytes = await signIndex(input, a.index.signer, a.index.certificate!);
  return verifyIndex(bytes, a.root.trust, { now, scope: input.scope, country: '86', held: held?.heldFor(input.scope) });
}

describe('index marks', () => {
  it('a restarted robot holds the accepted indexes again, with their version, hash and times', async () => {
    const dir = freshDir();
    const marks = IndexMarks.open(dir);
    const model = await verified({ version: 3 });
    const country = await verified({ scope: 'c/86', version: 7, entries: [], scopes: [{ scope: 'm/1234/567890', version: 3 }] });
    marks.accept(model);
    marks.accept(country);

    const again = IndexMarks.open(dir);
    expect(again.all().map(([s]) => s).sort()).toEqual(['c/86', 'm/1234/567890']);
    expect(again.get('m/1234/567890')).toMatchObject({ version: 3, sha256: toHex(model.sha256), issuedAt: now - 10, expiresAt: now + 3600 });
    expect(again.get('m/1234/567890')!.index.entries[0]!.recallId).toBe('R-1');
    expect(again.get('c/86')).toMatchObject({ version: 7, sha256: toHex(country.sha256) });
    expect(toHex(again.heldFor('c/86')!.sha256)).toBe(toHex(country.sha256));
  });

  it('rollback protection survives the restart: an older version is refused, the same bytes are a duplicate', async () => {
    const dir = freshDir();
    const v1 = await verified({ version: 1 });
    const marks = IndexMarks.open(dir);
    marks.accept(v1);
    marks.accept(await verified({ version: 2 }, marks));

    const again = IndexMarks.open(dir);
    expect(outcome(() => verifyIndex(v1.bytes, a.root.trust, { now, scope: 'm/1234/567890', country: '86', held: again.heldFor('m/1234/567890') }), IndexError, 'accepted')).toBe('INDEX_ROLLBACK');
    const v2 = again.get('m/1234/567890')!;
    expect(v2.version).toBe(2);
  });

  it('an expired index still counts as the mark after a restart', async () => {
    const dir = freshDir();
    const marks = IndexMarks.open(dir);
    marks.accept(await verified({ version: 9, issuedAt: now - 100, expiresAt: now + 1 }));
    // Reopened once it has expired: decoded from disk, not re-verified, so it is still held.
    const again = IndexMarks.open(dir);
    expect(again.heldFor('m/1234/567890')?.version).toBe(9);
  });

  it('accepting an index writes the index file and nothing else', async () => {
    const dir = freshDir();
    IndexMarks.open(dir).accept(await verified({ version: 1 }));
    expect(readdirSync(dir)).toEqual(['indexes']);
    expect(readdirSync(join(dir, 'indexes'))).toEqual(['m_1234_567890.cose']);
  });

  it('ignores an interrupted atomic write and a summary left by older agents', async () => {
    const dir = freshDir();
    const marks = IndexMarks.open(dir);
    marks.accept(await verified({ version: 4 }));
    // A crash during the next accept leaves <file>.new beside the accepted file.
    writeFileSync(join(dir, 'indexes', 'm_1234_567890.cose.new'), new Uint8Array([1, 2, 3]));
    writeFileSync(join(dir, 'marks.json'), JSON.stringify({ format: 'robot-id-index-marks/1', scopes: { 'm/1234/567890': { version: 1 } } }));
    const again = IndexMarks.open(dir);
    expect(again.heldFor('m/1234/567890')?.version).toBe(4);
    expect(existsSync(join(dir, 'indexes', 'm_1234_567890.cose'))).toBe(true);
  });

  it('a damaged or misplaced index file is an error, never "no mark"', async () => {
    const damaged = freshDir();
    IndexMarks.open(damaged);
    writeFileSync(join(damaged, 'indexes', 'c_86.cose'), new Uint8Array([0xa1, 0x00]));
    expect(outcome(() => IndexMarks.open(damaged), IndexError, 'opened')).toBe('INDEX_STATE_INVALID');

    const misplaced = freshDir();
    IndexMarks.open(misplaced);
    writeFileSync(join(misplaced, 'indexes', 'c_86.cose'), (await verified({ version: 2 })).bytes);
    expect(outcome(() => IndexMarks.open(misplaced), IndexError, 'opened')).toBe('INDEX_STATE_INVALID');
  });
});
