/**
 * Writes test/vectors/records-sm2.json: certificates and identity records of a mixed world (root
 * 86 on SM2 with SM3, root 87 on EdDSA) as hex, from FIXED keys, times and serials, plus the
 * algorithm failures (docs/protocol.md §"Algorithm pinning") each with the one TrustError code
 * verification must return.
 *
 *   npx tsx scripts/gen-sm2-trust-vectors.ts           # refuses to overwrite an existing file
 *   npx tsx scripts/gen-sm2-trust-vectors.ts --force   # regenerate on purpose (review the diff!)
 *
 * Unlike records.json these cannot be rebuilt byte for byte: an SM2 signature takes a fresh
 * random nonce. test/unit/sm2-vectors.test.ts verifies each committed vector as it stands.
 * The expected reason of every failure is written here by hand; the script checks the
 * implementation agrees before writing, and fails otherwise.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { codeScheme } from '../sdk/code/index.js';
import { signObject } from '../sdk/cose/object.js';
import { toHex } from '../sdk/crypto/hash.js';
import { COSE_ALG_EDDSA, kidHex, seedSigner, type Signer } from '../sdk/crypto/signer.js';
import { COSE_ALG_SM2_SM3, sm2Signer } from '../sdk/crypto/sm2-signer.js';
import { SM2_N, bigToBytes32 } from '../sdk/crypto/sm2-curve.js';
import { TrustError } from '../sdk/errors.js';
import { certificateKind, issueCertificate, type CertificateInput } from '../sdk/trust/certificate.js';
import { hardwareBinding, identityKind, signIdentityRecord, type IdentityInput } from '../sdk/trust/identity.js';
import { ENTERPRISE_DEFAULT_ROLES, ROLES } from '../sdk/trust/roles.js';
import { TrustStore } from '../sdk/trust/trust-store.js';
import { verifyCertificate } from '../sdk/trust/verify-certificate.js';
import { verifyIdentityRecord } from '../sdk/trust/verify-identity.js';
import { PROTOCOL_VERSION } from '../sdk/version.js';
import type { CertificateVector, RecordVector } from './gen-trust-vectors.js';

const OUT = 'test/vectors/records-sm2.json';

/** Test-only keys: 32 copies of one byte (an Ed25519 seed or an SM2 scalar). Never use such keys for anything real. */
const KEYS = {
  root86: { alg: COSE_ALG_SM2_SM3, byte: 0x11 },
  root87: { alg: COSE_ALG_EDDSA, byte: 0x17 },
  enterprise1234: { alg: COSE_ALG_SM2_SM3, byte: 0x12 },
  enterpriseEd: { alg: COSE_ALG_EDDSA, byte: 0x16 },
  device: { alg: COSE_ALG_SM2_SM3, byte: 0x14 },
  deviceEd: { alg: COSE_ALG_EDDSA, byte: 0x15 },
} as const;
type KeyName = keyof typeof KEYS;

const T0 = 1_735_689_600;
const YEAR = 365 * 86_400;
const CODE = '86123456789012345678901234567';
const CODE_87 = '87123456789012345678901234567';

export interface Sm2TrustVectors {
  description: string;
  times: { T0: number };
  keys: Record<KeyName, { alg: number; secret: string; publicKey: string; kid: string }>;
  trustStore: unknown;
  certificates: { valid: CertificateVector[]; failures: CertificateVector[] };
  records: { valid: (RecordVector & { deviceAlg: number })[]; failures: RecordVector[] };
}

function signer(name: KeyName): Signer {
  const { alg, byte } = KEYS[name];
  const secret = new Uint8Array(32).fill(byte);
  return alg === COSE_ALG_SM2_SM3 ? sm2Signer(secret) : seedSigner(secret);
}

/** Signs with `real`'s key and algorithm but names `victim`'s kid: an algorithm substitution. */
function posingAs(victim: Signer, real: Signer): Signer {
  return { alg: real.alg, kid: victim.kid, publicKey: real.publicKey, sign: (m) => real.sign(m) };
}

/** A COSE_Sign1 with its signature's r (or s) replaced: the last 64 bytes are r || s. */
function withScalar(bytes: Uint8Array, which: 'r' | 's', value: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  out.set(value, out.length - 64 + (which === 'r' ? 0 : 32));
  return out;
}

function serial(n: number): Uint8Array {
  const s = new Uint8Array(16);
  s[15] = n;
  return s;
}

