// Every signed object kind in SM2 with SM3 (docs/protocol.md §"SM2 with SM3"), and in a mixed
// world: a device key of the other algorithm than its enterprise's, and one trust store holding
// an SM2 root (country 86) and an EdDSA root (country 87).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COSE_ALG_EDDSA,
  COSE_ALG_SM2_SM3,
  EventSigningThread,
  ROLES,
  TrustStore,
  certify,
  eventKind,
  heartbeatKind,
  initRoot,
  loadSigner,
  makeNonce,
  provisionUnit,
  signAttestation,
  signEvent,
  signHeartbeat,
  signIndex,
  signOrder,
  signPolicy,
  signReceipt,
  signRecycling,
  sha256,
  verifyAttestation,
  verifyIdentityRecord,
  verifyIndex,
  verifyOrder,
  verifyPolicy,
  verifyReceipt,
  verifyRecycling,
  verifyUnitMessage,
  type Authority,
  type Signer,
} from '../../sdk/index.js';
import { makePki, testCode, type Pki, type TestUnit } from '../helpers/pki.js';

const SM2 = COSE_ALG_SM2_SM3;
const ED = COSE_ALG_EDDSA;
let dir: string;
let pki: Pki;
let unit: TestUnit;
let device: Signer;
let recycler: Authority;
const now = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-sm2-objects-'));
  pki = await makePki(join(dir, 'pki'), { alg: SM2 });
  unit = await pki.provision();
  device = loadSigner(join(unit.stateDir, 'device.key'));
  recycler = await certify({ root: pki.root, dir: join(dir, 'recycler'), subjectKind: 'platform', subject: 'recycler', name: 'recycler', roles: [ROLES.recyclingConfirm], alg: SM2 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an SM2 world: every key SM2', () => {
  it('the root, the certificates and the identity record pin SM2; the device key file is SM2', () => {
    expect(pki.root.trust.roots[0]!.alg).toBe(SM2);
    expect(pki.root.trust.toJSON().roots[0]).toMatchObject({ alg: 'sm2' });
    expect(TrustStore.fromJSON(pki.root.trust.toJSON()).roots[0]!.alg).toBe(SM2);
    expect(pki.enterprise.verified!.alg).toBe(SM2);
    expect(pki.platform.verified!.alg).toBe(SM2);
    expect(unit.identity.deviceAlg).toBe(SM2);
    expect(unit.identity.record.devicePublicKey.length).toBe(65);
    expect(device.alg).toBe(SM2);
    expect(verifyIdentityRecord(unit.identity.bytes, pki.root.trust).deviceKid).toEqual(device.kid);
  });

  it('an SM2 device key has no signing thread: its event log signs on the event loop', () => {
    expect(EventSigningThread.for(device)).toBeUndefined();
  });

  it('heartbeats and events verify against the identity record', async () => {
    const hb = await signHeartbeat(device, {
      code: unit.code, boot: 1, counter: 1, time: now, uptimeS: 1, state: 'in_service', agentVersion: 'x', firmwareVersion: 'y', outboxDepth: 0, logSeq: 0, logHash: new Uint8Array(32), nextDueBy: now + 60,
    });
    expect(verifyUnitMessage(heartbeatKind, hb, unit.identity).value.counter).toBe(1);
    const ev = await signEvent(device, { code: unit.code, seq: 1, prevHash: new Uint8Array(32), time: now, kind: 'maintenance' });
    expect(verifyUnitMessage(eventKind, ev, unit.identity).value.seq).toBe(1);
  });

  it('an attestation answer verifies', async () => {
    const nonce = makeNonce();
    const bytes = await signAttestation(device, { nonce, code: unit.code, identity: unit.identity.bytes, bootCount: 1, uptimeS: 5, swVersion: '0.1.0', now, lifecycle: 'in_service' });
    expect(verifyAttestation(bytes, { nonce, identity: unit.identity.bytes, trust: pki.root.trust, now }).identity.code.code).toBe(unit.code);
  });

  it('receipts, orders, recycling records, indexes and policies verify', async () => {
    const receipt = await signReceipt(pki.platform.signer, pki.platform.certificate!, { code: unit.code, event: 1, ack: 0, eventHead: sha256(new Uint8Array([1])), issuedAt: now });
    expect(verifyReceipt(receipt, pki.root.trust, { code: unit.code }).receipt.event).toBe(1);
    const order = await signOrder(pki.enterprise.signer, pki.enterprise.certificate!, { code: unit.code, transition: 'scrapped', orderId: new Uint8Array(16).fill(1), issuedAt: now, notAfter: now + 3600 });
    expect(verifyOrder(order, pki.root.trust, { code: unit.code, enterprise: '1234', transition: 'scrapped', now }).order.transition).toBe('scrapped');
    const recycling = await signRecycling(recycler.signer, recycler.certificate!, { code: unit.code, recycledAt: now });
    expect(verifyRecycling(recycling, pki.root.trust, { code: unit.code }).record.code).toBe(unit.code);
    const index = await signIndex(
      { scope: 'm/1234/567890', version: 1, issuedAt: now - 10, expiresAt: now + 3600, entries: [], revocations: { keys: [], codes: [] } },
      pki.platform.signer,
      pki.platform.certificate!,
    );
    expect(verifyIndex(index, pki.root.trust, { now, scope: 'm/1234/567890' }).index.version).toBe(1);
    const policy = await signPolicy(pki.root.signer, { country: '86', version: 1, issuedAt: now, thresholds: { notify: 1, restrict: 1, stop: 2 } });
    expect(verifyPolicy(policy, pki.root.trust).policy.version).toBe(1);
  });
});

