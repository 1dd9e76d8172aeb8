/**
 * Attacks on the printed label (docs/protocol.md §"Label payload", docs/threat-model.md §"The
 * technician's page and the printed label"), each held to its typed reason: a flipped byte
 * anywhere, another kind of object passed off as a label, a key without the issuing role, a code
 * of another enterprise, a label signed by the device key, and the shared hostile inputs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  RobotIdError,
  ROLES,
  STATE_FILES,
  certify,
  keyId,
  labelKind,
  makeTrustBundleJson,
  nobleEd25519,
  parseTrustBundle,
  signLabel,
  signObject,
  verifyLabel,
  type TrustBundle,
} from '../../sdk/index.js';
import { HOSTILE, hostileEnvelopes, hostileVariants } from '../helpers/hostile.js';
import { makePki, type Pki, type TestUnit } from '../helpers/pki.js';

let dir: string;
let pki: Pki;
let unit: TestUnit;
let label: Uint8Array;
let bundle: TrustBundle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'label-attacks-'));
  pki = await makePki(join(dir, 'pki'));
  unit = await pki.provision();
  label = new Uint8Array(readFileSync(join(unit.stateDir, STATE_FILES.label)));
  bundle = parseTrustBundle(makeTrustBundleJson({ trust: pki.root.trust, certificates: [pki.enterprise.certificate!] }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reason(bytes: Uint8Array, b: TrustBundle = bundle): string {
  try {
    verifyLabel(bytes, b, { backend: nobleEd25519 });
  } catch (err) {
    if (err instanceof RobotIdError) return err.code;
    throw err;
  }
  return 'VALID';
}

describe('label attacks', () => {
  it('a flipped bit anywhere: never valid, always a typed reason', () => {
    for (let i = 0; i < label.length; i++) {
      const bad = Uint8Array.from(label);
      bad[i]! ^= 0x04;
      expect(reason(bad), `byte ${i}`).toMatch(/^(TRUST|COSE|CBOR)_/);
    }
  });

  it('an identity record, a certificate or an attestation is not a label', () => {
    expect(reason(unit.identity.bytes)).toBe('TRUST_MALFORMED'); // over the label cap, refused before decoding
    expect(reason(pki.enterprise.certificate!)).toMatch(/TRUST_(WRONG_KIND|MALFORMED)/);
  });

  it('an enterprise key without identity.issue: TRUST_MISSING_ROLE', async () => {
    const weak = await certify({ root: pki.root, dir: join(dir, 'recall-only'), subjectKind: 'enterprise', subject: '1234', name: 'Recall only', roles: [ROLES.recallIssue] });
    const forged = await signLabel(weak.signer, { code: unit.code, modelName: 'X', devicePublicKey: unit.identity.record.devicePublicKey, issuedAt: unit.identity.record.issuedAt });
    const b = parseTrustBundle({ ...bundle.json, certificates: [...bundle.json.certificates, ...makeTrustBundleJson({ trust: pki.root.trust, certificates: [weak.certificate!] }).certificates] });
    expect(reason(forged, b)).toBe('TRUST_MISSING_ROLE');
  });

  it('a code of another enterprise: TRUST_ENTERPRISE_MISMATCH', async () => {
    const other = `86${'4321'}${unit.code.slice(6)}`;
    const forged = await signLabel(pki.enterprise.signer, { code: other, modelName: 'X', devicePublicKey: unit.identity.record.devicePublicKey, issuedAt: unit.identity.record.issuedAt });
    expect(reason(forged)).toBe('TRUST_ENTERPRISE_MISMATCH');
  });

  it('a label signed by a key whose certificate the bundle lacks (here the platform key): TRUST_UNKNOWN_SIGNER', async () => {
    const platform = { alg: -8, kid: keyId(pki.platform.signer.publicKey), publicKey: pki.platform.signer.publicKey, sign: (m: Uint8Array) => pki.platform.signer.sign(m) };
    const forged = await signObject(labelKind, { v: PROTOCOL_VERSION, code: unit.code, model: 'X', deviceKid: unit.identity.deviceKid, issuedAt: 1 }, platform);
    expect(reason(forged)).toBe('TRUST_UNKNOWN_SIGNER');
  });

  it('the shared hostile inputs: a typed reason each, never success', () => {
    for (const h of [...HOSTILE, ...hostileEnvelopes(), ...hostileVariants(label)]) expect(reason(h.bytes), `${h.kind}: ${h.name}`).toMatch(/^(TRUST|COSE|CBOR)_/);
  });
});
