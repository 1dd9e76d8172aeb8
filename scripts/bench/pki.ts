/**
 * A throw-away chain of trust for benchmarks and the fleet simulation: a root, one enterprise
 * (identity.issue) and one platform (recall.issue, receipt.sign, index.sign), in authority
 * directories under a temp dir, plus units made in memory: a fresh device key and an identity
 * record signed by the enterprise, exactly as `provisionUnit` makes them but without writing a
 * state directory per unit (10,000 of those would measure the disk, not the product).
 */
import { join } from 'node:path';
import {
  certify,
  algSigner,
  generateAlgKeyPair,
  hardwareBinding,
  initRoot,
  loadAuthority,
  signIdentityRecord,
  verifyIdentityRecord,
  ROLES,
  type Authority,
  type Signer,
  type VerifiedIdentity,
} from '../../sdk/index.js';

export const COUNTRY = '86';
export const ENTERPRISE = '1234';
export const MODEL = '000001';

export interface Pki {
  dir: string;
  root: Authority;
  enterprise: Authority;
  platform: Authority;
}

/** `alg`: the COSE alg of every key (default EdDSA; COSE_ALG_SM2_SM3 for an SM2 fleet). */
export async function makePki(dir: string, alg?: number): Promise<Pki> {
  const root = initRoot({ dir: join(dir, 'root'), country: COUNTRY, alg });
  const notBefore = Math.floor(Date.now() / 1000) - 3600;
  const enterprise = await certify({ root, dir: join(dir, 'enterprise'), subjectKind: 'enterprise', subject: ENTERPRISE, name: 'Bench Robotics', roles: [ROLES.identityIssue], notBefore, alg });
  const platform = await certify({
    root,
    alg,
    dir: join(dir, 'platform'),
    subjectKind: 'platform',
    subject: 'bench-platform',
    name: 'Bench platform',
    roles: [ROLES.recallIssue, ROLES.receiptSign, ROLES.indexSign],
    notBefore,
  });
  return { dir, root, enterprise, platform };
}

export function loadPki(dir: string): Pki {
  return { dir, root: loadAuthority(join(dir, 'root')), enterprise: loadAuthority(join(dir, 'enterprise')), platform: loadAuthority(join(dir, 'platform')) };
}

/** The i-th unit's canonical code (default scheme: 29 digits, no check character). */
export function unitCode(i: number, model = MODEL): string {
  return `${COUNTRY}${ENTERPRISE}${model}${String(i).padStart(17, '0')}`;
}

export interface Unit {
  code: string;
  /** The device's private key: an Ed25519 seed or an SM2 scalar (see signer.alg). */
  seed: Uint8Array;
  signer: Signer;
  identity: VerifiedIdentity;
}

export async function makeUnit(enterprise: Authority, code: string, now = Math.floor(Date.now() / 1000), alg?: number): Promise<Unit> {
  const pair = generateAlgKeyPair(alg);
  const bytes = await signIdentityRecord(enterprise.signer, {
    code,
    devicePublicKey: pair.publicKey,
    deviceAlg: pair.alg,
    modelName: 'Bench H1',
    manufactureDate: new Date(now * 1000).toISOString().slice(0, 10),
    hardwareBinding: hardwareBinding(code, `hw-${code}`),
    issuedAt: now,
    recordVersion: 1,
    enterpriseCert: enterprise.certificate!,
  });
  return { code, seed: pair.privateKey, signer: algSigner(pair), identity: verifyIdentityRecord(bytes, enterprise.trust) };
}