describe('a mixed world', () => {
  it('a device key may differ from its enterprise key: EdDSA device under an SM2 enterprise and the reverse', async () => {
    const ed = await pki.provision(testCode(), { alg: ED });
    expect(ed.identity.deviceAlg).toBe(ED);
    expect(ed.identity.enterprise.alg).toBe(SM2);
    const hb = await signEvent(loadSigner(join(ed.stateDir, 'device.key')), { code: ed.code, seq: 1, prevHash: new Uint8Array(32), time: now, kind: 'maintenance' });
    expect(verifyUnitMessage(eventKind, hb, ed.identity).value.seq).toBe(1);
    const edPki = await makePki(join(dir, 'ed-world'), { device: SM2 });
    const sm2Unit = await edPki.provision();
    expect([sm2Unit.identity.enterprise.alg, sm2Unit.identity.deviceAlg]).toEqual([ED, SM2]);
    // An EdDSA identity record's bytes carry no deviceAlg: absent means EdDSA, as before.
    expect(ed.identity.record.deviceAlg).toBeUndefined();
  });

  it('one trust store holds an SM2 root (86) and an EdDSA root (87); identities of both verify', async () => {
    const root87 = initRoot({ dir: join(dir, 'root-87'), country: '87' });
    const ent87 = await certify({ root: root87, dir: join(dir, 'ent-87'), subjectKind: 'enterprise', subject: '1234', name: 'E87', roles: [ROLES.identityIssue] });
    const both = pki.root.trust.merge(root87.trust);
    expect(both.roots.map((r) => [r.country, r.alg ?? ED])).toEqual([['86', SM2], ['87', ED]]);
    const reloaded = TrustStore.fromJSON(JSON.parse(JSON.stringify(both.toJSON())));
    expect(verifyIdentityRecord(unit.identity.bytes, reloaded).enterprise.root.country).toBe('86');
    const p87 = await provisionUnit({ enterprise: ent87, code: `871234567890${'1'.padStart(17, '0')}`, modelName: 'M', hardwareId: 'hw', stateDir: join(dir, 'u87') });
    expect(verifyIdentityRecord(p87.identity.bytes, reloaded).enterprise.root.country).toBe('87');
  });
});
