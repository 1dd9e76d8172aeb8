// sdk/trust/cert-cache.ts: a verifier's own memory of root signatures already checked. A hit
// skips only the decode and the root's signature: time, role, subject kind, revocation, the
// root's presence and country are judged again on every call, and only the exact bytes hit.
import { describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import {
  CONTENT_TYPES,
  CertificateCache,
  HEADER,
  ROLES,
  Revocations,
  TrustError,
  TrustStore,
  codeScheme,
  decodeSign1,
  issueCertificate,
  kidHex,
  seedSigner,
  signSign1,
  verifyCertificate,
  verifySign1Issuer,
  type Role,
  type Signer,
} from '../../sdk/index.js';

const s = (n: number): Signer => seedSigner(new Uint8Array(32).fill(n));
const root = s(0x71);
const otherRoot = s(0x74);
const platform = s(0x72);
const impostor = s(0x73);
const T0 = 1_750_000_000;
const rootEntry = { country: '86', name: 'root', publicKey: root.publicKey, kid: root.kid, codeScheme: codeScheme({}) };
const trust = new TrustStore([rootEntry]);

function reason(f: () => unknown): string {
  return outcome(f, TrustError);
}

function platformCert(opts: { notAfter?: number; roles?: Role[]; serial?: number; by?: Signer } = {}): Promise<Uint8Array> {
  return issueCertificate(opts.by ?? root, {
    subjectKind: 'platform',
    subject: 'recall-svc',
    name: 'recall-svc',
    country: '86',
    publicKey: platform.publicKey,
    notBefore: T0,
    notAfter: opts.notAfter ?? T0 + 1000,
    roles: opts.roles ?? [ROLES.recallIssue, ROLES.indexSign],
    serial: new Uint8Array(16).fill(opts.serial ?? 0),
  });
}

const ok = { at: T0 + 1, role: ROLES.recallIssue };

describe('CertificateCache with verifyCertificate', () => {
  it('remembers a verified certificate and serves the same bytes from memory', async () => {
    const cert = await platformCert();
    const cache = new CertificateCache();
    expect(verifyCertificate(cert, trust, { ...ok, cache }).certificate.subject).toBe('recall-svc');
    expect(cache.stats).toEqual({ hits: 0, misses: 1, entries: 1 });
    // A copy of the same bytes at another offset of another buffer is the same certificate.
    const copy = new Uint8Array(cert.length + 5);
    copy.set(cert, 5);
    const v = verifyCertificate(copy.subarray(5), trust, { ...ok, cache });
    expect(cache.stats.hits).toBe(1);
    expect(v.certificate.subject).toBe('recall-svc');
    expect(kidHex(v.kid)).toBe(kidHex(platform.kid));
    expect(v.root.name).toBe('root');
  });

  it('a cached certificate still fails outside its validity window, without the role, for the wrong subject kind and when revoked', async () => {
    const cert = await platformCert();
    const cache = new CertificateCache();
    verifyCertificate(cert, trust, { ...ok, cache });
    expect(reason(() => verifyCertificate(cert, trust, { ...ok, at: T0 + 5000, cache }))).toBe('TRUST_NOT_VALID_AT_TIME');
    expect(reason(() => verifyCertificate(cert, trust, { ...ok, at: T0 - 1, cache }))).toBe('TRUST_NOT_VALID_AT_TIME');
    expect(reason(() => verifyCertificate(cert, trust, { ...ok, role: ROLES.receiptSign, cache }))).toBe('TRUST_MISSING_ROLE');
    expect(reason(() => verifyCertificate(cert, trust, { ...ok, subjectKinds: ['enterprise'], cache }))).toBe('TRUST_MISSING_ROLE');
    const revocations = new Revocations({ keys: [kidHex(platform.kid)] });
    expect(reason(() => verifyCertificate(cert, trust, { ...ok, revocations, cache }))).toBe('TRUST_REVOKED');
    // Every one of those was a hit: the checks ran against the cached certificate.
    expect(cache.stats).toEqual({ hits: 5, misses: 1, entries: 1 });
    // And the entry is still good for a valid use.
    expect(reason(() => verifyCertificate(cert, trust, { ...ok, role: ROLES.indexSign, cache }))).toBe('VALID');
  });

  it('never serves different bytes: a tampered certificate is verified and refused', async () => {
    const cert = await platformCert();
    const cache = new CertificateCache();
    verifyCertificate(cert, trust, { ...ok, cache });
    // Flip one byte of the root's signature (the last bytes of the COSE_Sign1).
    const tampered = Uint8Array.from(cert);
    tampered[tampered.length - 1]! ^= 1;
    expect(reason(() => verifyCertificate(tampered, trust, { ...ok, cache }))).toBe('TRUST_BAD_SIGNATURE');
    // Mutating the caller's array after the fact does not change what was remembered.
    const mine = Uint8Array.from(cert);
    verifyCertificate(mine, trust, { ...ok, cache });
    mine[mine.length - 1]! ^= 1;
    expect(reason(() => verifyCertificate(mine, trust, { ...ok, cache }))).toBe('TRUST_BAD_SIGNATURE');
    // A certificate signed by a key that is not a trusted root, never cached.
    const forged = await platformCert({ by: impostor });
    expect(reason(() => verifyCertificate(forged, trust, { ...ok, cache }))).toBe('TRUST_UNKNOWN_ROOT');
    expect(reason(() => verifyCertificate(forged, trust, { ...ok, cache }))).toBe('TRUST_UNKNOWN_ROOT');
    expect(cache.size).toBe(1);
    // Another certificate for the same key (another window) is its own entry, verified on its own.
    const other = await platformCert({ notAfter: T0 + 10 });
    expect(reason(() => verifyCertificate(other, trust, { ...ok, at: T0 + 500, cache }))).toBe('TRUST_NOT_VALID_AT_TIME');
    expect(cache.size).toBe(2);
  });

  it('a cached certificate is refused once its root is no longer trusted or belongs to another country', async () => {
    const cert = await platformCert();
    const cache = new CertificateCache();
    verifyCertificate(cert, trust, { ...ok, cache });
    const without = new TrustStore([{ ...rootEntry, publicKey: otherRoot.publicKey, kid: otherRoot.kid }]);
    expect(reason(() => verifyCertificate(cert, without, { ...ok, cache }))).toBe('TRUST_UNKNOWN_ROOT');
    verifyCertificate(cert, trust, { ...ok, cache });
    const elsewhere = new TrustStore([{ ...rootEntry, country: '01' }]);
    expect(reason(() => verifyCertificate(cert, elsewhere, { ...ok, cache }))).toBe('TRUST_COUNTRY_MISMATCH');
  });

  it('is bounded: the least recently used certificate goes first', async () => {
    const certs = await Promise.all([1, 2, 3].map((serial) => platformCert({ serial })));
    const cache = new CertificateCache(2);
    verifyCertificate(certs[0]!, trust, { ...ok, cache });
    verifyCertificate(certs[1]!, trust, { ...ok, cache });
    verifyCertificate(certs[0]!, trust, { ...ok, cache }); // hit: certs[1] is now the oldest
    verifyCertificate(certs[2]!, trust, { ...ok, cache });
    expect(cache.size).toBe(2);
    expect(cache.get(certs[1]!)).toBeUndefined();
    expect(cache.get(certs[0]!)).toBeDefined();
    expect(cache.get(certs[2]!)).toBeDefined();
    expect(() => new CertificateCache(0)).toThrow(RangeError);
  });

  it('what a hit returns cannot be changed to grant a role', async () => {
    const cert = await platformCert({ roles: [ROLES.recallIssue] });
    const cache = new CertificateCache();
    verifyCertificate(cert, trust, { ...ok, cache });
    const v = verifyCertificate(cert, trust, { ...ok, cache });
    expect(() => (v.certificate.roles as Role[]).push(ROLES.receiptSign)).toThrow(TypeError);
    expect(reason(() => verifyCertificate(cert, trust, { ...ok, role: ROLES.receiptSign, cache }))).toBe('TRUST_MISSING_ROLE');
  });
});

describe('CertificateCache with verifySign1Issuer', () => {
  const sign = async (signer: Signer, cert: Uint8Array, payload = 0xa0): Promise<ReturnType<typeof decodeSign1>> =>
    decodeSign1(
      await signSign1(new Uint8Array([payload]), signer, { contentType: CONTENT_TYPES.recall, unprotected: new Map([[HEADER.certificate, cert]]) }),
      { maxBytes: 4096 },
    );

  it('the message signature is verified every time, only the certificate comes from memory', async () => {
    const cert = await platformCert();
    const cache = new CertificateCache();
    const [msg1, msg2, forged, changed] = [await sign(platform, cert), await sign(platform, cert, 0x80), await sign(impostor, cert), await sign(platform, cert)];
    expect(reason(() => verifySign1Issuer(msg1, trust, { ...ok, cache }))).toBe('VALID');
    expect(reason(() => verifySign1Issuer(msg2, trust, { ...ok, cache }))).toBe('VALID');
    expect(cache.stats).toEqual({ hits: 1, misses: 1, entries: 1 });
    // The impostor's message carries the cached certificate: the kid and signature still fail.
    expect(reason(() => verifySign1Issuer(forged, trust, { ...ok, cache }))).toBe('TRUST_BAD_SIGNATURE');
    // A genuine message whose payload was changed after signing.
    changed.payload = new Uint8Array([0xa1]);
    expect(reason(() => verifySign1Issuer(changed, trust, { ...ok, cache }))).toBe('TRUST_BAD_SIGNATURE');
    expect(cache.stats.hits).toBe(3);
  });
});
