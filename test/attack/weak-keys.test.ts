/**
 * Small-order and non-canonical Ed25519 public keys (test/vectors/ed25519-weak-keys.json):
 * OpenSSL, and so node:crypto, accepts R = identity, S = 0 for every message under a
 * small-order key. Such keys are refused wherever a key enters trust: both backends' verify,
 * certifying, loading a trust store, verifying a certificate or an identity record.
 */
import { createPublicKey, verify as rawVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ed from '@noble/ed25519';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  TrustStore,
  certificateKind,
  fromHex,
  initRoot,
  issueCertificate,
  nobleEd25519,
  nodeEd25519,
  signObject,
  verifyCertificate,
  weakEd25519Key,
  ROLES,
} from '../../sdk/index.js';

interface Vectors {
  forgedSignature: string;
  smallOrder: { key: string; order: number }[];
  nonCanonical: { key: string; why: string }[];
}
const V = JSON.parse(readFileSync(new URL('../vectors/ed25519-weak-keys.json', import.meta.url), 'utf8')) as Vectors;
const forged = fromHex(V.forgedSignature);
const dir = mkdtempSync(join(tmpdir(), 'rid-weak-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the vectors are what they say', () => {
  it.each(V.smallOrder)('$key decodes (canonically) to a point of order $order', ({ key }) => {
    const p = ed.Point.fromHex(key);
    expect(p.isSmallOrder()).toBe(true);
    expect(p.toHex()).toBe(key);
  });

  it.each(V.nonCanonical)('$key is not a canonical encoding ($why)', ({ key }) => {
    expect(() => ed.Point.fromHex(key)).toThrow();
  });

  it('raw node:crypto accepts the forged signature under the identity key: the reason for the checks', () => {
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(V.smallOrder[0]!.key, 'hex')]);
    expect(rawVerify(null, Buffer.from('any message at all'), createPublicKey({ key: spki, format: 'der', type: 'spki' }), forged)).toBe(true);
  });
});

describe.each([nodeEd25519, nobleEd25519])('verify with the $name backend', (backend) => {
  it.each([...V.smallOrder.map((v) => v.key), ...V.nonCanonical.map((v) => v.key)])('refuses every signature under %s', (key) => {
    expect(weakEd25519Key(fromHex(key))).toBeDefined();
    expect(backend.verify(forged, new TextEncoder().encode('pay 1000 to mallory'), fromHex(key))).toBe(false);
  });
});

describe('weak keys never enter trust', () => {
  const root = initRoot({ dir: join(dir, 'root'), country: '86' });
  const now = Math.floor(Date.now() / 1000);
  const input = (publicKey: Uint8Array) => ({
    subjectKind: 'platform' as const,
    subject: 'weak-platform',
    serial: new Uint8Array(16),
    name: 'Weak',
    country: '86',
    publicKey,
    roles: [ROLES.recallIssue],
    notBefore: now - 60,
    notAfter: now + 3600,
  });

  it.each(V.smallOrder.map((v) => v.key))('certifying %s is refused (TRUST_WEAK_KEY)', async (key) => {
    await expect(issueCertificate(root.signer, input(fromHex(key)))).rejects.toMatchObject({ code: 'TRUST_WEAK_KEY' });
  });

  it.each(V.smallOrder.map((v) => v.key))('a certificate a root did sign for %s does not verify (TRUST_WEAK_KEY)', async (key) => {
    const bytes = await signObject(certificateKind, { v: PROTOCOL_VERSION, ...input(fromHex(key)) }, root.signer);
    expect(() => verifyCertificate(bytes, root.trust, { at: now, role: ROLES.recallIssue })).toThrow(expect.objectContaining({ code: 'TRUST_WEAK_KEY' }));
  });

  it.each([...V.smallOrder.map((v) => v.key), ...V.nonCanonical.map((v) => v.key)])('a trust store with the root key %s is refused', (key) => {
    const json = { format: 'robot-id-trust/1', roots: [{ country: '86', name: 'weak', publicKey: Buffer.from(key, 'hex').toString('base64') }] };
    expect(() => TrustStore.fromJSON(json, 'test')).toThrow(expect.objectContaining({ code: 'TRUST_STORE_INVALID' }));
  });
});
