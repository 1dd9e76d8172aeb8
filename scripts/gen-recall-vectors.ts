/**
 * Writes test/vectors/recalls.json: recall notices (COSE_Sign) and a recall policy as hex, made
 * from FIXED test-only seeds, times and serials, each with what a robot of a given code must
 * decide at a given time: accepted, or the one RecallRejectedError code.
 *
 *   npx tsx scripts/gen-recall-vectors.ts           # refuses to overwrite an existing file
 *   npx tsx scripts/gen-recall-vectors.ts --force   # regenerate on purpose (review the diff!)
 *
 * Ed25519 and our CBOR are deterministic: test/unit/recall-vectors.test.ts rebuilds everything
 * with buildRecallVectors() and requires the committed hex exactly, and verifies each vector.
 * The expected reasons are written here by hand; the script refuses to write if the
 * implementation disagrees.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { codeScheme, parseCode } from '../sdk/code/index.js';
import { toHex } from '../sdk/crypto/hash.js';
import { kidHex, seedSigner, type Signer } from '../sdk/crypto/signer.js';
import { RecallRejectedError } from '../sdk/errors.js';
import { signObject } from '../sdk/cose/object.js';
import { issueCertificate, type CertificateInput } from '../sdk/trust/certificate.js';
import { ENTERPRISE_DEFAULT_ROLES, ROLES } from '../sdk/trust/roles.js';
import { TrustStore } from '../sdk/trust/trust-store.js';
import { PROTOCOL_VERSION } from '../sdk/version.js';
import { policyKind, signPolicy, verifyPolicy, type Thresholds } from '../sdk/recall/policy.js';
import { cosignRecall, signRecall, type RecallInput } from '../sdk/recall/sign.js';
import { verifyRecallNotice } from '../sdk/recall/verify.js';

const OUT = 'test/vectors/recalls.json';

/** Test-only seeds: 32 copies of one byte. Never use such keys for anything real. */
const SEEDS = { root86: 0x21, platformA: 0x22, platformB: 0x23, enterprise1234: 0x24, enterprise5678: 0x25, indexKey: 0x26, lapsed: 0x27 } as const;
type KeyName = keyof typeof SEEDS;

/** 2025-01-01T00:00:00Z. */
const T0 = 1_735_689_600;
const DAY = 86_400;
const NOW = T0 + 10 * DAY;
const UNIT_A = '86123456789000000000000000001';
const UNIT_A9 = '86123456789000000000000000009';
const UNIT_B = '86123411111100000000000000001';

export interface NoticeVector {
  name: string;
  hex: string;
  /** The unit judging it and the time it judges at (seconds). */
  unit: string;
  now: number;
  thresholds?: Thresholds;
  /** 'accepted' or the RecallRejectedError code. */
  expect: string;
  note?: string;
}

export interface RecallVectors {
  description: string;
  keys: Record<KeyName, { seed: string; publicKey: string; kid: string }>;
  trustStore: unknown;
  policy: { hex: string; thresholds: Thresholds; version: number };
  notices: NoticeVector[];
}

const signer = (name: KeyName): Signer => seedSigner(new Uint8Array(32).fill(SEEDS[name]));

function serial(n: number): Uint8Array {
  const s = new Uint8Array(16);
  s[15] = n;
  return s;
}

