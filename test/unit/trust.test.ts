// sdk/trust beyond the committed vectors: the trust store file, the time rule (judged at issue
// time), issuer verification for objects carrying the signer's certificate, hardware binding.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import {
  CONTENT_TYPES,
  ENTERPRISE_DEFAULT_ROLES,
  ROLES,
  TrustError,
  TrustStore,
  codeScheme,
  decodeSign1,
  hardwareBinding,
  issueCertificate,
  seedSigner,
  signIdentityRecord,
  signSign1,
  toHex,
  verifyCertificate,
  verifyIdentityRecord,
  verifySign1Issuer,
  HEADER,
  type CborValue,
  type Signer,
} from '../../sdk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'robot-id-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const s = (n: number): Signer => seedSigner(new Uint8Array(32).fill(n));
const root = s(0x61);
const ent = s(0x62);
const platform = s(0x63);
const T0 = 1_750_000_000;
const CODE = '86123456789012345678901234567';
const trust = new TrustStore([{ country: '86', name: 'root', publicKey: root.publicKey, kid: root.kid, codeScheme: codeScheme({}) }]);

function reason(f: () => unknown): string {
  return outcome(f, TrustError);
}

async function entCert(notBefore: number, notAfter: number): Promise<Uint8Array> {
  return issueCertificate(root, {
    subjectKind: 'enterprise',
    subject: '1234',
    name: 'E',
    country: '86',
    publicKey: ent.publicKey,
    notBefore,
    notAfter,
    roles: [...ENTERPRISE_DEFAULT_ROLES],
    serial: new Uint8Array(16),
  });
}

async function recordAt(issuedAt: number, cert: Uint8Array): Promise<Uint8Array> {
  return signIdentityRecord(ent, {
    code: CODE,
    devicePublicKey: s(0x64).publicKey,
    modelName: 'M',
    manufactureDate: '2025-06-15',
    hardwareBinding: hardwareBinding(CODE, 'hw'),
    issuedAt,
    recordVersion: 1,
    enterpriseCert: cert,
  });
}

describe('time: a record is judged at its issue time', () => {
  it('the certificate window is inclusive at both ends; outside it the record is TRUST_NOT_VALID_AT_TIME', async () => {
    const cert = await entCert(T0, T0 + 1000);
    for (const [at, want] of [
      [T0 - 1, 'TRUST_NOT_VALID_AT_TIME'],
      [T0, 'VALID'],
      [T0 + 500, 'VALID'],
      [T0 + 1000, 'VALID'],
      [T0 + 1001, 'TRUST_NOT_VALID_AT_TIME'],
    ] as const) {
      const rec = await recordAt(at, cert);
      expect(reason(() => verifyIdentityRecord(rec, trust)), `issuedAt T0${at - T0 >= 0 ? '+' : ''}${at - T0}`).toBe(want);
    }
  });

  it('the verifier has no clock: a record verifies the same whatever the date (even a robot booting in 1970)', async () => {
    const rec = await recordAt(T0 + 10, await entCert(T0, T0 + 100));
    const real = Date.now;
    try {
      for (const fake of [0, (T0 + 10_000_000) * 1000]) {
        Date.now = () => fake;
        expect(verifyIdentityRecord(rec, trust).code.code).toBe(CODE);
      }
    } finally {
      Date.now = real;
    }
  });

  it('the failure message names the window and the time judged', async () => {
    const rec = await recordAt(T0 + 2000, await entCert(T0, T0 + 1000));
    expect(() => verifyIdentityRecord(rec, trust)).toThrow(/valid 2025-06-15T15:06:40Z\.\.2025-06-15T15:23:20Z, not at 2025-06-15T15:40:00Z/);
  });
});

describe('issuer verification (certificate in the unprotected header)', () => {
  async function platformCert(roles = [ROLES.recallIssue]): Promise<Uint8Array> {
    return issueCertificate(root, {
      subjectKind: 'platform',
      subject: 'recall-svc',
      name: 'recall-svc',
      country: '86',
      publicKey: platform.publicKey,
      notBefore: T0,
      notAfter: T0 + 1000,
      roles,
      serial: new Uint8Array(16),
    });
  }
  const sign = async (signer: Signer, cert?: CborValue): Promise<ReturnType<typeof decodeSign1>> =>
    decodeSign1(
      await signSign1(new Uint8Array([0xa0]), signer, {
        contentType: CONTENT_TYPES.recall,
        unprotected: cert === undefined ? undefined : new Map([[HEADER.certificate, cert]]),
      }),
      { maxBytes: 4096 },
    );

  it('accepts the certified key with the role at the time', async () => {
    const v = verifySign1Issuer(await sign(platform, await platformCert()), trust, { at: T0 + 1, role: ROLES.recallIssue });
    expect(v.certificate.subject).toBe('recall-svc');
  });

  it.each([
    ['no certificate', 'none', 'TRUST_UNKNOWN_SIGNER'],
    ['certificate header not bytes', 'text', 'TRUST_MALFORMED'],
    ['signed by another key than the certified one', 'impostor', 'TRUST_BAD_SIGNATURE'],
    ['role not granted', 'role', 'TRUST_MISSING_ROLE'],
    ['outside the validity window', 'time', 'TRUST_NOT_VALID_AT_TIME'],
  ])('%s -> %s', async (_what, how, want) => {
    const cert = await platformCert();
    const msg =
      how === 'none' ? await sign(platform) : how === 'text' ? await sign(platform, 'cert') : how === 'impostor' ? await sign(ent, cert) : await sign(platform, cert);
    const check = { at: how === 'time' ? T0 + 5000 : T0 + 1, role: how === 'role' ? ROLES.indexSign : ROLES.recallIssue };
    expect(reason(() => verifySign1Issuer(msg, trust, check))).toBe(want);
  });
});