export async function buildSm2TrustVectors(): Promise<Sm2TrustVectors> {
  const k = Object.fromEntries(Object.keys(KEYS).map((n) => [n, signer(n as KeyName)])) as Record<KeyName, Signer>;
  const scheme = codeScheme({});
  const trust = new TrustStore([
    { country: '86', name: 'Test SM2 root 86', publicKey: k.root86.publicKey, kid: k.root86.kid, codeScheme: scheme, alg: COSE_ALG_SM2_SM3 },
    { country: '87', name: 'Test EdDSA root 87', publicKey: k.root87.publicKey, kid: k.root87.kid, codeScheme: scheme },
  ]);
  const base: Omit<CertificateInput, 'publicKey'> = {
    subjectKind: 'enterprise', subject: '1234', name: 'Example Robotics Co.', country: '86', notBefore: T0, notAfter: T0 + 5 * YEAR, roles: [...ENTERPRISE_DEFAULT_ROLES], serial: serial(1),
  };
  const ent = await issueCertificate(k.root86, { ...base, publicKey: k.enterprise1234.publicKey, alg: COSE_ALG_SM2_SM3 });
  const entEdUnderSm2 = await issueCertificate(k.root86, { ...base, publicKey: k.enterpriseEd.publicKey, serial: serial(2) });
  const ent87Sm2 = await issueCertificate(k.root87, { ...base, country: '87', publicKey: k.enterprise1234.publicKey, alg: COSE_ALG_SM2_SM3, serial: serial(3) });
  // Made without issueCertificate, which refuses them.
  const raw = (root: Signer, over: Record<string, unknown>) => signObject(certificateKind, { v: PROTOCOL_VERSION, ...base, publicKey: k.enterprise1234.publicKey, serial: serial(9), ...over }, root);
  const sm2AsEd = await raw(k.root86, {});
  const edAsSm2 = await raw(k.root86, { publicKey: k.enterpriseEd.publicKey, alg: COSE_ALG_SM2_SM3 });
  const offCurveKey = Uint8Array.from(k.enterprise1234.publicKey);
  offCurveKey[64] ^= 1;
  const offCurve = await raw(k.root86, { publicKey: offCurveKey, alg: COSE_ALG_SM2_SM3 });
  const unknownAlg = await raw(k.root86, { alg: -7 });
  const substituted = await raw(posingAs(k.root86, k.root87), { alg: COSE_ALG_SM2_SM3 });
  const entKid = kidHex(k.enterprise1234.kid);

  const certificates = {
    valid: [
      { name: 'SM2 enterprise under the SM2 root 86', hex: toHex(ent), at: T0, role: ROLES.identityIssue, subject: '1234', kid: entKid },
      { name: 'EdDSA enterprise under the SM2 root 86', hex: toHex(entEdUnderSm2), at: T0, role: ROLES.identityIssue, subject: '1234', kid: kidHex(k.enterpriseEd.kid) },
      { name: 'SM2 enterprise under the EdDSA root 87', hex: toHex(ent87Sm2), at: T0, role: ROLES.identityIssue, subject: '1234', kid: entKid },
    ] as CertificateVector[],
    failures: [
      { name: 'an SM2 point certified without alg (as EdDSA)', hex: toHex(sm2AsEd), at: T0, role: ROLES.identityIssue, reason: 'TRUST_MALFORMED' },
      { name: 'an Ed25519 key certified as SM2', hex: toHex(edAsSm2), at: T0, role: ROLES.identityIssue, reason: 'TRUST_MALFORMED' },
      { name: 'an SM2 point off the curve', hex: toHex(offCurve), at: T0, role: ROLES.identityIssue, reason: 'TRUST_WEAK_KEY' },
      { name: 'an algorithm we do not implement (-7)', hex: toHex(unknownAlg), at: T0, role: ROLES.identityIssue, reason: 'TRUST_MALFORMED' },
      { name: 'EdDSA signature under the SM2 root kid (substitution)', hex: toHex(substituted), at: T0, role: ROLES.identityIssue, reason: 'TRUST_ALG_MISMATCH' },
      { name: 'root signature r = 0', hex: toHex(withScalar(ent, 'r', new Uint8Array(32))), at: T0, role: ROLES.identityIssue, reason: 'TRUST_BAD_SIGNATURE' },
      { name: 'root signature r = n', hex: toHex(withScalar(ent, 'r', bigToBytes32(SM2_N))), at: T0, role: ROLES.identityIssue, reason: 'TRUST_BAD_SIGNATURE' },
      { name: 'root signature s = n', hex: toHex(withScalar(ent, 's', bigToBytes32(SM2_N))), at: T0, role: ROLES.identityIssue, reason: 'TRUST_BAD_SIGNATURE' },
    ] as CertificateVector[],
  };

  const rec: IdentityInput = {
    code: CODE, devicePublicKey: k.device.publicKey, deviceAlg: COSE_ALG_SM2_SM3, modelName: 'Walker H1', manufactureDate: '2025-01-15',
    hardwareBinding: hardwareBinding(CODE, 'machine-id:sm2'), issuedAt: T0 + 86_400, recordVersion: 1, enterpriseCert: ent,
  };
  const good = await signIdentityRecord(k.enterprise1234, rec);
  const rawRecord = (s: Signer, over: Record<string, unknown>) => signObject(identityKind, { v: PROTOCOL_VERSION, ...rec, ...over }, s);
  const records = {
    valid: [
      { name: 'SM2 device, SM2 enterprise, SM2 root', hex: toHex(good), code: CODE, deviceKid: kidHex(k.device.kid), deviceAlg: COSE_ALG_SM2_SM3, enterprise: '1234', note: 'the SM2 reference record' },
      {
        name: 'EdDSA device under the SM2 enterprise',
        hex: toHex(await signIdentityRecord(k.enterprise1234, { ...rec, devicePublicKey: k.deviceEd.publicKey, deviceAlg: COSE_ALG_EDDSA })),
        code: CODE, deviceKid: kidHex(k.deviceEd.kid), deviceAlg: COSE_ALG_EDDSA, enterprise: '1234', note: 'a device key may differ from its enterprise key; EdDSA is written as an absent deviceAlg',
      },
      {
        name: 'SM2 device, SM2 enterprise, under the EdDSA root 87',
        hex: toHex(await signIdentityRecord(k.enterprise1234, { ...rec, code: CODE_87, enterpriseCert: ent87Sm2, hardwareBinding: hardwareBinding(CODE_87, 'hw-87') })),
        code: CODE_87, deviceKid: kidHex(k.device.kid), deviceAlg: COSE_ALG_SM2_SM3, enterprise: '1234', note: 'one trust store, roots of both kinds',
      },
    ],
    failures: [
      { name: 'enterprise signature altered (last byte)', hex: toHex(withScalar(good, 's', Uint8Array.from(good.subarray(good.length - 32)).map((b, i) => (i === 31 ? b ^ 1 : b)))), reason: 'TRUST_BAD_SIGNATURE', note: 'SM2 link enterprise -> record' },
      { name: 'EdDSA signature under the SM2 enterprise kid (substitution)', hex: toHex(await rawRecord(posingAs(k.enterprise1234, k.enterpriseEd), {})), reason: 'TRUST_ALG_MISMATCH', note: 'the certificate pins SM2' },
      { name: 'SM2 device point without deviceAlg (as EdDSA)', hex: toHex(await rawRecord(k.enterprise1234, { deviceAlg: undefined })), reason: 'TRUST_MALFORMED', note: 'a 65-byte key cannot be an EdDSA key' },
      { name: 'Ed25519 device key pinned to SM2', hex: toHex(await rawRecord(k.enterprise1234, { devicePublicKey: k.deviceEd.publicKey })), reason: 'TRUST_MALFORMED', note: 'a 32-byte key cannot be an SM2 key' },
      { name: 'SM2 device point off the curve', hex: toHex(await rawRecord(k.enterprise1234, { devicePublicKey: offCurveKey })), reason: 'TRUST_WEAK_KEY', note: 'checked at the record, not at first use' },
      { name: 'enterprise certificate of an SM2 point named EdDSA', hex: toHex(await rawRecord(k.enterprise1234, { enterpriseCert: sm2AsEd })), reason: 'TRUST_MALFORMED', note: 'refused at certificate verification' },
    ] as RecordVector[],
  };

  const keys = Object.fromEntries(
    Object.entries(k).map(([n, s]) => [n, { alg: s.alg, secret: toHex(new Uint8Array(32).fill(KEYS[n as KeyName].byte)), publicKey: toHex(s.publicKey), kid: kidHex(s.kid) }]),
  ) as Sm2TrustVectors['keys'];
  const v: Sm2TrustVectors = {
    description: 'robot-id SM2-with-SM3 and mixed-algorithm chain-of-trust vectors (docs/protocol.md §"Algorithm pinning"). Test keys are 32 copies of one byte: never use them.',
    times: { T0 },
    keys,
    trustStore: trust.toJSON(),
    certificates,
    records,
  };
  check(v);
  return v;
}

