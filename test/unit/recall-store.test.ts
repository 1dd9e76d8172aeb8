// The durable recall store on real files: marks, notice evidence, crash leftovers, a damaged
// store refusing to open (never read as "no recalls"), and the policy's version rule.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, signPolicy, toHex } from '../../sdk/index.js';
import { RecallStore, RECALL_STORE_FILES, type RecallRecord } from '../../agent/recall/index.js';
import { makeRecallPki, noticeInput, signWith, type RecallPki } from '../helpers/recall-fixtures.js';

let pki: RecallPki;
let bytes: Uint8Array;
beforeAll(async () => {
  pki = await makeRecallPki();
  bytes = await signWith(noticeInput(pki, pki.platformA), pki.platformA);
});
afterAll(() => pki.cleanup());

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rid-recall-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const record = (b: Uint8Array, over: Partial<RecallRecord> = {}): RecallRecord => ({
  recallId: 'R-2025-001',
  revision: 1,
  campaignId: 'C-2025-01',
  issuer: 'regulator-a',
  action: 'notify',
  state: 'active',
  issuedAt: pki.now,
  notAfter: pki.now + 86400,
  acceptedAt: pki.now,
  sha256: toHex(sha256(b)),
  signers: ['platform:regulator-a'],
  ...over,
});

describe('recall store', () => {
  it('keeps the mark and the exact notice bytes across a reopen', () => {
    const dir = freshDir();
    const s = RecallStore.open(dir, pki.root.trust);
    s.commit(record(bytes), bytes);
    const again = RecallStore.open(dir, pki.root.trust);
    expect(again.revisionOf('R-2025-001')).toBe(1);
    expect(Buffer.from(again.notice('R-2025-001')!.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(() => again.checkRevision('R-2025-001', 1)).toThrow(expect.objectContaining({ code: 'RECALL_REPLAYED' }));
    expect(() => again.checkRevision('R-2025-001', 0)).toThrow(expect.objectContaining({ code: 'RECALL_ROLLBACK' }));
    expect(() => again.checkRevision('R-2025-001', 2)).not.toThrow();
  });

  it('a notice file written before a crash, never named by the marks, is removed on open', () => {
    const dir = freshDir();
    RecallStore.open(dir, pki.root.trust);
    const orphan = join(dir, RECALL_STORE_FILES.notices, `${toHex(sha256(bytes))}.cose`);
    writeFileSync(orphan, bytes);
    const s = RecallStore.open(dir, pki.root.trust);
    expect(existsSync(orphan)).toBe(false);
    expect(s.all()).toEqual([]);
  });

  it('refuses to open a damaged store rather than treating it as empty', () => {
    const dir = freshDir();
    RecallStore.open(dir, pki.root.trust).commit(record(bytes, { action: 'stop' }), bytes);
    writeFileSync(join(dir, RECALL_STORE_FILES.state), '{"format":"robot-id-recalls/1","recalls":[{"recallId":');
    expect(() => RecallStore.open(dir, pki.root.trust)).toThrow(expect.objectContaining({ code: 'RECALL_STORE_INVALID' }));
  });

  it('damaged evidence leaves the recall in force', () => {
    const dir = freshDir();
    RecallStore.open(dir, pki.root.trust).commit(record(bytes), bytes);
    const file = join(dir, RECALL_STORE_FILES.notices, readdirSync(join(dir, RECALL_STORE_FILES.notices))[0]!);
    writeFileSync(file, bytes.slice(0, 10));
    const s = RecallStore.open(dir, pki.root.trust);
    expect(s.notice('R-2025-001')).toBeUndefined();
    expect(s.get('R-2025-001')!.state).toBe('active');
  });

  it('a commit whose record does not hash the bytes is a programming error', () => {
    const s = RecallStore.open(freshDir(), pki.root.trust);
    expect(() => s.commit(record(new Uint8Array([1])), bytes)).toThrow(RangeError);
  });

  it('policy: newer replaces, same is a duplicate, older and other countries are refused', async () => {
    const dir = freshDir();
    const s = RecallStore.open(dir, pki.root.trust);
    const p = (version: number, country = '86') => signPolicy(pki.root.signer, { country, version, issuedAt: pki.now, thresholds: { notify: 1, restrict: 1, stop: 2 } });
    expect(s.installPolicy(await p(2), pki.root.trust, '86')).toBe(true);
    expect(s.installPolicy(await p(2), pki.root.trust, '86')).toBe(false);
    expect(() => s.installPolicy(new Uint8Array(0), pki.root.trust, '86')).toThrow(expect.objectContaining({ code: 'RECALL_POLICY' }));
    const older = await p(1);
    expect(() => s.installPolicy(older, pki.root.trust, '86')).toThrow(expect.objectContaining({ code: 'RECALL_POLICY' }));
    expect(() => s.installPolicy(older, pki.root.trust, '01')).toThrow(expect.objectContaining({ code: 'RECALL_POLICY' }));
    expect(RecallStore.open(dir, pki.root.trust).policy()!.policy.version).toBe(2);
  });
});
