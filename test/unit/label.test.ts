/**
 * The label payload (docs/protocol.md §"Label payload"): signed at provisioning, a version 10
 * QR code at most, verified against a trust bundle on both Ed25519 backends, and every
 * rejection held to its typed reason.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LABEL_MAX_BYTES,
  LABEL_PAYLOAD_MAX_CHARS,
  STATE_FILES,
  certify,
  decodeLabelPayload,
  encodeLabelPayload,
  fitUtf8,
  initRoot,
  makeTrustBundleJson,
  nobleEd25519,
  parseTrustBundle,
  payloadKind,
  signLabel,
  verifyLabel,
  ENTERPRISE_DEFAULT_ROLES,
  type TrustBundle,
} from '../../sdk/index.js';
import { makePki, type Pki, type TestUnit } from '../helpers/pki.js';

let tmp: string;
let pki: Pki;
let unit: TestUnit;
let bundle: TrustBundle;
let label: Uint8Array;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'label-'));
  pki = await makePki(join(tmp, 'pki'));
  unit = await pki.provision(undefined, { modelName: 'Walker S2 Pro Max' });
  label = new Uint8Array(readFileSync(join(unit.stateDir, STATE_FILES.label)));
  bundle = parseTrustBundle(makeTrustBundleJson({ trust: pki.root.trust, certificates: [pki.enterprise.certificate!] }));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('label', () => {
  it('is written at provisioning and verifies on both backends, naming the unit and its device key', () => {
    for (const backend of [undefined, nobleEd25519]) {
      const v = verifyLabel(label, bundle, { backend });
      expect(v.code.code).toBe(unit.code);
      expect(v.label.model).toBe('Walker S2 P');
      expect(Buffer.from(v.label.deviceKid)).toEqual(Buffer.from(unit.identity.deviceKid));
      expect(v.enterprise.certificate.subject).toBe('1234');
    }
  });

  it('fits a version 10 QR code at level M, whatever the model name', async () => {
    const longest = await signLabel(pki.enterprise.signer, { code: unit.code, modelName: '人形机器人旗舰型号超长名称', devicePublicKey: unit.identity.record.devicePublicKey, issuedAt: 2 ** 32 - 1 });
    expect(longest.length).toBeLessThanOrEqual(LABEL_MAX_BYTES);
    for (const bytes of [label, longest]) {
      const text = encodeLabelPayload(bytes);
      expect(text.length).toBeLessThanOrEqual(LABEL_PAYLOAD_MAX_CHARS);
      expect(QRCode.create(text, { errorCorrectionLevel: 'M' }).version).toBeLessThanOrEqual(10);
      expect(payloadKind(text)).toBe('label');
      expect(Buffer.from(decodeLabelPayload(text.toLowerCase()))).toEqual(Buffer.from(bytes));
    }
    expect(fitUtf8('人形机器人', 11)).toBe('人形机');
  });

  it('fails with its reason: altered, unknown enterprise, revoked, scrapped, oversize', async () => {
    const flipped = Uint8Array.from(label);
    flipped[label.length - 70] ^= 1; // inside the payload
    expect(() => verifyLabel(flipped, bundle)).toThrow(expect.objectContaining({ code: 'TRUST_BAD_SIGNATURE' }));
    const sig = Uint8Array.from(label);
    sig[label.length - 1] ^= 1;
    expect(() => verifyLabel(sig, bundle)).toThrow(expect.objectContaining({ code: 'TRUST_BAD_SIGNATURE' }));

    const otherRoot = initRoot({ dir: join(tmp, 'other-root'), country: '86' });
    const other = await certify({ root: otherRoot, dir: join(tmp, 'other-ent'), subjectKind: 'enterprise', subject: '1234', name: 'Copycat', roles: [...ENTERPRISE_DEFAULT_ROLES] });
    const foreign = await signLabel(other.signer, { code: unit.code, modelName: 'X', devicePublicKey: unit.identity.record.devicePublicKey, issuedAt: 1_800_000_000 });
    expect(() => verifyLabel(foreign, bundle)).toThrow(expect.objectContaining({ code: 'TRUST_UNKNOWN_SIGNER' }));

    const revoked = parseTrustBundle({ ...bundle.json, revocations: { codes: [unit.code] } });
    expect(() => verifyLabel(label, revoked)).toThrow(expect.objectContaining({ code: 'TRUST_REVOKED' }));
    const scrapped = parseTrustBundle({ ...bundle.json, revocations: { scrapped: [unit.code] } });
    expect(() => verifyLabel(label, scrapped)).toThrow(/scrapped/);
    expect(() => verifyLabel(new Uint8Array(LABEL_MAX_BYTES + 1), bundle)).toThrow(expect.objectContaining({ code: 'TRUST_MALFORMED' }));
    expect(() => decodeLabelPayload('RL1:' + 'A'.repeat(400))).toThrow(expect.objectContaining({ code: 'QR_TOO_LARGE' }));
  });

  it('refuses a bundle that is not one, naming what is wrong', () => {
    expect(() => parseTrustBundle({ format: 'robot-id-trust/1' })).toThrow(/expected format "robot-id-bundle\/1"/);
    expect(() => parseTrustBundle({ ...bundle.json, certificates: ['!!'] })).toThrow(/certificates\[0\]/);
  });
});
