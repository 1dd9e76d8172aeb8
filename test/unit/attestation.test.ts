import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import {
  AttestationError,
  ROLES,
  Revocations,
  certify,
  generateKeyPair,
  initRoot,
  kidHex,
  loadSigner,
  makeNonce,
  nonceFromText,
  nonceToText,
  provisionUnit,
  seedSigner,
  signAttestation,
  verifyAttestation,
  type Signer,
  type TrustStore,
} from '../../sdk/index.js';

const CODE = '86123400000100000000000000001';
let dir: string;
let trust: TrustStore;
let identity: Uint8Array;
let device: Signer;
const now = 1_760_000_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'attest-unit-'));
  const root = initRoot({ dir: join(dir, 'root'), country: '86' });
  const ent = await certify({ root, dir: join(dir, 'ent'), subjectKind: 'enterprise', subject: '1234', name: 'Example', roles: [ROLES.identityIssue], notBefore: now - 3600 });
  const p = await provisionUnit({ enterprise: ent, code: CODE, modelName: 'H1', hardwareId: 'hw-1', stateDir: join(dir, 'unit'), now });
  trust = root.trust;
  identity = p.identity.bytes;
  device = loadSigner(join(dir, 'unit', 'device.key'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function answer(nonce: Uint8Array, signer = device, extra: Partial<Parameters<typeof signAttestation>[1]> = {}) {
  return signAttestation(signer, { nonce, code: CODE, identity, bootCount: 3, uptimeS: 42, swVersion: '0.1.0', now, lifecycle: 'in_service', ...extra });
}

function reason(fn: () => unknown): string {
  return outcome(fn, AttestationError, 'accepted');
}

describe('attestation', () => {
  it('verifies a fresh answer and returns the claims', async () => {
    const nonce = makeNonce();
    const v = verifyAttestation(await answer(nonce), { nonce, identity, trust, now: now + 2 });
    expect(v.identity.code.code).toBe(CODE);
    expect(v.claims).toMatchObject({ code: CODE, bootCount: 3, uptimeS: 42, swVersion: '0.1.0', lifecycle: 'in_service' });
    expect(v.clockSkewS).toBe(-2);
  });

  it('rejects an answer to another nonce (replay)', async () => {
    const old = await answer(makeNonce());
    expect(reason(() => verifyAttestation(old, { nonce: makeNonce(), identity, trust, now }))).toBe('ATTEST_NONCE_MISMATCH');
  });

  it('rejects a copied record answered with another key', async () => {
    const nonce = makeNonce();
    const impostor = seedSigner(generateKeyPair().seed);
    expect(reason(() => verifyAttestation(new Uint8Array(0), { nonce, identity, trust, now }))).toBe('ATTEST_MALFORMED');
    const forged = await answer(nonce, impostor);
    expect(reason(() => verifyAttestation(forged, { nonce, identity, trust, now }))).toBe('ATTEST_BAD_SIGNATURE');
  });

  it('rejects a revoked device key or code, an unknown root, a wrong expected unit', async () => {
    const nonce = makeNonce();
    const a = await answer(nonce);
    const byKey = new Revocations({ keys: [kidHex(device.kid)] });
    expect(reason(() => verifyAttestation(a, { nonce, identity, trust, now, revocations: byKey }))).toBe('ATTEST_IDENTITY');
    expect(reason(() => verifyAttestation(a, { nonce, identity, trust, now, revocations: new Revocations({ codes: [CODE] }) }))).toBe('ATTEST_IDENTITY');
    const other = initRoot({ dir: join(dir, 'other-root'), country: '86' });
    expect(reason(() => verifyAttestation(a, { nonce, identity, trust: other.trust, now }))).toBe('ATTEST_IDENTITY');
    expect(reason(() => verifyAttestation(a, { nonce, identity, trust, now, expectedCode: CODE.slice(0, -1) + '2' }))).toBe('ATTEST_WRONG_UNIT');
  });

  it('rejects another object kind (the identity record itself), a skewed clock, a claim about another record', async () => {
    const nonce = makeNonce();
    expect(reason(() => verifyAttestation(readFileSync(join(dir, 'unit', 'identity.cose')), { nonce, identity, trust, now }))).toBe('ATTEST_WRONG_KIND');
    const skewed = await answer(nonce, device, { now: now + 3600 });
    expect(reason(() => verifyAttestation(skewed, { nonce, identity, trust, now }))).toBe('ATTEST_CLOCK_SKEW');
    const otherRecord = await answer(nonce, device, { identity: new Uint8Array([1, 2, 3]) });
    expect(reason(() => verifyAttestation(otherRecord, { nonce, identity, trust, now }))).toBe('ATTEST_IDENTITY_MISMATCH');
  });

  it('flipping any byte of an answer makes it fail', async () => {
    const nonce = makeNonce();
    const a = await answer(nonce);
    for (let i = 0; i < a.length; i++) {
      const b = Uint8Array.from(a);
      b[i]! ^= 0x01;
      expect(reason(() => verifyAttestation(b, { nonce, identity, trust, now }))).not.toBe('accepted');
    }
  });

  it('nonces travel as base64url and are checked for length', () => {
    const n = makeNonce();
    expect(nonceFromText(nonceToText(n))).toEqual(n);
    expect(reason(() => nonceFromText('AAAA'))).toBe('ATTEST_MALFORMED');
    expect(reason(() => nonceFromText('not base64!'))).toBe('ATTEST_MALFORMED');
    expect(reason(() => nonceFromText(42))).toBe('ATTEST_MALFORMED');
  });
});
