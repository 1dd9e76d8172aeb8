// A recall accepted while the state directory's file system is full is held and enforced from
// memory, and written once space returns. A 1 MiB tmpfs mounted by the test (root only).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sha256, toHex } from '../../sdk/index.js';
import { RecallStore, RECALL_STORE_FILES, type RecallRecord } from '../../agent/recall/index.js';
import { makeRecallPki, noticeInput, signWith, type RecallPki } from '../helpers/recall-fixtures.js';

const isRoot = process.getuid?.() === 0;
let pki: RecallPki;
let bytes: Uint8Array;
let mnt: string;
beforeAll(async () => {
  pki = await makeRecallPki();
  bytes = await signWith(noticeInput(pki, pki.platformA), pki.platformA);
  mnt = mkdtempSync(join(tmpdir(), 'rid-recall-full-'));
  if (isRoot) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
});
afterAll(() => {
  if (isRoot) execFileSync('umount', ['-l', mnt]);
  rmSync(mnt, { recursive: true, force: true });
  pki.cleanup();
});

it.skipIf(!isRoot)('commits in memory on a full disk, serves the notice from memory, and writes it all once space returns', () => {
  const dir = join(mnt, 'recalls');
  mkdirSync(dir);
  const store = RecallStore.open(dir, pki.root.trust);
  const filler = join(mnt, 'filler');
  try {
    for (let i = 0; i < 1000; i++) writeFileSync(filler, Buffer.alloc(4096, 1), { flag: 'a' });
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  const record: RecallRecord = {
    recallId: 'R-2025-001',
    revision: 1,
    campaignId: 'C-2025-01',
    issuer: 'regulator-a',
    action: 'stop',
    state: 'active',
    issuedAt: pki.now,
    notAfter: pki.now + 86400,
    acceptedAt: pki.now,
    sha256: toHex(sha256(bytes)),
    signers: ['platform:regulator-a'],
  };
  expect(() => store.commit(record, bytes)).not.toThrow();
  expect(store.unsaved).toBe(true);
  // In force from memory: the record, its notice, and its revision rules.
  expect(store.get('R-2025-001')?.action).toBe('stop');
  expect(Buffer.from(store.notice('R-2025-001')!.bytes).equals(Buffer.from(bytes))).toBe(true);
  expect(() => store.checkRevision('R-2025-001', 1)).toThrow(expect.objectContaining({ code: 'RECALL_REPLAYED' }));
  expect(() => store.retrySave()).toThrow(expect.objectContaining({ code: 'RECALL_STORE_IO' }));
  expect((readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.new'))).toEqual([]);

  rmSync(filler);
  store.retrySave();
  expect(store.unsaved).toBe(false);
  expect(existsSync(join(dir, RECALL_STORE_FILES.notices, `${record.sha256}.cose`))).toBe(true);
  const reopened = RecallStore.open(dir, pki.root.trust);
  expect(reopened.get('R-2025-001')?.action).toBe('stop');
});