/** Refuses to write vectors the implementation disagrees with. */
function check(v: Sm2TrustVectors): void {
  const trust = TrustStore.fromJSON(v.trustStore);
  const outcome = (f: () => unknown): string => {
    try {
      f();
      return 'VALID';
    } catch (err) {
      if (err instanceof TrustError) return err.code;
      throw err;
    }
  };
  const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
  for (const c of [...v.certificates.valid, ...v.certificates.failures]) {
    const got = outcome(() => verifyCertificate(fromHex(c.hex), trust, { at: c.at, role: c.role }));
    if (got !== (c.reason ?? 'VALID')) throw new Error(`certificate vector "${c.name}": expected ${c.reason ?? 'VALID'}, got ${got}`);
  }
  for (const r of [...v.records.valid, ...v.records.failures]) {
    const got = outcome(() => verifyIdentityRecord(fromHex(r.hex), trust));
    if (got !== (r.reason ?? 'VALID')) throw new Error(`record vector "${r.name}": expected ${r.reason ?? 'VALID'}, got ${got}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (existsSync(OUT) && !process.argv.includes('--force')) {
    console.error(`${OUT} exists; vectors are never regenerated silently (use --force and review the diff)`);
    process.exit(1);
  }
  writeFileSync(OUT, JSON.stringify(await buildSm2TrustVectors(), null, 2) + '\n');
  console.log(`wrote ${OUT}`);
}
