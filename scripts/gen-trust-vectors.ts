/**
 * Writes test/vectors/records.json: certificates and identity records as hex, made from FIXED
 * seeds, fixed times and fixed serials, plus chain failures each with the one TrustError code
 * verification must return.
 *
 *   npx tsx scripts/gen-trust-vectors.ts           # refuses to overwrite an existing file
 *   npx tsx scripts/gen-trust-vectors.ts --force   # regenerate on purpose (review the diff!)
 *
 * Ed25519 is deterministic and our CBOR is deterministic, so the same inputs give the same
 * bytes: test/unit/trust-vectors.test.ts rebuilds everything with `buildTrustVectors()` and
 * requires the committed hex exactly, and separately verifies each committed vector.
 * The expected reason of every failure is written here by hand; the script checks the
 * implementation agrees before writing, and fails otherwise.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { encodeCbor, type CborValue } from '../sdk/cbor/index.js';
import { signSign1 } from '../sdk/cose/sign1.js';
import { CONTENT_TYPES } from '../sdk/cose/content-types.js';
import { codeScheme } from '../sdk/code/index.js';
import { toHex } from '../sdk/crypto/hash.js';
import { kidHex, seedSigner, type Signer } from '../sdk/crypto/signer.js';
import { TrustError } from '../sdk/errors.js';
import { issueCertificate, type CertificateInput } from '../sdk/trust/certificate.js';
import { hardwareBinding, identitySchema, signIdentityRecord, type IdentityInput } from '../sdk/trust/identity.js';
import { Revocations, type RevocationInput } from '../sdk/trust/revocation.js';
import { ENTERPRISE_DEFAULT_ROLES, ROLES, type Role } from '../sdk/trust/roles.js';
import { TrustStore } from '../sdk/trust/trust-store.js';
import { verifyCertificate } from '../sdk/trust/verify-certificate.js';
import { verifyIdentityRecord } from '../sdk/trust/verify-identity.js';
import { PROTOCOL_VERSION } from '../sdk/version.js';

const OUT = 'test/vectors/records.json';

/** Test-only seeds: 32 copies of one byte. Never use such keys for anything real. */
const SEEDS = {
  root86: 0x01,
  root87: 0x07,
  rootUnknown: 0x05,
  enterprise1234: 0x02,
  enterprise5678: 0x06,
  platform: 0x03,
  device: 0x04,
  impostor: 0x08,
} as const;
type KeyName = keyof typeof SEEDS;

/** 2025-01-01T00:00:00Z and friends, in seconds. */
const T0 = 1_735_689_600;
const DAY = 86_400;
const YEAR = 365 * DAY;

const CODE = '86123456789012345678901234567';
const CODE_5678 = '86567800000100000000000000042';
const CODE_87 = '87123456789012345678901234567';

export interface CertificateVector {
  name: string;
  hex: string;
  /** The check it must pass (valid) or fail (failures). */
  at: number;
  role: Role;
  subjectKinds?: ('enterprise' | 'platform')[];
  subject?: string;
  kid?: string;
  reason?: string;
  note?: string;
}

export interface RecordVector {
  name: string;
  hex: string;
  code?: string;
  deviceKid?: string;
  enterprise?: string;
  revocations?: { keys?: string[]; codes?: string[] };
  reason?: string;
  note: string;
}

export interface TrustVectors {
  description: string;
  times: { T0: number };
  keys: Record<KeyName, { seed: string; publicKey: string; kid: string }>;
  trustStore: unknown;
  certificates: { valid: CertificateVector[]; failures: CertificateVector[] };
  records: { valid: RecordVector[]; failures: RecordVector[] };
}

function signer(name: KeyName): Signer {
  return seedSigner(new Uint8Array(32).fill(SEEDS[name]));
}

function serial(n: number): Uint8Array {
  const s = new Uint8Array(16);
  s[15] = n;
  return s;
}

function flipLast(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[out.length - 1] ^= 0x01;
  return out;
}

