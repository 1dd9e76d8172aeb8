/**
 * Algorithm agility without downgrade (docs/threat-model.md §"Algorithm substitution"): a
 * signature counts only in the algorithm its key is pinned to by the root, the certificate or
 * the identity record. Every case runs with the signer pinned to EdDSA and to SM2: the other
 * suite under the same kid, a key of the wrong kind certified, an SM2 signature with r or s
 * outside [1, n-1], a point off the curve, a flipped signature byte. Each is held to its typed
 * reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COSE_ALG_EDDSA,
  COSE_ALG_SM2_SM3,
  MessageError,
  PROTOCOL_VERSION,
  ROLES,
  TrustError,
  TrustStore,
  certificateKind,
  decodeSign1,
  generateAlgKeyPair,
  algSigner,
  hardwareBinding,
  heartbeatKind,
  identityKind,
  issueCertificate,
  loadSigner,
  signHeartbeat,
  signObject,
  signReceipt,
  verifyCertificate,
  verifyIdentityRecord,
  verifyReceipt,
  verifySign1Issuer,
  verifyUnitMessage,
  type CertificateInput,
  type Signer,
} from '../../sdk/index.js';
import { SM2_N, bigToBytes32 } from '../../sdk/crypto/sm2-curve.js';
import { makePki, type Pki, type TestUnit } from '../helpers/pki.js';
import { outcome } from '../helpers/outcome.js';

const ED = COSE_ALG_EDDSA;
const SM2 = COSE_ALG_SM2_SM3;
const other = (alg: number) => (alg === ED ? SM2 : ED);
const name = (alg: number) => (alg === ED ? 'EdDSA' : 'SM2');
const now = Math.floor(Date.now() / 1000);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rid-alg-attack-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A signer with `real`'s key and algorithm that names `victim`'s kid: an attacker's substitution. */
function posingAs(victim: Signer, real: Signer): Signer {
  return { alg: real.alg, kid: victim.kid, publicKey: real.publicKey, sign: (m) => real.sign(m) };
}

const trustReason = (fn: () => unknown) => outcome(fn, TrustError, 'accepted');
const msgReason = (fn: () => unknown) => outcome(fn, MessageError, 'accepted');
const heartbeat = (code: string) => ({
  code, boot: 1, counter: 1, time: now, uptimeS: 1, state: 'in_service', agentVersion: 'x', firmwareVersion: 'y', outboxDepth: 0, logSeq: 0, logHash: new Uint8Array(32), nextDueBy: now + 60,
});

/** The bytes with the last 64 (a COSE_Sign1's signature) replaced. */
function withSignature(bytes: Uint8Array, sig: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  out.set(sig, out.length - 64);
  return out;
}

describe.each([ED, SM2])('keys pinned to alg %i', (alg) => {
  let pki: Pki;
  let unit: TestUnit;
  let device: Signer;
  const alien = () => algSigner(generateAlgKeyPair(other(alg)));
  beforeAll(async () => {
    pki = await makePki(join(dir, String(alg)), { alg });
    unit = await pki.provision();
    device = loadSigner(join(unit.stateDir, 'device.key'));
  });

  it(`substitution: a signature in the other suite under a ${name(alg)}-pinned certificate is TRUST_ALG_MISMATCH`, async () => {
    const claim = { code: unit.code, event: 0, ack: 0, issuedAt: now };
    const forged = await signReceipt(posingAs(pki.platform.signer, alien()), pki.platform.certificate!, claim);
    const cose = decodeSign1(forged, { maxBytes: 4096 });
    expect(trustReason(() => verifySign1Issuer(cose, pki.root.trust, { at: now, role: ROLES.receiptSign }))).toBe('TRUST_ALG_MISMATCH');
    // The receipt verifier folds it into its bad-signature reason, the TrustError as cause.
    let cause: unknown;
    expect(msgReason(() => {
      try {
        verifyReceipt(forged, pki.root.trust, { code: unit.code });
      } catch (err) {
        cause = (err as Error).cause;
        throw err;
      }
    })).toBe('MSG_BAD_SIGNATURE');
    expect((cause as TrustError).code).toBe('TRUST_ALG_MISMATCH');
  });

  it(`substitution: a unit message in the other suite than the ${name(alg)} device key is MSG_ALG_MISMATCH`, async () => {
    const forged = await signHeartbeat(posingAs(device, alien()), heartbeat(unit.code));
    expect(msgReason(() => verifyUnitMessage(heartbeatKind, forged, unit.identity))).toBe('MSG_ALG_MISMATCH');
    const genuine = await signHeartbeat(device, heartbeat(unit.code));
    expect(msgReason(() => verifyUnitMessage(heartbeatKind, genuine, unit.identity))).toBe('accepted');
  });

  it('substitution: an identity record or a certificate in the other suite than its signer is TRUST_ALG_MISMATCH', async () => {
    const record = { ...unit.identity.record };
    const forgedRecord = await signObject(identityKind, record, posingAs(pki.enterprise.signer, alien()));
    expect(trustReason(() => verifyIdentityRecord(forgedRecord, pki.root.trust))).toBe('TRUST_ALG_MISMATCH');
    const cert = { ...pki.platform.verified!.certificate };
    const forgedCert = await signObject(certificateKind, cert, posingAs(pki.root.signer, alien()));
    expect(trustReason(() => verifyCertificate(forgedCert, pki.root.trust, { at: now, role: ROLES.receiptSign }))).toBe('TRUST_ALG_MISMATCH');
  });

  it(`a key of the other kind certified as ${name(alg)} is refused at certificate verification`, async () => {
    const wrong = algSigner(generateAlgKeyPair(other(alg)));
    const base = { ...pki.platform.verified!.certificate, publicKey: wrong.publicKey };
    // The pinned algorithm is this one, the key the other's (an SM2 point as EdDSA, or the reverse).
    const bytes = await signObject(certificateKind, { ...base, alg: alg === ED ? undefined : alg }, pki.root.signer);
    expect(trustReason(() => verifyCertificate(bytes, pki.root.trust, { at: now, role: ROLES.receiptSign }))).toBe('TRUST_MALFORMED');
    // issueCertificate will not make one.
    const input: CertificateInput = { ...base, alg };
    await expect(issueCertificate(pki.root.signer, input)).rejects.toMatchObject({ code: 'TRUST_WEAK_KEY' });
    // Nor may an identity record pin the device key to an algorithm its key is not of.
    const record = { ...unit.identity.record, devicePublicKey: wrong.publicKey, deviceAlg: alg === ED ? undefined : alg };
    const recordBytes = await signObject(identityKind, { ...record, v: PROTOCOL_VERSION }, pki.enterprise.signer);
    expect(trustReason(() => verifyIdentityRecord(recordBytes, pki.root.trust))).toBe('TRUST_MALFORMED');
  });

  it('a certificate naming an algorithm we do not implement is TRUST_MALFORMED', async () => {
    const bytes = await signObject(certificateKind, { ...pki.platform.verified!.certificate, alg: -7 }, pki.root.signer);
    expect(trustReason(() => verifyCertificate(bytes, pki.root.trust, { at: now, role: ROLES.receiptSign }))).toBe('TRUST_MALFORMED');
  });

  it('a flipped signature byte fails in each object kind', async () => {
    const hb = await signHeartbeat(device, heartbeat(unit.code));
    const flip = (b: Uint8Array) => {
      const out = Uint8Array.from(b);
      out[out.length - 5]! ^= 1;
      return out;
    };
    expect(msgReason(() => verifyUnitMessage(heartbeatKind, flip(hb), unit.identity))).toBe('MSG_BAD_SIGNATURE');
    expect(trustReason(() => verifyIdentityRecord(flip(unit.identity.bytes), pki.root.trust))).toBe('TRUST_BAD_SIGNATURE');
    expect(trustReason(() => verifyCertificate(flip(pki.platform.certificate!), pki.root.trust, { at: now, role: ROLES.receiptSign }))).toBe('TRUST_BAD_SIGNATURE');
  });
});

