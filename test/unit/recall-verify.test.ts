import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  RecallRejectedError,
  Tag,
  cosignRecall,
  decodeCbor,
  encodeCbor,
  isRobotIdError,
  noticeFromJson,
  signPolicy,
  signRecallAck,
  verifyPolicy,
  verifyRecallAck,
  verifyRecallNotice,
  type CborValue,
  type RecallCheck,
} from '../../sdk/index.js';
import { ENT, MODEL_A, RECALL_WORLDS, codeOf, deviceSigner, makeRecallPki, noticeInput, signWith, type RecallPki } from '../helpers/recall-fixtures.js';
import { outcome } from '../helpers/outcome.js';

let pki: RecallPki;

const check = (over: Partial<RecallCheck> = {}): RecallCheck => ({ trust: pki.root.trust, now: pki.now + 60, unit: pki.units.a.identity.code, ...over });

function reason(fn: () => unknown): string {
  return outcome(fn, RecallRejectedError, 'accepted');
}

// Every case runs in an Ed25519 world, an SM2 world and a mixed one (recall-fixtures.ts).
describe.each(RECALL_WORLDS)('keys: %s', (world) => {
  beforeAll(async () => {
    pki = await makeRecallPki(world);
  });
  afterAll(() => pki.cleanup());

  describe('recall signing and verification', () => {
    it('a platform notice verifies over the bytes received and names its signers', async () => {
      const bytes = await signWith(noticeInput(pki, pki.platformA), pki.platformA);
      const v = verifyRecallNotice(bytes, check());
      expect(v.notice.recallId).toBe('R-2025-001');
      expect(v.subjects).toEqual(['platform:regulator-a']);
      expect(v.rootCountry).toBe('86');
      expect(v.required).toBe(1);
    });

    it('an enterprise may recall its own model', async () => {
      const bytes = await signWith(noticeInput(pki, pki.ent, { action: 'restrict' }), pki.ent);
      expect(reason(() => verifyRecallNotice(bytes, check()))).toBe('accepted');
    });

    it('stop needs two distinct subjects by default; co-signing keeps the payload', async () => {
      const input = noticeInput(pki, pki.platformA, { action: 'stop' });
      const one = await signWith(input, pki.platformA);
      expect(reason(() => verifyRecallNotice(one, check()))).toBe('RECALL_THRESHOLD');
      const two = await cosignRecall(one, pki.platformB.signer, pki.platformB.certificate!);
      const v = verifyRecallNotice(two, check());
      expect(v.subjects).toEqual(['platform:regulator-a', 'platform:regulator-b']);
      expect(DEFAULT_THRESHOLDS.stop).toBe(2);
    });

    it('two keys of one subject count once', async () => {
      const bytes = await signWith(noticeInput(pki, pki.platformA, { action: 'stop' }), pki.platformA, pki.platformA2);
      expect(reason(() => verifyRecallNotice(bytes, check()))).toBe('RECALL_THRESHOLD');
    });

    it('the same key cannot co-sign twice, and a copied signature is refused', async () => {
      const one = await signWith(noticeInput(pki, pki.platformA, { action: 'stop' }), pki.platformA);
      await expect(cosignRecall(one, pki.platformA.signer, pki.platformA.certificate!)).rejects.toMatchObject({ code: 'COSE_MALFORMED' });
      const tag = decodeCbor(one, { maxBytes: 1 << 20 }) as Tag;
      const [p, u, payload, sigs] = tag.value as CborValue[];
      const copied = encodeCbor(new Tag([p!, u!, payload!, [...(sigs as CborValue[]), (sigs as CborValue[])[0]!]], 98));
      expect(reason(() => verifyRecallNotice(copied, check()))).toBe('RECALL_THRESHOLD');
    });

    it('a root-signed policy sets the thresholds; a policy not signed by a root is refused', async () => {
      const policy = await signPolicy(pki.root.signer, { country: '86', version: 1, issuedAt: pki.now, thresholds: { notify: 1, restrict: 2, stop: 3 } });
      const { policy: p } = verifyPolicy(policy, pki.root.trust);
      const two = await signWith(noticeInput(pki, pki.platformA, { action: 'stop' }), pki.platformA, pki.platformB);
      expect(reason(() => verifyRecallNotice(two, check({ thresholds: p.thresholds })))).toBe('RECALL_THRESHOLD');
      const three = await cosignRecall(two, pki.platformC.signer, pki.platformC.certificate!);
      expect(reason(() => verifyRecallNotice(three, check({ thresholds: p.thresholds })))).toBe('accepted');
      const forged = await signPolicy(pki.platformA.signer, { country: '86', version: 2, issuedAt: pki.now, thresholds: { notify: 1, restrict: 1, stop: 1 } });
      expect(reason(() => verifyPolicy(forged, pki.root.trust))).toBe('RECALL_POLICY');
      await expect(signPolicy(pki.root.signer, { country: '86', version: 3, issuedAt: pki.now, thresholds: { notify: 2, restrict: 1, stop: 1 } })).rejects.toMatchObject({
        code: 'RECALL_POLICY',
      });
    });

    it('a revision needs the stronger threshold of the held and the new action (one signer cannot lift a stop)', async () => {
      const downgrade = await signWith(noticeInput(pki, pki.platformA, { revision: 2, action: 'notify', status: 'resolved' }), pki.platformA);
      const previous = { revision: 1, issuer: 'regulator-a', action: 'stop' as const };
      expect(reason(() => verifyRecallNotice(downgrade, check({ previous })))).toBe('RECALL_THRESHOLD');
      expect(reason(() => verifyRecallNotice(downgrade, check()))).toBe('accepted');
    });

    it('an enterprise cannot revise a recall issued by someone else; a platform can', async () => {
      const entRevision = await signWith(noticeInput(pki, pki.ent, { revision: 2, status: 'resolved' }), pki.ent);
      const previous = { revision: 1, issuer: 'regulator-a', action: 'notify' as const };
      expect(reason(() => verifyRecallNotice(entRevision, check({ previous })))).toBe('RECALL_SCOPE');
      const platformRevision = await signWith(noticeInput(pki, pki.platformB, { revision: 2 }), pki.platformB);
      expect(reason(() => verifyRecallNotice(platformRevision, check({ previous })))).toBe('accepted');
    });

    it('the issuer field must name the first signer, and every co-signer must be in scope', async () => {
      const lying = await signWith({ ...noticeInput(pki, pki.platformA), issuer: 'regulator-b' }, pki.platformA);
      expect(reason(() => verifyRecallNotice(lying, check()))).toBe('RECALL_SCOPE');
      const countryWide = await signWith(noticeInput(pki, pki.platformA, { action: 'stop', target: { country: '86' } }), pki.platformA, pki.ent);
      expect(reason(() => verifyRecallNotice(countryWide, check()))).toBe('RECALL_SCOPE');
    });

    it('a notice valid for longer than the lifetime cap is refused (bounds backdating by a lapsed key)', async () => {
      const bytes = await signWith(noticeInput(pki, pki.platformA, { notAfter: pki.now + 401 * 86400 }), pki.platformA);
      expect(reason(() => verifyRecallNotice(bytes, check()))).toBe('RECALL_LIFETIME');
      expect(reason(() => verifyRecallNotice(bytes, check({ skipTime: true })))).toBe('RECALL_LIFETIME');
    });

    it('flipping any byte makes verification fail with a typed reason', async () => {
      const bytes = await signWith(noticeInput(pki, pki.platformA), pki.platformA);
      const seen = new Set<string>();
      for (let i = 0; i < bytes.length; i++) {
        const copy = Uint8Array.from(bytes);
        copy[i] ^= 0x01;
        const r = reason(() => verifyRecallNotice(copy, check()));
        expect(r, `byte ${i}`).not.toBe('accepted');
        seen.add(r);
      }
      expect(seen.has('RECALL_BAD_SIGNATURE')).toBe(true);
      expect(seen.has('RECALL_MALFORMED')).toBe(true);
    });
  });

  describe('the notice file', () => {
    const scheme = () => pki.root.trust.roots[0]!.codeScheme;
    const base = { recallId: 'R-1', revision: 1, campaignId: 'C-1', action: 'stop', reason: 'r', remedy: 'm', target: { codes: ['86-1234-567890-00000000000000001'] } };

    it('takes ISO dates with a zone or seconds, canonicalises codes and fills the issuer', () => {
      const n = noticeFromJson({ ...base, issuedAt: '2025-06-01T08:00:00+08:00', notAfter: 1751328000 }, { issuer: 'regulator-a', now: 1, scheme: scheme() });
      expect(n.issuedAt).toBe(1748736000);
      expect(n.notBefore).toBe(n.issuedAt);
      expect(n.notAfter).toBe(1751328000);
      expect(n.issuer).toBe('regulator-a');
      expect(n.target.codes).toEqual([codeOf(ENT, MODEL_A, 1)]);
      expect(n.status).toBe('active');
    });

    it.each([
      ['zone-less time', { notAfter: '2025-07-01T00:00:00' }],
      ['unknown key', { notAfter: 1751328000, extra: 1 }],
      ['another issuer', { notAfter: 1751328000, issuer: 'regulator-b' }],
      ['bad action', { notAfter: 1751328000, action: 'explode' }],
      ['bad code', { notAfter: 1751328000, target: { codes: ['86-1234'] } }],
    ])('refuses %s', (_n, over) => {
      expect(() => noticeFromJson({ ...base, ...over }, { issuer: 'regulator-a', now: 1, scheme: scheme() })).toThrow(RecallRejectedError);
    });
  });

  describe('the recall acknowledgement', () => {
    it('is signed by the device key and verified against the identity record', async () => {
      const ack = await signRecallAck(deviceSigner(pki.units.a), {
        code: pki.units.a.identity.code.code,
        seq: 7,
        recallId: 'R-1',
        revision: 2,
        campaignId: 'C-1',
        status: 'rejected',
        reason: 'RECALL_TARGET',
        time: pki.now,
      });
      expect(verifyRecallAck(ack, pki.units.a.identity).value).toMatchObject({ seq: 7, status: 'rejected', reason: 'RECALL_TARGET' });
      let code = '';
      try {
        verifyRecallAck(ack, pki.units.b.identity);
      } catch (err) {
        code = isRobotIdError(err) ? err.code : 'untyped';
      }
      expect(code).toBe('MSG_BAD_SIGNATURE');
    });
  });
});
