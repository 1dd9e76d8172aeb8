/**
 * Root rotation (docs/protocol.md §"Root rotation"): statements made by `rotateRoot`, applied
 * by `applyRotation` in order, for Ed25519 and SM2 roots; what the old root issued stays valid
 * judged at issue time, and nothing new counts under it after the hand-over.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  COSE_ALG_EDDSA,
  COSE_ALG_SM2_SM3,
  ENTERPRISE_DEFAULT_ROLES,
  ROLES,
  TrustStore,
  applyRotation,
  applyRotations,
  certify,
  initRoot,
  loadAuthority,
  openRotation,
  rootVersion,
  rotateRoot,
  verifyCertificate,
} from '../../sdk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rid-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['ed25519', COSE_ALG_EDDSA],
  ['sm2', COSE_ALG_SM2_SM3],
])('a %s root rotates', (name, alg) => {
  it('v1 -> v2 -> v3: each statement verifies under the held store, in order, and a unit walks the chain', async () => {
    const base = join(dir, name);
    const now = Math.floor(Date.now() / 1000);
    const v1 = initRoot({ dir: join(base, 'v1'), country: '86', alg });
    const enterprise = await certify({ root: v1, dir: join(base, 'ent'), subjectKind: 'enterprise', subject: '1234', name: 'E', roles: [...ENTERPRISE_DEFAULT_ROLES], notBefore: now - 1000 });
    const r2 = await rotateRoot({ root: v1, dir: join(base, 'v2'), notBefore: now + 100, now });
    const r3 = await rotateRoot({ root: r2.authority, dir: join(base, 'v3'), notBefore: now + 200, now });
    expect(r2.statement.version).toBe(2);
    expect(r3.statement.version).toBe(3);
    expect(r3.statement.alg).toBe(alg);
    // The new directory's store, read back from disk, is what the unit ends with.
    const onDisk = TrustStore.load(join(base, 'v3', 'trust.json'));
    expect(onDisk.currentRoot('86')?.kid).toEqual(r3.authority.signer.kid);
    expect(rootVersion(onDisk.currentRoot('86')!)).toBe(3);
    expect(loadAuthority(join(base, 'v3')).signer.kid).toEqual(r3.authority.signer.kid);

    // A unit holding only v1 walks the chain in any order it was handed.
    const unit = TrustStore.fromJSON(JSON.parse(readFileSync(join(base, 'v1', 'trust.json'), 'utf8')));
    const walked = applyRotations([r3.bytes, r2.bytes], unit, { country: '86' });
    expect(walked.refused).toEqual([]);
    expect(walked.applied.map((s) => s.version)).toEqual([2, 3]);
    expect(walked.trust.toJSON()).toEqual(onDisk.toJSON());
    // Applying again is a quiet duplicate.
    expect(applyRotation(r2.bytes, walked.trust).duplicate).toBe(true);
    expect(applyRotation(r3.bytes, walked.trust).duplicate).toBe(true);

    // The v1 enterprise certificate: valid judged before v2's notBefore, not after it.
    const cert = enterprise.certificate!;
    expect(verifyCertificate(cert, walked.trust, { at: now, role: ROLES.identityIssue }).root.kid).toEqual(v1.signer.kid);
    expect(() => verifyCertificate(cert, walked.trust, { at: now + 150, role: ROLES.identityIssue })).toThrow(expect.objectContaining({ code: 'TRUST_NOT_VALID_AT_TIME' }));
    // A certificate issued under v3 counts from v3's notBefore on.
    const ent3 = await certify({ root: r3.authority, dir: join(base, 'ent3'), subjectKind: 'enterprise', subject: '1234', name: 'E', roles: [...ENTERPRISE_DEFAULT_ROLES] });
    expect(verifyCertificate(ent3.certificate!, walked.trust, { at: now + 300, role: ROLES.identityIssue }).root.kid).toEqual(r3.authority.signer.kid);
    expect(() => verifyCertificate(ent3.certificate!, walked.trust, { at: now + 150, role: ROLES.identityIssue })).toThrow(expect.objectContaining({ code: 'TRUST_NOT_VALID_AT_TIME' }));
  });
});

it('an SM2 root may hand over to an Ed25519 key (each signature in its own pinned algorithm)', async () => {
  const v1 = initRoot({ dir: join(dir, 'mixed', 'v1'), country: '86', alg: COSE_ALG_SM2_SM3 });
  const r2 = await rotateRoot({ root: v1, dir: join(dir, 'mixed', 'v2'), alg: COSE_ALG_EDDSA });
  const opened = openRotation(r2.bytes);
  expect(opened.cose.signatures.map((s) => s.protected.alg)).toEqual([COSE_ALG_SM2_SM3, COSE_ALG_EDDSA]);
  expect(applyRotation(r2.bytes, v1.trust).trust.currentRoot('86')?.alg).toBeUndefined();
});

it('a store written before rotation existed keeps its bytes', () => {
  const v1 = initRoot({ dir: join(dir, 'plain'), country: '86' });
  const text = readFileSync(join(dir, 'plain', 'trust.json'), 'utf8');
  expect(text).not.toMatch(/version|supersededAt|rotation|notBefore/);
  expect(JSON.stringify(TrustStore.fromJSON(JSON.parse(text)).toJSON(), null, 2) + '\n').toBe(text);
  expect(rootVersion(v1.trust.roots[0]!)).toBe(1);
});

describe('the platform carries the chain in the country index', () => {
  it('only the next link is accepted; the signed country index carries every statement (label 9)', async () => {
    const { IndexState, checkRotationChain, indexRotations, verifyIndex, ROLES: R, countryScope } = await import('../../sdk/index.js');
    const base = join(dir, 'platform');
    const v1 = initRoot({ dir: join(base, 'v1'), country: '86' });
    const r2 = await rotateRoot({ root: v1, dir: join(base, 'v2') });
    const r3 = await rotateRoot({ root: r2.authority, dir: join(base, 'v3') });
    const trust = r3.authority.trust;
    expect(() => checkRotationChain(trust, '86', [], r3.bytes)).toThrow(expect.objectContaining({ code: 'ROTATION_SKIPPED' }));
    expect(checkRotationChain(trust, '86', [], r2.bytes).statement?.version).toBe(2);
    expect(checkRotationChain(trust, '86', [r2.bytes], r3.bytes).statement?.version).toBe(3);
    expect(checkRotationChain(trust, '86', [r2.bytes, r3.bytes], r3.bytes).statement).toBeUndefined();

    const platform = await certify({ root: r3.authority, dir: join(base, 'platform'), subjectKind: 'platform', subject: 'p', name: 'p', roles: [R.indexSign] });
    const state = IndexState.empty('86', { notice: () => new Uint8Array(), index: () => new Uint8Array() });
    expect(state.addRotation(r2.bytes)).toBe(true);
    expect(state.addRotation(r3.bytes)).toBe(true);
    expect(state.addRotation(r3.bytes)).toBe(false);
    const now = Math.floor(Date.now() / 1000);
    await state.signDue({ signer: platform.signer, certificate: platform.certificate!, now, lifetimeSeconds: 3600 });
    const bytes = state.indexBytes(countryScope('86'));
    expect(indexRotations(bytes).map((b) => Buffer.from(b).toString('hex'))).toEqual([r2.bytes, r3.bytes].map((b) => Buffer.from(b).toString('hex')));
    // A unit holding v1 walks the chain, then verifies the index signed under v3.
    expect(() => verifyIndex(bytes, v1.trust, { now, scope: 'c/86' })).toThrow(expect.objectContaining({ code: 'INDEX_UNTRUSTED' }));
    const walked = applyRotations(indexRotations(bytes), v1.trust, { country: '86' }).trust;
    expect(verifyIndex(bytes, walked, { now, scope: 'c/86' }).index.rotations).toHaveLength(2);
  });
});

it('the platform refuses to publish a rotation its own index key would not survive', async () => {
  const { RecallPublisher } = await import('../../sdk/index.js');
  const { FilesPublisherStore } = await import('../../platform/store/files/publisher-files.js');
  const base = join(dir, 'publisher');
  const v1 = initRoot({ dir: join(base, 'v1'), country: '86' });
  const old = await certify({ root: v1, dir: join(base, 'plat1'), subjectKind: 'platform', subject: 'p1', name: 'p1', roles: [ROLES.indexSign] });
  const r2 = await rotateRoot({ root: v1, dir: join(base, 'v2') });
  const fresh = await certify({ root: r2.authority, dir: join(base, 'plat2'), subjectKind: 'platform', subject: 'p2', name: 'p2', roles: [ROLES.indexSign] });
  const publisher = (a: typeof old) => new RecallPublisher({ store: new FilesPublisherStore(join(base, 'state')), signer: a.signer, certificate: a.certificate!, country: '86', trust: a.trust });
  await expect(publisher(old).checkRotation(r2.bytes)).rejects.toThrow(expect.objectContaining({ code: 'INDEX_UNTRUSTED' }));
  expect((await publisher(fresh).checkRotation(r2.bytes))?.version).toBe(2);
});