export async function buildTrustVectors(): Promise<TrustVectors> {
  const k = Object.fromEntries(Object.keys(SEEDS).map((n) => [n, signer(n as KeyName)])) as Record<KeyName, Signer>;
  const scheme = codeScheme({});
  const trust = new TrustStore([
    { country: '86', name: 'Test root 86', publicKey: k.root86.publicKey, kid: k.root86.kid, codeScheme: scheme },
    { country: '87', name: 'Test root 87', publicKey: k.root87.publicKey, kid: k.root87.kid, codeScheme: scheme },
  ]);

  const cert = (root: Signer, over: Partial<CertificateInput> & { publicKey: Uint8Array }, n: number): Promise<Uint8Array> =>
    issueCertificate(root, {
      subjectKind: 'enterprise',
      subject: '1234',
      name: 'Example Robotics Co.',
      country: '86',
      notBefore: T0,
      notAfter: T0 + 5 * YEAR,
      roles: [...ENTERPRISE_DEFAULT_ROLES],
      serial: serial(n),
      ...over,
    });

  const ent = await cert(k.root86, { publicKey: k.enterprise1234.publicKey }, 1);
  const ent5678 = await cert(k.root86, { publicKey: k.enterprise5678.publicKey, subject: '5678', name: 'Other Robotics' }, 2);
  const platform = await cert(
    k.root86,
    { publicKey: k.platform.publicKey, subjectKind: 'platform', subject: 'platform-recall', name: 'platform-recall', roles: [ROLES.recallIssue, ROLES.identityIssue] },
    3,
  );
  const entShort = await cert(k.root86, { publicKey: k.enterprise1234.publicKey, notAfter: T0 + YEAR }, 4);
  const entUnknownRoot = await cert(k.rootUnknown, { publicKey: k.enterprise1234.publicKey }, 5);
  const entNoIssueRole = await cert(k.root86, { publicKey: k.enterprise1234.publicKey, roles: [ROLES.recallIssue] }, 6);
  const entLate = await cert(k.root86, { publicKey: k.enterprise1234.publicKey, notBefore: T0 + 60 * DAY }, 7);
  const entWrongCountry = await cert(k.root86, { publicKey: k.enterprise1234.publicKey, country: '87' }, 8);
  const ent87 = await cert(k.root87, { publicKey: k.enterprise1234.publicKey, country: '87' }, 9);

  const base: IdentityInput = {
    code: CODE,
    devicePublicKey: k.device.publicKey,
    modelName: 'Walker H1',
    manufactureDate: '2025-01-15',
    hardwareBinding: hardwareBinding(CODE, 'machine-id:0f1e2d3c4b5a69788796a5b4c3d2e1f0'),
    issuedAt: T0 + 30 * DAY,
    recordVersion: 1,
    enterpriseCert: ent,
  };
  const record = (s: Signer, over: Partial<IdentityInput> = {}): Promise<Uint8Array> => signIdentityRecord(s, { ...base, ...over });

  const good = await record(k.enterprise1234);
  const deviceKid = kidHex(k.device.kid);
  const entKid = kidHex(k.enterprise1234.kid);

  // A payload the enterprise really signed, but not in deterministic encoding (keys reversed).
  const payloadMap = identitySchema.toCbor({ v: PROTOCOL_VERSION, ...base });
  const nondetPayload = await signSign1(reversedMapBytes(payloadMap), k.enterprise1234, { contentType: CONTENT_TYPES.identity });

  const certificates = {
    valid: [
      { name: 'enterprise 1234', hex: toHex(ent), at: T0, role: ROLES.identityIssue, subjectKinds: ['enterprise' as const], subject: '1234', kid: entKid },
      { name: 'platform recall service', hex: toHex(platform), at: T0 + YEAR, role: ROLES.recallIssue, subject: 'platform-recall', kid: kidHex(k.platform.kid) },
      { name: 'enterprise under the second root (87)', hex: toHex(ent87), at: T0, role: ROLES.identityIssue, subject: '1234', kid: entKid },
    ] as CertificateVector[],
    failures: [
      { name: 'signed by a root not in the store', hex: toHex(entUnknownRoot), at: T0, role: ROLES.identityIssue, reason: 'TRUST_UNKNOWN_ROOT' },
      { name: 'root signature altered (last byte)', hex: toHex(flipLast(ent)), at: T0, role: ROLES.identityIssue, reason: 'TRUST_BAD_SIGNATURE' },
      { name: 'checked one second after notAfter', hex: toHex(ent), at: T0 + 5 * YEAR + 1, role: ROLES.identityIssue, reason: 'TRUST_NOT_VALID_AT_TIME' },
      { name: 'checked one second before notBefore', hex: toHex(ent), at: T0 - 1, role: ROLES.identityIssue, reason: 'TRUST_NOT_VALID_AT_TIME' },
      { name: 'role not granted', hex: toHex(ent), at: T0, role: ROLES.indexSign, reason: 'TRUST_MISSING_ROLE' },
      {
        name: 'platform key where an enterprise key is required',
        hex: toHex(platform),
        at: T0,
        role: ROLES.identityIssue,
        subjectKinds: ['enterprise'],
        reason: 'TRUST_MISSING_ROLE',
      },
      { name: 'names country 87 but signed by root 86', hex: toHex(entWrongCountry), at: T0, role: ROLES.identityIssue, reason: 'TRUST_COUNTRY_MISMATCH' },
      { name: 'an identity record is not a certificate', hex: toHex(good), at: T0, role: ROLES.identityIssue, reason: 'TRUST_WRONG_KIND' },
      { name: 'truncated', hex: toHex(ent.slice(0, ent.length - 10)), at: T0, role: ROLES.identityIssue, reason: 'TRUST_MALFORMED' },
    ] as CertificateVector[],
  };

  const records = {
    valid: [
      { name: 'unit 86-1234-567890-12345678901234567', hex: toHex(good), code: CODE, deviceKid, enterprise: '1234', note: 'the reference record' },
      {
        name: 'issued under a certificate that has since expired',
        hex: toHex(await record(k.enterprise1234, { enterpriseCert: entShort })),
        code: CODE,
        deviceKid,
        enterprise: '1234',
        note: 'certificate valid T0..T0+1y, record issued T0+30d: judged at issue time, valid forever after',
      },
      {
        name: 'unit under the second root (87)',
        hex: toHex(await record(k.enterprise1234, { code: CODE_87, enterpriseCert: ent87, hardwareBinding: hardwareBinding(CODE_87, 'hw-87') })),
        code: CODE_87,
        deviceKid,
        enterprise: '1234',
        note: 'a trust store with two roots accepts units of both countries',
      },
      {
        name: 'revocation of another code does not touch this one',
        hex: toHex(good),
        code: CODE,
        deviceKid,
        enterprise: '1234',
        revocations: { codes: [CODE_5678], keys: ['00'.repeat(16)] },
        note: 'revocation lists are matched exactly',
      },
    ] as RecordVector[],
    failures: [
      { name: 'enterprise certificate from an unknown root', hex: toHex(await record(k.enterprise1234, { enterpriseCert: entUnknownRoot })), reason: 'TRUST_UNKNOWN_ROOT', note: 'root kid not in the trust store' },
      { name: 'root signature on the enterprise certificate altered', hex: toHex(await record(k.enterprise1234, { enterpriseCert: flipLast(ent) })), reason: 'TRUST_BAD_SIGNATURE', note: 'link 1: root -> enterprise' },
      { name: 'enterprise signature on the record altered', hex: toHex(flipLast(good)), reason: 'TRUST_BAD_SIGNATURE', note: 'link 2: enterprise -> record' },
      { name: 'signed by a key other than the certified one', hex: toHex(await record(k.impostor)), reason: 'TRUST_BAD_SIGNATURE', note: 'kid of the signature is not the certified key' },
      {
        name: 'record issued after its certificate expired',
        hex: toHex(await record(k.enterprise1234, { enterpriseCert: entShort, issuedAt: T0 + YEAR + 1 })),
        reason: 'TRUST_NOT_VALID_AT_TIME',
        note: 'expiry applies to new signatures',
      },
      {
        name: 'record issued before its certificate was valid',
        hex: toHex(await record(k.enterprise1234, { enterpriseCert: entLate })),
        reason: 'TRUST_NOT_VALID_AT_TIME',
        note: 'certificate valid from T0+60d, record issued T0+30d',
      },
      { name: 'certificate lacks identity.issue', hex: toHex(await record(k.enterprise1234, { enterpriseCert: entNoIssueRole })), reason: 'TRUST_MISSING_ROLE', note: 'a recall-only key cannot issue identities' },
      {
        name: 'platform certificate issuing an identity',
        hex: toHex(await record(k.platform, { enterpriseCert: platform })),
        reason: 'TRUST_MISSING_ROLE',
        note: 'only enterprise keys issue identity records, even if a platform cert lists the role',
      },
      {
        name: 'enterprise 5678 signs a code of enterprise 1234',
        hex: toHex(await record(k.enterprise5678, { enterpriseCert: ent5678 })),
        reason: 'TRUST_ENTERPRISE_MISMATCH',
        note: 'an enterprise signs only its own codes',
      },
      {
        name: 'code of country 87 under the root of 86',
        hex: toHex(await record(k.enterprise1234, { code: CODE_87, hardwareBinding: hardwareBinding(CODE_87, 'hw') })),
        reason: 'TRUST_COUNTRY_MISMATCH',
        note: 'same enterprise number, other country',
      },
      {
        name: 'certificate names country 87 under root 86',
        hex: toHex(await record(k.enterprise1234, { enterpriseCert: entWrongCountry })),
        reason: 'TRUST_COUNTRY_MISMATCH',
        note: 'certificate level',
      },
      { name: 'a certificate given as an identity record', hex: toHex(ent), reason: 'TRUST_WRONG_KIND', note: 'content type names another kind' },
      {
        name: 'enterprise certificate slot holds an identity record',
        hex: toHex(await record(k.enterprise1234, { enterpriseCert: good })),
        reason: 'TRUST_WRONG_KIND',
        note: 'content types are checked at every link',
      },
      { name: 'truncated record', hex: toHex(good.slice(0, good.length - 1)), reason: 'TRUST_MALFORMED', note: 'one byte short' },
      {
        name: 'code not in canonical form',
        hex: toHex(await record(k.enterprise1234, { code: '86-1234-567890-12345678901234567' })),
        reason: 'TRUST_MALFORMED',
        note: 'signed objects carry the canonical 29 characters only',
      },
      {
        name: 'tag 18 written in a two-byte head',
        hex: toHex(Uint8Array.from([0xd8, 0x12, ...good.slice(1)])),
        reason: 'TRUST_NONDETERMINISTIC',
        note: 'same value, non-shortest encoding of the outer structure',
      },
      {
        name: 'validly signed payload with unsorted map keys',
        hex: toHex(nondetPayload),
        reason: 'TRUST_NONDETERMINISTIC',
        note: 'the signature verifies, the encoding is still refused',
      },
      { name: 'device key revoked', hex: toHex(good), revocations: { keys: [deviceKid] }, reason: 'TRUST_REVOKED', note: 'by kid' },
      { name: 'code revoked', hex: toHex(good), revocations: { codes: [CODE] }, reason: 'TRUST_REVOKED', note: 'scrapped unit' },
      { name: 'enterprise key revoked', hex: toHex(good), revocations: { keys: [entKid] }, reason: 'TRUST_REVOKED', note: 'a compromised enterprise key' },
    ] as RecordVector[],
  };

  const keys = Object.fromEntries(
    (Object.keys(SEEDS) as KeyName[]).map((n) => [n, { seed: toHex(new Uint8Array(32).fill(SEEDS[n])), publicKey: toHex(k[n].publicKey), kid: kidHex(k[n].kid) }]),
  ) as TrustVectors['keys'];

  const vectors: TrustVectors = {
    description:
      'Known-answer vectors for certificates and identity records (sdk/trust). Generated by scripts/gen-trust-vectors.ts from fixed test-only ' +
      'seeds, times and serials; never regenerate silently. Hex is the exact COSE_Sign1 bytes. Each failure names the one TrustError code ' +
      'verification must return; revocations, where given, are passed to the verifier. Times are seconds since the epoch.',
    times: { T0 },
    keys,
    trustStore: trust.toJSON(),
    certificates,
    records,
  };
  check(vectors);
  return vectors;
}

