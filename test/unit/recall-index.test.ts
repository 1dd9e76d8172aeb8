import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IndexError,
  ROLES,
  Revocations,
  kidHex,
  missingRecalls,
  requiredScopes,
  revocationsOf,
  scopeOfTopic,
  sha256,
  signIndex,
  signObject,
  verifyIndex,
  indexKind,
  type IndexInput,
} from '../../sdk/index.js';
import { makeAuthorities, type Authorities } from '../helpers/recall-authorities.js';
import { outcome } from '../helpers/outcome.js';

let a: Authorities;
const now = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  a = await makeAuthorities();
});
afterAll(() => a.cleanup());

function input(over: Partial<IndexInput> = {}): IndexInput {
  return {
    scope: 'm/1234/567890',
    version: 5,
    issuedAt: now - 10,
    expiresAt: now + 3600,
    entries: [{ recallId: 'R-1', revision: 2, sha256: sha256(new Uint8Array([1])) }],
    revocations: { keys: [], codes: [] },
    ...over,
  };
}

function reason(fn: () => unknown): string {
  return outcome(fn, IndexError, 'accepted');
}

describe('recall index', () => {
  it('verifies a platform-signed index for its scope', async () => {
    const bytes = await signIndex(input(), a.index.signer, a.index.certificate!);
    const v = verifyIndex(bytes, a.root.trust, { now, scope: 'm/1234/567890', country: '86' });
    expect(v.index.version).toBe(5);
    expect(v.index.entries[0]!.recallId).toBe('R-1');
    expect(v.duplicate).toBe(false);
    expect(v.signer.certificate.subject).toBe('platform-index');
  });

  it('rejects each defect with its reason', async () => {
    const good = await signIndex(input(), a.index.signer, a.index.certificate!);
    const held = { version: 5, sha256: sha256(good) };
    const check = { now, scope: 'm/1234/567890' };
    expect(reason(() => verifyIndex(good, a.root.trust, { ...check, scope: 'm/1234/000000' }))).toBe('INDEX_SCOPE');
    expect(reason(() => verifyIndex(good, a.root.trust, { ...check, country: 'US' }))).toBe('INDEX_SCOPE');
    expect(reason(() => verifyIndex(good, a.root.trust, { ...check, now: now + 3600 }))).toBe('INDEX_EXPIRED');
    expect(verifyIndex(good, a.root.trust, { ...check, held }).duplicate).toBe(true);
    expect(reason(() => verifyIndex(good, a.root.trust, { ...check, held: { ...held, version: 6 } }))).toBe('INDEX_ROLLBACK');
    const other = await signIndex(input({ entries: [] }), a.index.signer, a.index.certificate!);
    expect(reason(() => verifyIndex(other, a.root.trust, { ...check, held }))).toBe('INDEX_FORKED');
    const flipped = Uint8Array.from(good);
    flipped[flipped.length - 3]! ^= 1;
    expect(reason(() => verifyIndex(flipped, a.root.trust, check))).toBe('INDEX_UNTRUSTED');
    expect(reason(() => verifyIndex(good.subarray(0, 20), a.root.trust, check))).toBe('INDEX_MALFORMED');
    const long = await signIndex(input({ expiresAt: now + 365 * 86400 }), a.index.signer, a.index.certificate!);
    expect(reason(() => verifyIndex(long, a.root.trust, check))).toBe('INDEX_MALFORMED');
  });

  it('requires the index.sign role, a platform subject and an unrevoked key', async () => {
    const recallKey = await a.platform('platform-recall', [ROLES.recallIssue]);
    const byRecallKey = await signIndex(input(), recallKey.signer, recallKey.certificate!);
    expect(reason(() => verifyIndex(byRecallKey, a.root.trust, { now, scope: 'm/1234/567890' }))).toBe('INDEX_UNTRUSTED');
    const noCert = await signObject(indexKind, { v: 1, ...input() }, a.index.signer);
    expect(reason(() => verifyIndex(noCert, a.root.trust, { now, scope: 'm/1234/567890' }))).toBe('INDEX_UNTRUSTED');
    const good = await signIndex(input(), a.index.signer, a.index.certificate!);
    const revoked = new Revocations({ keys: [kidHex(a.index.signer.kid)] });
    expect(reason(() => verifyIndex(good, a.root.trust, { now, scope: 'm/1234/567890', revocations: revoked }))).toBe('INDEX_UNTRUSTED');
  });

  it('rejects another object kind presented as an index', async () => {
    expect(reason(() => verifyIndex(a.index.certificate!, a.root.trust, { now, scope: 'm/1234/567890' }))).toBe('INDEX_WRONG_KIND');
  });

  it('signs equal content to equal bytes regardless of entry order', async () => {
    const e = [
      { recallId: 'B', revision: 1, sha256: new Uint8Array(32) },
      { recallId: 'A', revision: 1, sha256: new Uint8Array(32) },
    ];
    const x = await signIndex(input({ entries: e }), a.index.signer, a.index.certificate!);
    const y = await signIndex(input({ entries: [...e].reverse() }), a.index.signer, a.index.certificate!);
    expect(Buffer.from(x).equals(Buffer.from(y))).toBe(true);
  });

  it('reconciles entries against the held store and merges revocations', async () => {
    const idx = verifyIndex(
      await signIndex(
        input({
          entries: [
            { recallId: 'A', revision: 2, sha256: new Uint8Array(32) },
            { recallId: 'B', revision: 1, sha256: new Uint8Array(32) },
            { recallId: 'C', revision: 1, sha256: new Uint8Array(32) },
          ],
          revocations: { keys: ['AB'], codes: ['X'] },
        }),
        a.index.signer,
        a.index.certificate!,
      ),
      a.root.trust,
      { now, scope: 'm/1234/567890' },
    ).index;
    const held = new Map([['A', 1], ['B', 1]]);
    expect(missingRecalls(idx, (id) => held.get(id)).map((m) => `${m.recallId}@${m.revision}`)).toEqual(['A@2', 'C@1']);
    const r = revocationsOf([idx]);
    expect(r.keys.has('ab') && r.codes.has('X')).toBe(true);
    expect(requiredScopes({ ...idx, scopes: [{ scope: 'e/1234', version: 3 }, { scope: 'e/9999', version: 1 }] }, ['e/1234'])).toEqual(new Map([['e/1234', 3]]));
  });

  it('maps topics back to scopes', () => {
    expect(scopeOfTopic('rid/v1/index/m/1234/567890')).toEqual({ scope: 'm/1234/567890' });
    expect(scopeOfTopic('rid/v1/recall/e/1234/R-1')).toEqual({ scope: 'e/1234', recallId: 'R-1' });
    expect(scopeOfTopic('rid/v1/recall/x/1234/R-1')).toBeUndefined();
  });
});