describe('SM2-only strictness', () => {
  let pki: Pki;
  let unit: TestUnit;
  let device: Signer;
  beforeAll(async () => {
    pki = await makePki(join(dir, 'strict'), { alg: SM2 });
    unit = await pki.provision();
    device = loadSigner(join(unit.stateDir, 'device.key'));
  });

  it('r or s outside [1, n-1] never verifies, whatever the rest', async () => {
    const hb = await signHeartbeat(device, heartbeat(unit.code));
    const sig = hb.subarray(hb.length - 64);
    const r = sig.subarray(0, 32);
    const s = sig.subarray(32);
    const zero = new Uint8Array(32);
    const n = bigToBytes32(SM2_N);
    const ones = new Uint8Array(32).fill(0xff);
    const cat = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);
    for (const bad of [cat(zero, s), cat(n, s), cat(ones, s), cat(r, zero), cat(r, n), cat(r, ones), cat(zero, zero)]) {
      expect(msgReason(() => verifyUnitMessage(heartbeatKind, withSignature(hb, bad), unit.identity))).toBe('MSG_BAD_SIGNATURE');
    }
    expect(msgReason(() => verifyUnitMessage(heartbeatKind, hb, unit.identity))).toBe('accepted');
  });

  it('a point off the curve is refused in a certificate, an identity record and a trust store', async () => {
    const offCurve = Uint8Array.from(pki.platform.signer.publicKey);
    offCurve[64]! ^= 1;
    const cert = await signObject(certificateKind, { ...pki.platform.verified!.certificate, publicKey: offCurve }, pki.root.signer);
    expect(trustReason(() => verifyCertificate(cert, pki.root.trust, { at: now, role: ROLES.receiptSign }))).toBe('TRUST_WEAK_KEY');
    const compressed = Uint8Array.from([0x02, ...pki.platform.signer.publicKey.subarray(1, 33)]);
    const cert33 = await signObject(certificateKind, { ...pki.platform.verified!.certificate, publicKey: compressed }, pki.root.signer);
    expect(trustReason(() => verifyCertificate(cert33, pki.root.trust, { at: now, role: ROLES.receiptSign }))).toBe('TRUST_MALFORMED');
    const record = await signObject(identityKind, { ...unit.identity.record, devicePublicKey: offCurve, hardwareBinding: hardwareBinding(unit.code, 'x') }, pki.enterprise.signer);
    expect(trustReason(() => verifyIdentityRecord(record, pki.root.trust))).toBe('TRUST_WEAK_KEY');
    const json = pki.root.trust.toJSON();
    json.roots[0]!.publicKey = Buffer.from(offCurve).toString('base64');
    expect(trustReason(() => TrustStore.fromJSON(json))).toBe('TRUST_STORE_INVALID');
    json.roots[0]!.alg = undefined; // a 65-byte key named as EdDSA
    expect(trustReason(() => TrustStore.fromJSON(json))).toBe('TRUST_STORE_INVALID');
  });
});
