// test/vectors/records-sm2.json (scripts/gen-sm2-trust-vectors.ts): a mixed trust store (SM2 root
// 86, EdDSA root 87); every committed certificate and identity record verifies, or fails with its
// one expected TrustError code; and no single flipped byte of an SM2 record or certificate is
// ever accepted. SM2 signatures are randomised, so the vectors are verified, not rebuilt.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrustError, TrustStore, fromHex, kidHex, nobleEd25519, verifyCertificate, verifyIdentityRecord, type Role } from '../../sdk/index.js';
import type { Sm2TrustVectors } from '../../scripts/gen-sm2-trust-vectors.js';
import { outcome } from '../helpers/outcome.js';
import { HOSTILE, hostileVariants } from '../helpers/hostile.js';

const V = JSON.parse(readFileSync('test/vectors/records-sm2.json', 'utf8')) as Sm2TrustVectors;
const trust = TrustStore.fromJSON(V.trustStore);
const reason = (f: () => unknown): string => outcome(f, TrustError);

describe('committed SM2 and mixed-algorithm trust vectors', () => {
  it('the trust store holds an SM2 root and an EdDSA root', () => {
    expect(trust.roots.map((r) => [r.country, r.alg])).toEqual([['86', -70000], ['87', undefined]]);
  });

  it('cover every algorithm reason', () => {
    const reasons = new Set([...V.certificates.failures, ...V.records.failures].map((f) => f.reason));
    for (const r of ['TRUST_ALG_MISMATCH', 'TRUST_MALFORMED', 'TRUST_WEAK_KEY', 'TRUST_BAD_SIGNATURE']) expect(reasons, r).toContain(r);
  });

  it.each(V.certificates.valid.map((c) => [c.name, c] as const))('certificate verifies: %s', (_n, c) => {
    const got = verifyCertificate(fromHex(c.hex), trust, { at: c.at, role: c.role as Role });
    expect(got.certificate.subject).toBe(c.subject);
    expect(kidHex(got.kid)).toBe(c.kid);
  });

  it.each(V.certificates.failures.map((c) => [c.name, c] as const))('certificate fails: %s', (_n, c) => {
    expect(reason(() => verifyCertificate(fromHex(c.hex), trust, { at: c.at, role: c.role as Role }))).toBe(c.reason);
  });

  it.each(V.records.valid.map((r) => [r.name, r] as const))('record verifies: %s', (_n, r) => {
    // The noble backend stands in for node's wherever a key is Ed25519: the SM2 path does not use it.
    for (const backend of [undefined, nobleEd25519]) {
      const got = verifyIdentityRecord(fromHex(r.hex), trust, { backend });
      expect(got.code.code).toBe(r.code);
      expect(kidHex(got.deviceKid)).toBe(r.deviceKid);
      expect(got.deviceAlg).toBe(r.deviceAlg);
    }
  });

  it.each(V.records.failures.map((r) => [r.name, r] as const))('record fails: %s', (_n, r) => {
    expect(reason(() => verifyIdentityRecord(fromHex(r.hex), trust))).toBe(r.reason);
  });
});

describe('flipping any single byte of an SM2 object fails with a typed reason', () => {
  const flip = (bytes: Uint8Array, at: number, xor: number): Uint8Array => {
    const out = Uint8Array.from(bytes);
    out[at]! ^= xor;
    return out;
  };
  it('SM2 identity record: random position and random non-zero xor', () => {
    const record = fromHex(V.records.valid[0]!.hex);
    fc.assert(
      fc.property(fc.nat({ max: record.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        expect(reason(() => verifyIdentityRecord(flip(record, at, x), trust))).not.toBe('VALID');
      }),
      { numRuns: 400 },
    );
  });

  it('the shared hostile table, built around SM2 objects, gets typed errors only', () => {
    const record = fromHex(V.records.valid[0]!.hex);
    const cert = fromHex(V.certificates.valid[0]!.hex);
    for (const h of [...HOSTILE, ...hostileVariants(record), ...hostileVariants(cert)]) {
      expect(reason(() => verifyIdentityRecord(h.bytes, trust)), h.name).not.toBe('VALID');
      expect(reason(() => verifyCertificate(h.bytes, trust, { at: V.times.T0, role: 'identity.issue' })), h.name).not.toBe('VALID');
    }
  });

  it('SM2 certificate: every byte position', () => {
    const c = V.certificates.valid[0]!;
    const cert = fromHex(c.hex);
    for (let i = 0; i < cert.length; i++) {
      expect(reason(() => verifyCertificate(flip(cert, i, 0x01), trust, { at: c.at, role: c.role as Role })), `byte ${i}`).not.toBe('VALID');
    }
  });
});
