// SM2 key files (docs/key-handling.md): PKCS#8 / SPKI PEM with the SM2 curve OID, written 0600,
// optionally encrypted, opened by the real openssl binary; key files of either algorithm read by
// the key itself; an authority or a device whose key is of another algorithm than its
// certificate or identity record pins is refused.
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUTHORITY_FILES,
  COSE_ALG_EDDSA,
  COSE_ALG_SM2_SM3,
  KeyError,
  algPrivateKeyToPem,
  certify,
  generateAlgKeyPair,
  initRoot,
  loadAuthority,
  loadSigner,
  readAlgPrivateKeyFile,
  sm2KeyId,
  sm2PublicKeyFromPem,
  toHex,
  writeAlgPrivateKeyFile,
  writeAlgPublicKeyFile,
} from '../../sdk/index.js';
import { checkIdentity } from '../../agent/startup/identity.js';
import { makePki } from '../helpers/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'robot-id-sm2-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const OPENSSL = spawnSync('openssl', ['version']).status === 0;
const SM2 = COSE_ALG_SM2_SM3;

function keyCode(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof KeyError) return err.code;
    throw err;
  }
  return 'OK';
}

describe('SM2 key files', () => {
  it('round trip: PKCS#8 0600 and SPKI, read back by the key itself as SM2', () => {
    const pair = generateAlgKeyPair(SM2);
    const priv = join(dir, 'sm2.pem');
    const pub = join(dir, 'sm2.pub.pem');
    writeAlgPrivateKeyFile(priv, pair);
    writeAlgPublicKeyFile(pub, SM2, pair.publicKey);
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    expect(readFileSync(priv, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const back = readAlgPrivateKeyFile(priv);
    expect(back.alg).toBe(SM2);
    expect(toHex(back.privateKey)).toBe(toHex(pair.privateKey));
    expect(toHex(back.publicKey)).toBe(toHex(pair.publicKey));
    expect(toHex(sm2PublicKeyFromPem(readFileSync(pub, 'utf8')))).toBe(toHex(pair.publicKey));
    const signer = loadSigner(priv);
    expect(signer.alg).toBe(SM2);
    expect(toHex(signer.kid)).toBe(toHex(sm2KeyId(pair.publicKey)));
    chmodSync(priv, 0o644);
    expect(keyCode(() => readAlgPrivateKeyFile(priv))).toBe('KEY_PERMISSIONS');
  });

  it('encrypted with a passphrase: refused without it or with a wrong one, never echoed', () => {
    const pair = generateAlgKeyPair(SM2);
    const priv = join(dir, 'sm2-enc.pem');
    writeAlgPrivateKeyFile(priv, pair, { passphrase: 'correct horse' });
    expect(readFileSync(priv, 'utf8')).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(toHex(readAlgPrivateKeyFile(priv, { passphrase: 'correct horse' }).privateKey)).toBe(toHex(pair.privateKey));
    expect(keyCode(() => readAlgPrivateKeyFile(priv))).toBe('KEY_PASSPHRASE');
    expect(keyCode(() => readAlgPrivateKeyFile(priv, { passphrase: 'battery staple' }))).toBe('KEY_PASSPHRASE');
    expect(keyCode(() => algPrivateKeyToPem(pair, ''))).toBe('KEY_PASSPHRASE');
  });

  it('a key of neither algorithm (P-256) or no key at all is KEY_FORMAT', () => {
    const p256 = join(dir, 'p256.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(p256, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    expect(keyCode(() => readAlgPrivateKeyFile(p256))).toBe('KEY_FORMAT');
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a key\n', { mode: 0o600 });
    expect(keyCode(() => readAlgPrivateKeyFile(junk))).toBe('KEY_FORMAT');
  });
});

describe.skipIf(!OPENSSL)('the real openssl binary and SM2 key files', () => {
  it('openssl pkey reads our private key (plain and encrypted) and derives the same public key', () => {
    const pair = generateAlgKeyPair(SM2);
    const priv = join(dir, 'ossl-sm2.pem');
    writeAlgPrivateKeyFile(priv, pair);
    const pubPem = execFileSync('openssl', ['pkey', '-in', priv, '-pubout']).toString();
    expect(toHex(sm2PublicKeyFromPem(pubPem))).toBe(toHex(pair.publicKey));
    const enc = join(dir, 'ossl-sm2-enc.pem');
    writeAlgPrivateKeyFile(enc, pair, { passphrase: 's3cret' });
    const pubEnc = execFileSync('openssl', ['pkey', '-in', enc, '-passin', 'pass:s3cret', '-pubout']).toString();
    expect(toHex(sm2PublicKeyFromPem(pubEnc))).toBe(toHex(pair.publicKey));
  });

  it('an SM2 key openssl generated is read by us as SM2', () => {
    const priv = join(dir, 'from-openssl-sm2.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', priv]);
    chmodSync(priv, 0o600);
    const pair = readAlgPrivateKeyFile(priv);
    expect(pair.alg).toBe(SM2);
    const pubPem = execFileSync('openssl', ['pkey', '-in', priv, '-pubout']).toString();
    expect(toHex(sm2PublicKeyFromPem(pubPem))).toBe(toHex(pair.publicKey));
  });
});

describe('a key of another algorithm than its certificate or identity record pins', () => {
  it('an authority directory: KEY_MISMATCH', async () => {
    const root = initRoot({ dir: join(dir, 'root'), country: '86', alg: SM2 });
    expect(root.meta.alg).toBe('sm2');
    expect(loadAuthority(join(dir, 'root')).signer.alg).toBe(SM2);
    const ent = await certify({ root, dir: join(dir, 'ent'), subjectKind: 'enterprise', subject: '1234', name: 'E', roles: ['identity.issue'], alg: SM2 });
    expect(ent.verified!.alg).toBe(SM2);
    writeAlgPrivateKeyFile(join(dir, 'ent', AUTHORITY_FILES.key), generateAlgKeyPair(COSE_ALG_EDDSA));
    expect(keyCode(() => loadAuthority(join(dir, 'ent')))).toBe('KEY_MISMATCH');
    // A root has no certificate: its authority.json names the algorithm the key must have.
    writeAlgPrivateKeyFile(join(dir, 'root', AUTHORITY_FILES.key), generateAlgKeyPair(COSE_ALG_EDDSA));
    expect(keyCode(() => loadAuthority(join(dir, 'root')))).toBe('KEY_MISMATCH');
  });

  it('the agent at start-up: START_KEY_MISMATCH', async () => {
    const pki = await makePki(join(dir, 'pki'), { alg: SM2 });
    const unit = await pki.provision();
    expect(checkIdentity(unit.config()).signer.alg).toBe(SM2);
    writeAlgPrivateKeyFile(join(unit.stateDir, 'device.key'), generateAlgKeyPair(COSE_ALG_EDDSA));
    expect(() => checkIdentity(unit.config())).toThrow(expect.objectContaining({ code: 'START_KEY_MISMATCH' }) as Error);
  });
});