export async function buildRecallVectors(): Promise<RecallVectors> {
  const k = Object.fromEntries(Object.keys(SEEDS).map((n) => [n, signer(n as KeyName)])) as Record<KeyName, Signer>;
  const trust = new TrustStore([{ country: '86', name: 'Test root 86', publicKey: k.root86.publicKey, kid: k.root86.kid, codeScheme: codeScheme({}) }]);
  const cert = (key: KeyName, n: number, over: Partial<CertificateInput>): Promise<Uint8Array> =>
    issueCertificate(k.root86, {
      subjectKind: 'platform',
      subject: key,
      name: key,
      country: '86',
      publicKey: k[key].publicKey,
      notBefore: T0,
      notAfter: T0 + 5 * 365 * DAY,
      roles: [ROLES.recallIssue],
      serial: serial(n),
      ...over,
    });
  const certs: Record<KeyName, Uint8Array | undefined> = {
    root86: undefined,
    platformA: await cert('platformA', 1, { subject: 'regulator-a', name: 'Regulator A' }),
    platformB: await cert('platformB', 2, { subject: 'regulator-b', name: 'Regulator B' }),
    enterprise1234: await cert('enterprise1234', 3, { subjectKind: 'enterprise', subject: '1234', name: 'Maker 1234', roles: [...ENTERPRISE_DEFAULT_ROLES] }),
    enterprise5678: await cert('enterprise5678', 4, { subjectKind: 'enterprise', subject: '5678', name: 'Maker 5678', roles: [...ENTERPRISE_DEFAULT_ROLES] }),
    indexKey: await cert('indexKey', 5, { subject: 'index-service', roles: [ROLES.indexSign] }),
    lapsed: await cert('lapsed', 6, { subject: 'regulator-old', notAfter: T0 + DAY }),
  };
  const subjectOf: Record<string, string> = { platformA: 'regulator-a', platformB: 'regulator-b', enterprise1234: '1234', enterprise5678: '5678', indexKey: 'index-service', lapsed: 'regulator-old' };
  const notice = (first: KeyName, over: Partial<RecallInput> = {}): RecallInput => ({
    recallId: 'R-2025-001',
    revision: 1,
    campaignId: 'C-2025-01',
    issuer: subjectOf[first]!,
    issuedAt: T0 + 2 * DAY,
    notBefore: T0 + 2 * DAY,
    notAfter: T0 + 60 * DAY,
    action: 'notify',
    reason: 'Hip actuator may overheat under sustained load',
    remedy: 'Update actuator firmware at a service centre',
    target: { enterprise: '1234', model: '567890' },
    status: 'active',
    ...over,
  });
  const sign = async (input: RecallInput, ...keys: KeyName[]): Promise<Uint8Array> => {
    let bytes = await signRecall(input, k[keys[0]!], certs[keys[0]!]!);
    for (const key of keys.slice(1)) bytes = await cosignRecall(bytes, k[key], certs[key]!);
    return bytes;
  };
  const policyThresholds: Thresholds = { notify: 1, restrict: 2, stop: 3 };
  const policy = await signPolicy(k.root86, { country: '86', version: 1, issuedAt: T0, thresholds: policyThresholds });

  const v = (name: string, bytes: Uint8Array, expect: string, over: Partial<NoticeVector> = {}): NoticeVector => ({ name, hex: toHex(bytes), unit: UNIT_A, now: NOW, expect, ...over });
  const stop2 = await sign(notice('platformA', { action: 'stop' }), 'platformA', 'platformB');
  const notify = await sign(notice('platformA'), 'platformA');
  const flipped = Uint8Array.from(notify);
  flipped[flipped.length - 1] ^= 0x01;
  const notices: NoticeVector[] = [
    v('notify for a model, one platform signer', notify, 'accepted'),
    v('stop, two platform subjects', stop2, 'accepted'),
    v('restrict by the enterprise for its own model', await sign(notice('enterprise1234', { action: 'restrict' }), 'enterprise1234'), 'accepted'),
    v('serial range, unit inside', await sign(notice('platformA', { target: { enterprise: '1234', model: '567890', serialFrom: '00000000000000001', serialTo: '00000000000000005' } }), 'platformA'), 'accepted'),
    v('resolution for listed codes', await sign(notice('platformA', { revision: 2, status: 'resolved', resolvedCodes: [UNIT_A] }), 'platformA'), 'accepted'),
    v('serial range, unit outside', await sign(notice('platformA', { target: { enterprise: '1234', model: '567890', serialFrom: '00000000000000001', serialTo: '00000000000000005' } }), 'platformA'), 'RECALL_TARGET', { unit: UNIT_A9 }),
    v('model A notice judged by model B', notify, 'RECALL_TARGET', { unit: UNIT_B }),
    v('stop, one signer', await sign(notice('platformA', { action: 'stop' }), 'platformA'), 'RECALL_THRESHOLD'),
    v('stop, two subjects under a policy asking three', stop2, 'RECALL_THRESHOLD', { thresholds: policyThresholds }),
    v('enterprise 5678 targets enterprise 1234', await sign(notice('enterprise5678'), 'enterprise5678'), 'RECALL_SCOPE'),
    v('enterprise targets the whole country', await sign(notice('enterprise1234', { target: { country: '86' } }), 'enterprise1234'), 'RECALL_SCOPE'),
    v('issuer field names another subject', await sign({ ...notice('platformA'), issuer: 'regulator-b' }, 'platformA'), 'RECALL_SCOPE'),
    v('key without recall.issue', await sign(notice('indexKey'), 'indexKey'), 'RECALL_ROLE'),
    v('signed after the certificate expired', await sign(notice('lapsed'), 'lapsed'), 'RECALL_CERT_EXPIRED'),
    v('last signature byte flipped', flipped, 'RECALL_BAD_SIGNATURE'),
    v('judged one second after notAfter', notify, 'RECALL_EXPIRED', { now: T0 + 60 * DAY + 1 }),
    v('judged a day before notBefore', notify, 'RECALL_NOT_YET_VALID', { now: T0 + DAY }),
    v('valid for 401 days', await sign(notice('platformA', { notAfter: T0 + 2 * DAY + 401 * DAY }), 'platformA'), 'RECALL_LIFETIME'),
    v('a recall policy presented as a recall', policy, 'RECALL_WRONG_KIND'),
    v('a COSE_Sign1 of recall content', await signObject({ ...policyKind, name: 'x', contentType: 'application/vnd.robot-id.recall+cbor' }, { v: PROTOCOL_VERSION, country: '86', version: 1, issuedAt: T0, thresholds: policyThresholds }, k.platformA), 'RECALL_WRONG_KIND', { note: 'right content type, wrong structure: recalls are always COSE_Sign' }),
    v('truncated', notify.slice(0, notify.length - 1), 'RECALL_MALFORMED'),
  ];
  // Self-check: the implementation must agree with every expectation before anything is written.
  verifyPolicy(policy, trust);
  for (const n of notices) {
    let got = 'accepted';
    try {
      verifyRecallNotice(Uint8Array.from(Buffer.from(n.hex, 'hex')), { trust, now: n.now, unit: parseCode(n.unit), thresholds: n.thresholds });
    } catch (err) {
      if (!(err instanceof RecallRejectedError)) throw err;
      got = err.code;
    }
    if (got !== n.expect) throw new Error(`vector "${n.name}": expected ${n.expect}, implementation says ${got}`);
  }
  return {
    description:
      'Known-answer vectors for recall notices (sdk/recall). Generated by scripts/gen-recall-vectors.ts from fixed test-only seeds, times and serials; never regenerate silently. Hex is the exact COSE bytes. Each notice is judged by the unit `unit` at time `now` (seconds) with the default thresholds unless `thresholds` is given; `expect` is accepted or the one RecallRejectedError code.',
    keys: Object.fromEntries(
      (Object.keys(SEEDS) as KeyName[]).map((n) => [n, { seed: toHex(new Uint8Array(32).fill(SEEDS[n])), publicKey: toHex(k[n].publicKey), kid: kidHex(k[n].kid) }]),
    ) as RecallVectors['keys'],
    trustStore: trust.toJSON(),
    policy: { hex: toHex(policy), thresholds: policyThresholds, version: 1 },
    notices,
  };
}

async function main(): Promise<void> {
  if (existsSync(OUT) && !process.argv.includes('--force')) {
    console.error(`${OUT} exists; pass --force to regenerate it on purpose`);
    process.exit(1);
  }
  writeFileSync(OUT, JSON.stringify(await buildRecallVectors(), null, 2) + '\n');
  console.log(`wrote ${OUT}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