/**
 * The same map entries in reverse label order, encoded by hand (our encoder always sorts):
 * a map head, then each key and value encoded on its own.
 */
function reversedMapBytes(map: Map<number, CborValue>): Uint8Array {
  const entries = [...map.entries()].reverse();
  const parts: Uint8Array[] = [Uint8Array.from([0xa0 | entries.length])];
  for (const [key, value] of entries) parts.push(encodeCbor(key), encodeCbor(value));
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

function revocations(r: RecordVector['revocations']): Revocations {
  return new Revocations((r ?? {}) as RevocationInput);
}

/** Refuses to write vectors the implementation disagrees with. */
function check(v: TrustVectors): void {
  const trust = TrustStore.fromJSON(v.trustStore);
  const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
  for (const c of v.certificates.valid) verifyCertificate(hex(c.hex), trust, { at: c.at, role: c.role, subjectKinds: c.subjectKinds });
  for (const c of v.certificates.failures) {
    expectReason(c.name, c.reason!, () => verifyCertificate(hex(c.hex), trust, { at: c.at, role: c.role, subjectKinds: c.subjectKinds }));
  }
  for (const r of v.records.valid) {
    const got = verifyIdentityRecord(hex(r.hex), trust, { revocations: revocations(r.revocations) });
    if (got.code.code !== r.code) throw new Error(`${r.name}: expected code ${r.code}, got ${got.code.code}`);
  }
  for (const r of v.records.failures) {
    expectReason(r.name, r.reason!, () => verifyIdentityRecord(hex(r.hex), trust, { revocations: revocations(r.revocations) }));
  }
}

function expectReason(name: string, reason: string, f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (err instanceof TrustError && err.code === reason) return;
    throw new Error(`${name}: expected ${reason}, got ${(err as Error).name} ${(err as { code?: string }).code}: ${(err as Error).message}`);
  }
  throw new Error(`${name}: expected ${reason}, but it verified`);
}

async function main(): Promise<void> {
  if (existsSync(OUT) && !process.argv.includes('--force')) {
    console.error(`${OUT} exists; vectors are never regenerated silently. Pass --force and review the diff.`);
    process.exit(1);
  }
  const v = await buildTrustVectors();
  writeFileSync(OUT, JSON.stringify(v, null, 2) + '\n');
  console.log(`wrote ${OUT}: ${v.certificates.valid.length + v.records.valid.length} valid, ${v.certificates.failures.length + v.records.failures.length} failures`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
