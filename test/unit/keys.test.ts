// sdk/keys: PKCS#8 / SPKI PEM files other tools read (the real openssl binary, when present),
// mode 0600 written and enforced like ssh, encrypted PKCS#8 with a passphrase.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  KeyError,
  fromHex,
  generateKeyPair,
  isEncryptedPem,
  loadSigner,
  nobleEd25519,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyFromPem,
  publicKeyToPem,
  readPrivateKeyFile,
  readPublicKeyFile,
  toHex,
  writePrivateKeyFile,
  writePublicKeyFile,
} from '../../sdk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'robot-id-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// RFC 8032 TEST 1: a known seed gives a known public key through the PEM round trip.
const SEED = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const PUB = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const OPENSSL = spawnSync('openssl', ['version']).status === 0;

function keyErr(f: () => unknown): KeyError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyError);
    return err as KeyError;
  }
  throw new Error('expected a KeyError');
}

describe('PEM round trip', () => {
  it('PKCS#8 and SPKI PEM carry the seed and public key exactly', () => {
    const pem = privateKeyToPem(SEED);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const pair = privateKeyFromPem(pem);
    expect(toHex(pair.seed)).toBe(toHex(SEED));
    expect(toHex(pair.publicKey)).toBe(PUB);
    const pub = publicKeyToPem(fromHex(PUB));
    expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(toHex(publicKeyFromPem(pub))).toBe(PUB);
    // RFC 8410 DER: the raw key follows the fixed prefixes
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(der.subarray(0, 16).toString('hex')).toBe('302e020100300506032b657004220420');
    expect(der.subarray(16).toString('hex')).toBe(toHex(SEED));
  });

  it('generated pairs are fresh and consistent', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(toHex(a.seed)).not.toBe(toHex(b.seed));
    expect(toHex(privateKeyFromPem(privateKeyToPem(a.seed)).publicKey)).toBe(toHex(a.publicKey));
  });

  it.each([
    ['garbage', 'not a key'],
    ['empty', ''],
    ['a public key where a private key belongs', publicKeyToPem(fromHex(PUB))],
  ])('private key from %s is KEY_FORMAT', (_w, pem) => {
    expect(keyErr(() => privateKeyFromPem(pem)).code).toBe('KEY_FORMAT');
  });

  it('another key type is KEY_FORMAT naming the type', () => {
    const ec = execFileSync(process.execPath, [
      '-e',
      "const {generateKeyPairSync}=require('crypto');const k=generateKeyPairSync('ec',{namedCurve:'P-256'});process.stdout.write(k.privateKey.export({type:'pkcs8',format:'pem'})+'|'+k.publicKey.export({type:'spki',format:'pem'}))",
    ]).toString();
    const [priv, pub] = ec.split('|') as [string, string];
    expect(keyErr(() => privateKeyFromPem(priv)).message).toMatch(/expected an Ed25519 key, got ec/);
    expect(keyErr(() => publicKeyFromPem(pub)).message).toMatch(/expected an Ed25519 key, got ec/);
    expect(keyErr(() => publicKeyFromPem('junk')).code).toBe('KEY_FORMAT');
  });
});

describe('key files and modes', () => {
  it('private key files are written 0600, public 0644, and read back', () => {
    const priv = join(dir, 'a.pem');
    const pub = join(dir, 'a.pub.pem');
    writePrivateKeyFile(priv, { seed: SEED, publicKey: fromHex(PUB) });
    writePublicKeyFile(pub, fromHex(PUB));
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    expect(statSync(pub).mode & 0o777).toBe(0o644);
    expect(toHex(readPrivateKeyFile(priv).seed)).toBe(toHex(SEED));
    expect(toHex(readPublicKeyFile(pub))).toBe(PUB);
    expect(toHex(loadSigner(priv, { backend: nobleEd25519 }).publicKey)).toBe(PUB);
  });

  it.each([0o644, 0o640, 0o604, 0o660])('a private key with mode %o is refused with KEY_PERMISSIONS, like ssh', (mode) => {
    const priv = join(dir, `perm-${mode.toString(8)}.pem`);
    writePrivateKeyFile(priv, { seed: SEED, publicKey: fromHex(PUB) });
    chmodSync(priv, mode);
    const e = keyErr(() => readPrivateKeyFile(priv));
    expect(e.code).toBe('KEY_PERMISSIONS');
    expect(e.message).toContain(`got ${mode.toString(8).padStart(4, '0')}`);
    expect(e.message).toContain('chmod 600');
    expect(() => loadSigner(priv)).toThrow(KeyError);
    chmodSync(priv, 0o600);
    expect(toHex(readPrivateKeyFile(priv).publicKey)).toBe(PUB);
  });

  it.skipIf(process.getuid?.() !== 0)('a private key owned by another user is refused with KEY_PERMISSIONS, like ssh (needs root to chown)', () => {
    const priv = join(dir, 'foreign-owner.pem');
    writePrivateKeyFile(priv, { seed: SEED, publicKey: fromHex(PUB) });
    chownSync(priv, 4242, 4242);
    const e = keyErr(() => readPrivateKeyFile(priv));
    expect(e.code).toBe('KEY_PERMISSIONS');
    expect(e.message).toContain('got uid 4242');
    expect(e.message).toContain('chown');
    chownSync(priv, process.getuid!(), process.getgid!());
    expect(toHex(readPrivateKeyFile(priv).publicKey)).toBe(PUB);
  });

  it('a missing file is KEY_NOT_FOUND', () => {
    expect(keyErr(() => readPrivateKeyFile(join(dir, 'nope.pem'))).code).toBe('KEY_NOT_FOUND');
    expect(keyErr(() => readPublicKeyFile(join(dir, 'nope.pub.pem'))).code).toBe('KEY_NOT_FOUND');
  });
});

