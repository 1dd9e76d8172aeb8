// test/vectors/records.json: every committed certificate and identity record verifies (or fails
// with its one expected TrustError code), and rebuilding from the fixed seeds reproduces the
// committed hex exactly (Ed25519 and our CBOR are deterministic).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Revocations, TrustError, TrustStore, fromHex, kidHex, nobleEd25519, verifyCertificate, verifyIdentityRecord, type Role } from '../../sdk/index.js';
import { buildTrustVectors, type TrustVectors } from '../../scripts/gen-trust-vectors.js';
import { outcome } from '../helpers/outcome.js';

const V = JSON.parse(readFileSync('test/vectors/records.json', 'utf8')) as TrustVectors;
const trust = TrustStore.fromJSON(V.trustStore);

function reason(f: () => unknown): string {
  return outcome(f, TrustError);
}

describe('committed trust vectors', () => {
  it('cover every verification reason of the issue', () => {
    const reasons = new Set([...V.certificates.failures, ...V.records.failures].map((f) => f.reason));
    for (const r of [
      'TRUST_UNKNOWN_ROOT',
      'TRUST_BAD_SIGNATURE',
      'TRUST_NOT_VALID_AT_TIME',
      'TRUST_MISSING_ROLE',
      'TRUST_ENTERPRISE_MISMATCH',
      'TRUST_COUNTRY_MISMATCH',
      'TRUST_WRONG_KIND',
      'TRUST_MALFORMED',
      'TRUST_NONDETERMINISTIC',
      'TRUST_REVOKED',
    ]) {
      expect(reasons, r).toContain(r);
    }
  });

  it.each(V.certificates.valid.map((c) => [c.name, c] as const))('certificate verifies: %s', (_n, c) => {
    const got = verifyCertificate(fromHex(c.hex), trust, { at: c.at, role: c.role as Role, subjectKinds: c.subjectKinds });
    expect(got.certificate.subject).toBe(c.subject);
    expect(kidHex(got.kid)).toBe(c.kid);
  });

  it.each(V.certificates.failures.map((c) => [c.name, c] as const))('certificate fails: %s', (_n, c) => {
    expect(reason(() => verifyCertificate(fromHex(c.hex), trust, { at: c.at, role: c.role as Role, subjectKinds: c.subjectKinds }))).toBe(c.reason);
  });

  it.each(V.records.valid.map((r) => [r.name, r] as const))('record verifies: %s', (_n, r) => {
    const got = verifyIdentityRecord(fromHex(r.hex), trust, { revocations: new Revocations(r.revocations ?? {}) });
    expect(got.code.code).toBe(r.code);
    expect(kidHex(got.deviceKid)).toBe(r.deviceKid);
    expect(got.enterprise.certificate.subject).toBe(r.enterprise);
    expect(Buffer.from(got.bytes).toString('hex')).toBe(r.hex);
  });

  it.each(V.records.failures.map((r) => [r.name, r] as const))('record fails: %s', (_n, r) => {
    expect(reason(() => verifyIdentityRecord(fromHex(r.hex), trust, { revocations: new Revocations(r.revocations ?? {}) }))).toBe(r.reason);
  });

  it('the same results with the noble backend', () => {
    const check = { backend: nobleEd25519 };
    for (const r of V.records.valid) {
      expect(verifyIdentityRecord(fromHex(r.hex), trust, { ...check, revocations: new Revocations(r.revocations ?? {}) }).code.code).toBe(r.code);
    }
    for (const r of V.records.failures) {
      expect(reason(() => verifyIdentityRecord(fromHex(r.hex), trust, { ...check, revocations: new Revocations(r.revocations ?? {}) }))).toBe(r.reason);
    }
  });

  it('rebuilding from the fixed seeds reproduces every committed byte', async () => {
    const rebuilt = await buildTrustVectors();
    expect(JSON.parse(JSON.stringify(rebuilt))).toEqual(V);
  });
});