describe('trust store file', () => {
  it('round-trips through JSON and a file', () => {
    const path = join(dir, 'trust.json');
    trust.save(path);
    const back = TrustStore.load(path);
    expect(back.roots).toHaveLength(1);
    expect(toHex(back.roots[0]!.publicKey)).toBe(toHex(root.publicKey));
    expect(back.rootByKid(root.kid)?.country).toBe('86');
    expect(back.rootsForCountry('86')).toHaveLength(1);
  });

  it('merges roots of several countries (robots cross borders), duplicates collapse', () => {
    const other = new TrustStore([{ country: '87', name: 'r87', publicKey: s(0x70).publicKey, kid: s(0x70).kid, codeScheme: codeScheme({}) }]);
    const merged = trust.merge(other).merge(trust);
    expect(merged.roots.map((r) => r.country).sort()).toEqual(['86', '87']);
  });

  it.each([
    ['not an object', 5, /expected a JSON object/],
    ['wrong format', { format: 'x', roots: [] }, /expected format/],
    ['no roots', { format: 'robot-id-trust/1', roots: [] }, /non-empty "roots"/],
    ['bad country', { format: 'robot-id-trust/1', roots: [{ country: '8', name: 'r', publicKey: 'AA==' }] }, /country: expected 2/],
    ['short key', { format: 'robot-id-trust/1', roots: [{ country: '86', name: 'r', publicKey: 'AA==' }] }, /32 bytes/],
    ['bad scheme', { format: 'robot-id-trust/1', roots: [{ country: '86', name: 'r', publicKey: Buffer.alloc(32, 7).toString('base64'), codeScheme: { charset: 'emoji' } }] }, /codeScheme/],
  ])('%s is TRUST_STORE_INVALID', (_w, json, message) => {
    expect(() => TrustStore.fromJSON(json)).toThrow(message);
    expect(reason(() => TrustStore.fromJSON(json))).toBe('TRUST_STORE_INVALID');
  });

  it('a missing or non-JSON file is TRUST_STORE_INVALID', () => {
    expect(reason(() => TrustStore.load(join(dir, 'none.json')))).toBe('TRUST_STORE_INVALID');
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(reason(() => TrustStore.load(join(dir, 'bad.json')))).toBe('TRUST_STORE_INVALID');
  });
});

describe('hardware binding and certificates', () => {
  it('binding is salted by the code, trims the identifier, and is 32 bytes', () => {
    const a = hardwareBinding(CODE, 'serial-1');
    expect(a).toHaveLength(32);
    expect(toHex(hardwareBinding(CODE, '  serial-1\n'))).toBe(toHex(a));
    expect(toHex(hardwareBinding('86123456789012345678901234568', 'serial-1'))).not.toBe(toHex(a));
    expect(toHex(hardwareBinding(CODE, 'serial-2'))).not.toBe(toHex(a));
  });

  it('issueCertificate refuses an empty validity window (misuse)', async () => {
    await expect(entCert(T0, T0)).rejects.toThrow(RangeError);
  });

  it('non-bytes input from a caller is TRUST_MALFORMED, not a raw exception', () => {
    expect(reason(() => verifyIdentityRecord(undefined as never, trust))).toBe('TRUST_MALFORMED');
    expect(reason(() => verifyCertificate('x' as never, trust, { at: T0, role: ROLES.identityIssue }))).toBe('TRUST_MALFORMED');
  });

  it('a certificate checked for a role it lacks names both', async () => {
    const c = await entCert(T0, T0 + 10);
    expect(() => verifyCertificate(c, trust, { at: T0, role: ROLES.receiptSign })).toThrow(/expected role receipt.sign, has identity.issue, recall.issue, order.issue/);
  });
});
