import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ROLES,
  campaignStatus,
  certify,
  cosignRecall,
  loadSigner,
  signRecall,
  signRecallAck,
  verifyRecallAck,
  verifyRecallNotice,
  type AckStatus,
  type Authority,
  type RecallInput,
  type VerifiedRecall,
} from '../../sdk/index.js';
import { makePki, testCode, type Pki, type TestUnit } from '../helpers/pki.js';

let tmp: string;
let pki: Pki;
let second: Authority;
let units: TestUnit[];
let other: TestUnit;
const now = Math.floor(Date.now() / 1000);

async function notice(over: Partial<RecallInput> = {}): Promise<VerifiedRecall> {
  const input: RecallInput = {
    recallId: 'R-1',
    revision: 1,
    campaignId: 'C-1',
    issuer: pki.platform.meta.subject,
    issuedAt: now - 10,
    notBefore: now - 10,
    notAfter: now + 86400,
    action: 'stop',
    reason: 'r',
    remedy: 'm',
    target: { enterprise: '1234', model: '567890' },
    status: 'active',
    ...over,
  };
  const bytes = await cosignRecall(await signRecall(input, pki.platform.signer, pki.platform.certificate!), second.signer, second.certificate!);
  return verifyRecallNotice(bytes, { trust: pki.root.trust, now });
}

async function ack(u: TestUnit, seq: number, status: AckStatus, over: { revision?: number; reason?: string; signer?: TestUnit } = {}) {
  const device = loadSigner(join((over.signer ?? u).stateDir, 'device.key'));
  const bytes = await signRecallAck(device, { code: u.code, seq, recallId: 'R-1', revision: over.revision ?? 1, campaignId: 'C-1', status, reason: over.reason, time: now });
  return { code: u.code, bytes };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rid-camp-'));
  pki = await makePki(join(tmp, 'pki'));
  second = await certify({ root: pki.root, dir: join(tmp, 'b'), subjectKind: 'platform', subject: 'b', name: 'b', roles: [ROLES.recallIssue], notBefore: now - 3600 });
  units = [];
  for (let i = 1; i <= 5; i++) units.push(await pki.provision(testCode(1000 + i)));
  other = await pki.provision(`861234567891${'1'.padStart(17, '0')}`); // another model: not targeted
}, 30_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('campaign status', () => {
  it('reports each targeted unit from its signed acks only', async () => {
    const [a, b, c, d, e] = units as [TestUnit, TestUnit, TestUnit, TestUnit, TestUnit];
    const s = campaignStatus({
      campaignId: 'C-1',
      notices: [await notice()],
      units: [...units, other].map((u) => u.identity),
      acks: [
        await ack(a, 1, 'verified'),
        await ack(a, 2, 'applied'),
        await ack(b, 1, 'verified'),
        await ack(c, 1, 'verified'),
        await ack(c, 2, 'failed', { reason: 'ACTION_EXIT' }),
        await ack(d, 1, 'rejected', { reason: 'RECALL_NOT_YET_VALID' }),
        // e's "applied" signed by another unit's device key: it counts nowhere.
        await ack(e, 1, 'applied', { signer: a }),
      ],
    });
    expect(s.counts).toEqual({ pending: 1, verified: 1, applied: 1, failed: 1, rejected: 1, revoked: 0 });
    expect(s.codes.applied).toEqual([a.code]);
    expect(s.codes.pending).toEqual([e.code]);
    expect(s.units.find((u) => u.code === c.code)!.recalls[0]).toMatchObject({ state: 'failed', reason: 'ACTION_EXIT' });
    expect(s.units.find((u) => u.code === d.code)!.recalls[0]).toMatchObject({ state: 'rejected', reason: 'RECALL_NOT_YET_VALID' });
    expect(s.units.map((u) => u.code)).not.toContain(other.code);
    expect(s.invalidAcks).toBe(1);
  });

  it('takes acks the caller verified already as they are, the same as the signed ones', async () => {
    const [a, b] = units as [TestUnit, TestUnit];
    const signed = [await ack(a, 1, 'verified'), await ack(a, 2, 'applied'), await ack(b, 1, 'rejected', { reason: 'RECALL_EXPIRED' })];
    const input = { campaignId: 'C-1', notices: [await notice()], units: [a.identity, b.identity] };
    const fromBytes = campaignStatus({ ...input, acks: signed });
    const decoded = signed.map((x) => verifyRecallAck(x.bytes, x.code === a.code ? a.identity : b.identity).value);
    const fromVerified = campaignStatus({ ...input, acks: [], verifiedAcks: decoded });
    expect(fromVerified.units).toEqual(fromBytes.units);
    expect(fromVerified.counts).toMatchObject({ applied: 1, rejected: 1 });
    // One of a unit the registry does not hold: counted invalid, as a signed one would be.
    expect(campaignStatus({ ...input, units: [a.identity], acks: [], verifiedAcks: decoded }).invalidAcks).toBe(1);
  });

  it('counts only acks for the current revision', async () => {
    const [a] = units as [TestUnit];
    const s = campaignStatus({
      campaignId: 'C-1',
      notices: [await notice(), await notice({ revision: 2 })],
      units: [a.identity],
      acks: [await ack(a, 1, 'applied')],
    });
    expect(s.notices).toEqual([{ recallId: 'R-1', revision: 2, action: 'stop' }]);
    expect(s.counts.pending).toBe(1);
  });
});

describe('campaign status under the platform revocations', () => {
  it('a revoked unit is `revoked`, never counted applied; a notice that no longer verifies is the reason its pending units give', async () => {
    const n = await notice();
    const [a, b] = units as [TestUnit, TestUnit];
    const s = campaignStatus({
      campaignId: 'C-1',
      notices: [n],
      units: units.map((u) => u.identity),
      acks: [await ack(a, 1, 'applied')],
      isRevoked: (u) => u.code.code === a.code,
      unverifiable: new Map([['R-1', 'NOTICE_NO_LONGER_VERIFIES: RECALL_REVOKED']]),
    });
    expect(s.codes.revoked).toEqual([a.code]);
    expect(s.counts.applied).toBe(0);
    const pendingB = s.units.find((u) => u.code === b.code)!;
    expect(pendingB.state).toBe('pending');
    expect(pendingB.recalls[0]!.reason).toBe('NOTICE_NO_LONGER_VERIFIES: RECALL_REVOKED');
  });
});
