/**
 * The factory step: a device key and a signed identity record for one unit, written into its
 * state directory, plus a registration record for the platform's registry.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { KeyError, TrustError } from '../errors.js';
import { COSE_ALG_EDDSA, kidHex } from '../crypto/signer.js';
import { isSupportedAlg } from '../crypto/alg.js';
import { generateAlgKeyPair } from '../keys/alg-keys.js';
import { writeAlgPrivateKeyFile } from '../keys/files.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';
import { parseCode } from '../code/index.js';
import type { Authority } from '../authority/authority.js';
import { hardwareBinding, signIdentityRecord } from '../trust/identity.js';
import { signLabel } from '../label/sign.js';
import { verifyIdentityRecord, type VerifiedIdentity } from '../trust/verify-identity.js';
import { STATE_FILES, STATE_LAYOUT_VERSION } from './state-dir.js';
import { issueUnitBrokerCredentials } from '../broker/provision.js';

export const REGISTRATION_FORMAT = 'robot-id-registration/1';

export interface Registration {
  format: string;
  code: string;
  enterprise: string;
  model: string;
  modelName: string;
  deviceKid: string;
  /** Base64 of the identity record bytes. */
  identity: string;
  /** Seconds since the epoch. */
  provisionedAt: number;
  /** The unit's mosquitto password-file line (`code:$7$...`, a PBKDF2 hash; docs/broker.md). */
  brokerPasswd?: string;
}

export interface ProvisionInput {
  enterprise: Authority;
  code: string;
  modelName: string;
  hardwareId: string;
  stateDir: string;
  /** YYYY-MM-DD; default today (UTC). */
  manufactureDate?: string;
  /** Seconds since the epoch; default now. */
  now?: number;
  /** A JSON-lines registry file to append the registration to. */
  registryFile?: string;
  /** A mosquitto password file to add the unit's broker login to (docs/broker.md). */
  brokerPasswdFile?: string;
  /** COSE alg of the device key (default EdDSA); may differ from the enterprise key's. */
  alg?: number;
}

export interface Provisioned {
  identity: VerifiedIdentity;
  registration: Registration;
  stateDir: string;
}

export async function provisionUnit(input: ProvisionInput): Promise<Provisioned> {
  const ent = input.enterprise;
  if (ent.meta.kind !== 'enterprise' || !ent.certificate) {
    throw new KeyError('KEY_FORMAT', `${ent.dir}: expected an enterprise authority, got ${ent.meta.kind}`);
  }
  const root = ent.verified!.root;
  const code = parseCode(input.code, root.codeScheme);
  if (code.enterprise !== ent.meta.subject) {
    throw new TrustError('TRUST_ENTERPRISE_MISMATCH', `code ${code.code} belongs to enterprise ${code.enterprise}, not ${ent.meta.subject}`);
  }
  if (input.hardwareId.trim().length === 0) throw new RangeError('hardwareId: expected a non-empty identifier');
  if (existsSync(join(input.stateDir, STATE_FILES.identity))) {
    throw new KeyError('KEY_FORMAT', `${input.stateDir}: already provisioned; refusing to overwrite its identity`);
  }
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const manufactureDate = input.manufactureDate ?? new Date(now * 1000).toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(manufactureDate)) throw new RangeError(`manufactureDate: expected YYYY-MM-DD, got ${manufactureDate}`);
  const deviceAlg = input.alg ?? COSE_ALG_EDDSA;
  if (!isSupportedAlg(deviceAlg)) throw new RangeError(`device key algorithm: expected EdDSA (-8) or SM2-SM3 (-70000), got ${deviceAlg}`);
  const device = generateAlgKeyPair(deviceAlg);
  const bytes = await signIdentityRecord(ent.signer, {
    code: code.code,
    devicePublicKey: device.publicKey,
    deviceAlg,
    modelName: input.modelName,
    manufactureDate,
    hardwareBinding: hardwareBinding(code.code, input.hardwareId),
    issuedAt: now,
    recordVersion: 1,
    enterpriseCert: ent.certificate,
  });
  const identity = verifyIdentityRecord(bytes, ent.trust);
  mkdirSync(input.stateDir, { recursive: true, mode: 0o750 });
  writeAlgPrivateKeyFile(join(input.stateDir, STATE_FILES.deviceKey), device);
  writeFileAtomicSync(join(input.stateDir, STATE_FILES.identity), bytes);
  // The label printed on the unit: signed with the same key and role, at the same time.
  const label = await signLabel(ent.signer, { code: code.code, modelName: input.modelName, devicePublicKey: device.publicKey, deviceAlg, issuedAt: now });
  writeFileAtomicSync(join(input.stateDir, STATE_FILES.label), label);
  ent.trust.save(join(input.stateDir, STATE_FILES.trust));
  const registration: Registration = {
    format: REGISTRATION_FORMAT,
    code: code.code,
    enterprise: code.enterprise,
    model: code.model,
    modelName: input.modelName,
    deviceKid: kidHex(identity.deviceKid),
    identity: Buffer.from(bytes).toString('base64'),
    provisionedAt: now,
  };
  // Broker login (docs/broker.md): broker.json (0600) in the state dir, the hash for the operator.
  registration.brokerPasswd = issueUnitBrokerCredentials(input.stateDir, code.code, input.brokerPasswdFile).passwdLine;
  writeFileAtomicSync(join(input.stateDir, STATE_FILES.registration), JSON.stringify(registration, null, 2) + '\n');
  writeFileAtomicSync(join(input.stateDir, STATE_FILES.layout), JSON.stringify({ layout: STATE_LAYOUT_VERSION, code: code.code }) + '\n');
  if (input.registryFile) appendRegistration(input.registryFile, registration);
  return { identity, registration, stateDir: input.stateDir };
}

/** Appends one registration as a JSON line and fsyncs, so a registry never loses a unit. */
export function appendRegistration(file: string, registration: Registration): void {
  appendFileSync(file, JSON.stringify(registration) + '\n', { mode: 0o644 });
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