describe('encrypted PKCS#8', () => {
  const file = join(dir, 'enc.pem');

  it('encrypts with a passphrase; the right one opens it, a wrong or missing one is KEY_PASSPHRASE', () => {
    writePrivateKeyFile(file, { seed: SEED, publicKey: fromHex(PUB) }, { passphrase: 'correct horse' });
    const text = readFileSync(file, 'utf8');
    expect(isEncryptedPem(text)).toBe(true);
    expect(text).not.toContain(Buffer.from(SEED).toString('base64').slice(0, 20));
    expect(toHex(readPrivateKeyFile(file, { passphrase: 'correct horse' }).seed)).toBe(toHex(SEED));
    const wrong = keyErr(() => readPrivateKeyFile(file, { passphrase: 'battery staple' }));
    expect(wrong.code).toBe('KEY_PASSPHRASE');
    expect(wrong.message).not.toContain('battery');
    expect(keyErr(() => readPrivateKeyFile(file)).code).toBe('KEY_PASSPHRASE');
    expect(keyErr(() => privateKeyToPem(SEED, '')).code).toBe('KEY_PASSPHRASE');
  });
});

describe.skipIf(!OPENSSL)('the real openssl binary opens our files', () => {
  it('openssl pkey reads the private key and derives the same public key', () => {
    const priv = join(dir, 'ossl.pem');
    writePrivateKeyFile(priv, { seed: SEED, publicKey: fromHex(PUB) });
    const text = execFileSync('openssl', ['pkey', '-in', priv, '-noout', '-text']).toString();
    expect(text).toMatch(/ED25519 Private-Key/);
    const hex = (label: string): string =>
      text
        .split(label)[1]!
        .split(/\n[a-z]/i)[0]!
        .replace(/[^0-9a-f]/gi, '');
    expect(hex('priv:')).toBe(toHex(SEED));
    expect(hex('pub:')).toBe(PUB);
    const pubPem = execFileSync('openssl', ['pkey', '-in', priv, '-pubout']).toString();
    expect(pubPem).toBe(publicKeyToPem(fromHex(PUB)));
  });

  it('openssl pkey -pubin reads our public key file', () => {
    const pub = join(dir, 'ossl.pub.pem');
    writePublicKeyFile(pub, fromHex(PUB));
    const text = execFileSync('openssl', ['pkey', '-pubin', '-in', pub, '-noout', '-text']).toString();
    expect(text.replace(/[^0-9a-f]/gi, '')).toContain(PUB);
  });

  it('openssl opens the encrypted key with the passphrase and refuses a wrong one', () => {
    const priv = join(dir, 'ossl-enc.pem');
    const pass = join(dir, 'pass.txt');
    writePrivateKeyFile(priv, { seed: SEED, publicKey: fromHex(PUB) }, { passphrase: 's3cret pass' });
    writeFileSync(pass, 's3cret pass\n', { mode: 0o600 });
    const out = execFileSync('openssl', ['pkey', '-in', priv, '-passin', `file:${pass}`, '-pubout']).toString();
    expect(out).toBe(publicKeyToPem(fromHex(PUB)));
    const bad = spawnSync('openssl', ['pkey', '-in', priv, '-passin', 'pass:wrong', '-pubout']);
    expect(bad.status).not.toBe(0);
  });

  it('a key openssl generated is read by us', () => {
    const priv = join(dir, 'from-openssl.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', priv]);
    chmodSync(priv, 0o600);
    const pair = readPrivateKeyFile(priv);
    const pubPem = execFileSync('openssl', ['pkey', '-in', priv, '-pubout']).toString();
    expect(toHex(publicKeyFromPem(pubPem))).toBe(toHex(pair.publicKey));
  });
});
