/**
 * The unit's side of root rotation (agent/trust/root-trust.ts): the new store is written to
 * the trustStore file before the agent's one TrustStore takes it; a write that fails applies
 * nothing; a refused statement is counted once however often the index brings it again.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TrustStore, initRoot, rotateRoot, type Authority, type RotatedRoot } from '../../sdk/index.js';
import { RootTrust } from '../../agent/trust/root-trust.js';
import { freshSigner, rootEntry, signStatement, statementFor } from '../helpers/rotation.js';

const dir = mkdtempSync(join(tmpdir(), 'rid-root-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let v1: Authority;
let r2: RotatedRoot;
let r3: RotatedRoot;
beforeAll(async () => {
  v1 = initRoot({ dir: join(dir, 'v1'), country: '86' });
  r2 = await rotateRoot({ root: v1, dir: join(dir, 'v2') });
  r3 = await rotateRoot({ root: r2.authority, dir: join(dir, 'v3') });
});

function recorder() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

it('walks the chain, writes the file, then the shared store sees version 3', () => {
  const path = join(dir, 'unit-trust.json');
  v1.trust.save(path);
  const trust = TrustStore.load(path);
  const { log } = recorder();
  let changed = 0;
  const rt = new RootTrust({ trust, path, country: '86', log, onChange: () => changed++ });
  expect(rt.rootVersion()).toBe(1);
  expect(rt.offer([r3.bytes, r2.bytes])).toBe(2);
  expect(rt.rootVersion()).toBe(3);
  expect(changed).toBe(1);
  expect(TrustStore.load(path).toJSON()).toEqual(trust.toJSON());
  expect(JSON.parse(readFileSync(path, 'utf8')).roots).toHaveLength(3);
  expect(rt.offer([r2.bytes, r3.bytes])).toBe(0); // duplicates
  expect(rt.status()).toMatchObject({ rootVersion: 3, applied: [{ version: 2 }, { version: 3 }], rejected: { total: 0 } });
});

it('a trust store that cannot be written applies nothing', () => {
  writeFileSync(join(dir, 'not-a-dir'), 'x');
  const trust = TrustStore.fromJSON(v1.trust.toJSON());
  const { lines, log } = recorder();
  const rt = new RootTrust({ trust, path: join(dir, 'not-a-dir', 'trust.json'), country: '86', log });
  expect(rt.offer([r2.bytes])).toBe(0);
  expect(rt.rootVersion()).toBe(1);
  expect(lines.some((l) => l.level === 'error' && l.msg === 'trust store could not be written; rotation not applied')).toBe(true);
});

it('a refused statement is counted and logged once, with its reason, however often it comes', async () => {
  const next = freshSigner();
  const newKeyOnly = await signStatement(statementFor(rootEntry(v1), next), [next]);
  const path = join(dir, 'unit-trust-2.json');
  v1.trust.save(path);
  const { lines, log } = recorder();
  const rt = new RootTrust({ trust: TrustStore.load(path), path, country: '86', log });
  rt.offer([newKeyOnly]);
  rt.offer([newKeyOnly]);
  expect(rt.status().rejected).toMatchObject({ total: 1, byCode: { ROTATION_SIGNATURE: 1 }, last: { code: 'ROTATION_SIGNATURE' } });
  expect(lines.filter((l) => l.msg === 'root rotation refused')).toEqual([{ level: 'warn', obj: { reason: 'ROTATION_SIGNATURE' }, msg: 'root rotation refused' }]);
  expect(rt.rootVersion()).toBe(1);
});

it("a rotation dated before the unit's own record was issued is refused: it never strands the unit's identity", async () => {
  const { makePki } = await import('../helpers/pki.js');
  const pki = await makePki(join(dir, 'pki'));
  const unit = await pki.provision();
  const issuedAt = unit.identity.record.issuedAt;
  const early = await rotateRoot({ root: pki.root, dir: join(dir, 'pki-early'), notBefore: issuedAt - 3600, now: issuedAt });
  const path = join(dir, 'unit-trust-3.json');
  pki.root.trust.save(path);
  const { log } = recorder();
  const rt = new RootTrust({ trust: TrustStore.load(path), path, country: '86', log, identity: unit.identity.bytes });
  expect(rt.offer([early.bytes])).toBe(0);
  expect(rt.status().rejected.byCode).toEqual({ ROTATION_IDENTITY: 1 });
  expect(rt.rootVersion()).toBe(1);
  expect(JSON.parse(readFileSync(path, 'utf8')).roots).toHaveLength(1);
  // Without the guard the same statement would have applied, and the record would fail.
  const unguarded = new RootTrust({ trust: TrustStore.load(path), path: join(dir, 'unit-trust-4.json'), country: '86', log });
  expect(unguarded.offer([early.bytes])).toBe(1);
});

