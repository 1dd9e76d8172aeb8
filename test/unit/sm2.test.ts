// sdk/crypto/sm2*.ts: SM2-with-SM3 held to the published GB/T 32918.5 example (test/vectors/sm2.json),
// to the openssl command line in both directions (with and without the standard identifier), to
// sm-crypto (an independent JavaScript implementation), to a hostile-input table, and to a slow
// textbook verifier (test/helpers/sm2-reference.ts) on 200 random keys and signatures.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import smCrypto from 'sm-crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, kidHex, toHex } from '../../sdk/index.js';
import { SM2_A, SM2_B, SM2_GX, SM2_GY, SM2_N, SM2_P, mulAddX, resetKeyCombs } from '../../sdk/crypto/sm2-curve.js';
import {
  generateSm2KeyPair,
  sm2KeyPairFromObject,
  sm2PrivateKeyFromPem,
  sm2PrivateKeyToPem,
  sm2PublicKey,
  sm2PublicKeyFromPem,
  sm2PublicKeyToPem,
  validSm2PublicKey,
} from '../../sdk/crypto/sm2-keys.js';
import { COSE_ALG_SM2_SM3, sm2KeyId, sm2Signer } from '../../sdk/crypto/sm2-signer.js';
import { DEFAULT_SM2_ID, sm2Sign, sm2SignWithNonceForTest, sm2Verify, sm2ZA } from '../../sdk/crypto/sm2.js';
import { ascii, big, fromDer, hex32, inv, md, ref, refAdd, refMul, refVerify, sm3, toDer } from '../helpers/sm2-reference.js';

interface Sm2Vector {
  name: string;
  id: string;
  message: string;
  privateKey: string;
  publicKey: string;
  za: string;
  e: string;
  k: string;
  x1: string;
  r: string;
  s: string;
}
const FILE = JSON.parse(readFileSync('test/vectors/sm2.json', 'utf8')) as { source: string; vectors: Sm2Vector[] };
const V = FILE.vectors[0]!;

function mutate(sig: Uint8Array, seed: number): Uint8Array {
  const out = Uint8Array.from(sig);
  out[seed % 64]! ^= 1 << (seed % 8);
  return out;
}

describe('GB/T 32918.5 Appendix A (test/vectors/sm2.json)', () => {
  const d = fromHex(V.privateKey);
  const pub = fromHex(V.publicKey);
  const msg = ascii(V.message);

  it('the vector file cites its source; the curve constants are the recommended curve', () => {
    expect(FILE.source).toMatch(/GB\/T 32918\.5/);
    expect(Buffer.from(fromHex(V.id)).toString('ascii')).toBe('1234567812345678');
    expect([SM2_P, SM2_A, SM2_B, SM2_N, SM2_GX, SM2_GY]).toEqual([ref.p, ref.a, ref.b, ref.n, ref.g.x, ref.g.y]);
    // an independent consistency check of the transcription: r = (e + x1) mod n, and e = SM3(Z_A || M)
    expect(hex32(md(big(V.e) + big(V.x1), ref.n))).toBe(V.r.toLowerCase());
    expect(toHex(sm3(fromHex(V.za), msg))).toBe(V.e.toLowerCase());
  });

  it('public key, Z_A and the signature with the published k are reproduced exactly', () => {
    expect(toHex(sm2PublicKey(d))).toBe(V.publicKey.toLowerCase());
    expect(toHex(sm2ZA(pub))).toBe(V.za.toLowerCase());
    expect(toHex(sm2ZA(pub, fromHex(V.id)))).toBe(V.za.toLowerCase());
    const sig = sm2SignWithNonceForTest(msg, d, big(V.k));
    expect(sig && toHex(sig)).toBe((V.r + V.s).toLowerCase());
  });

  it('verifies, and so does the textbook reference; any other message, key or ID does not', () => {
    const sig = fromHex(V.r + V.s);
    expect(sm2Verify(sig, msg, pub)).toBe(true);
    expect(refVerify(sig, msg, pub)).toBe(true);
    expect(sm2Verify(sig, ascii('message digesT'), pub)).toBe(false);
    expect(sm2Verify(sig, msg, pub, new Uint8Array(0))).toBe(false);
    expect(sm2Verify(sig, msg, pub, ascii('ALICE123@YAHOO.COM'))).toBe(false);
    expect(sm2Verify(sig, msg, generateSm2KeyPair().publicKey)).toBe(false);
  });
});

describe('openssl command line (OpenSSL 3)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'robot-id-sm2-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, data?: string | Uint8Array): string => {
    const path = join(dir, name);
    if (data !== undefined) writeFileSync(path, data);
    return path;
  };
  const opensslVerify = (pubPem: string, msg: Uint8Array, sig: Uint8Array, distid: boolean): boolean => {
    const args = ['pkeyutl', '-verify', '-pubin', '-inkey', file('pub.pem', pubPem), '-rawin', '-digest', 'sm3'];
    args.push('-in', file('msg.bin', msg), '-sigfile', file('sig.der', toDer(sig)));
    if (distid) args.push('-pkeyopt', 'distid:1234567812345678');
    try {
      execFileSync('openssl', args, { stdio: 'pipe' });
      return true;
    } catch {
      // openssl exits 1 with "Signature Verification Failure": the answer, not an error
      return false;
    }
  };

  it('the published vector verifies under openssl with the standard distid only', () => {
    const pem = sm2PublicKeyToPem(fromHex(V.publicKey));
    expect(opensslVerify(pem, ascii(V.message), fromHex(V.r + V.s), true)).toBe(true);
    expect(opensslVerify(pem, ascii(V.message), fromHex(V.r + V.s), false)).toBe(false);
  });

  it('our signatures verify with -pkeyopt distid:1234567812345678 and fail without it', () => {
    const { privateKey, publicKey } = generateSm2KeyPair();
    const pem = sm2PublicKeyToPem(publicKey);
    for (let i = 0; i < 4; i++) {
      const msg = randomBytes(1 + i * 50);
      const sig = sm2Sign(msg, privateKey);
      expect(opensslVerify(pem, msg, sig, true)).toBe(true);
      expect(opensslVerify(pem, msg, sig, false)).toBe(false);
      expect(opensslVerify(pem, msg, mutate(sig, i * 13), true)).toBe(false);
    }
  });

  it('openssl signatures made with the distid verify here; its default (empty ID) ones do not', () => {
    const keyPath = file('key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', keyPath], { stdio: 'pipe' });
    const pair = sm2PrivateKeyFromPem(readFileSync(keyPath, 'utf8'));
    const msg = ascii('robot-id SM2 interop');
    const sign = (distid: boolean): Uint8Array => {
      const args = ['pkeyutl', '-sign', '-inkey', keyPath, '-rawin', '-digest', 'sm3', '-in', file('m.bin', msg)];
      if (distid) args.push('-pkeyopt', 'distid:1234567812345678');
      return fromDer(execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    };
    for (let i = 0; i < 3; i++) expect(sm2Verify(sign(true), msg, pair.publicKey)).toBe(true);
    expect(sm2Verify(sign(false), msg, pair.publicKey)).toBe(false);
    // and our signature under the key openssl generated, read back through PEM
    expect(opensslVerify(sm2PublicKeyToPem(pair.publicKey), msg, sm2Sign(msg, pair.privateKey), true)).toBe(true);
  });

  it('our PEM keys are read by openssl pkey as SM2 keys with the same public point', () => {
    const { privateKey, publicKey } = generateSm2KeyPair();
    const text = execFileSync('openssl', ['pkey', '-in', file('ours.pem', sm2PrivateKeyToPem(privateKey)), '-text', '-noout'], { encoding: 'utf8' });
    expect(text).toMatch(/ASN1 OID: SM2/);
    const pubHex = /pub:\s*([\s0-9a-f:]+)/.exec(text)![1]!.replace(/[\s:]/g, '');
    expect(pubHex).toBe(toHex(publicKey));
    const spki = execFileSync('openssl', ['pkey', '-pubin', '-in', file('ours.pub.pem', sm2PublicKeyToPem(publicKey)), '-pubout'], { encoding: 'utf8' });
    expect(sm2PublicKeyFromPem(spki)).toEqual(publicKey);
  });
});

describe('sm-crypto (independent implementation, default userId 1234567812345678)', () => {
  const { sm2 } = smCrypto;

  it('verifies ours and we verify its signatures, both ways on random messages', () => {
    for (let i = 0; i < 10; i++) {
      const { privateKey, publicKey } = generateSm2KeyPair();
      const msg = randomBytes(i * 17);
      const ours = sm2Sign(msg, privateKey);
      expect(sm2.doVerifySignature(msg, toHex(ours), toHex(publicKey), { hash: true, der: false })).toBe(true);
      const theirs = fromHex(sm2.doSignature(msg, toHex(privateKey), { hash: true, der: false }));
      expect(sm2Verify(theirs, msg, publicKey)).toBe(true);
      expect(sm2.doVerifySignature(msg, toHex(mutate(ours, i)), toHex(publicKey), { hash: true, der: false })).toBe(false);
    }
  });

  it('agrees on the published vector', () => {
    expect(sm2.doVerifySignature(ascii(V.message), (V.r + V.s).toLowerCase(), V.publicKey.toLowerCase(), { hash: true, der: false })).toBe(true);
  });
});

describe('hostile inputs: false, never a throw', () => {
  const { privateKey, publicKey } = generateSm2KeyPair();
  const msg = ascii('hostile');
  const sig = sm2Sign(msg, privateKey);
  const r = sig.subarray(0, 32);
  const s = sig.subarray(32);
  const N = fromHex(hex32(ref.n));
  const cat = (a: Uint8Array, b: Uint8Array): Uint8Array => Uint8Array.from([...a, ...b]);
  const x = publicKey.subarray(1, 33);
  const y = big(toHex(publicKey.subarray(33)));

  const badSignatures: [string, Uint8Array][] = [
    ['r = 0', cat(new Uint8Array(32), s)],
    ['s = 0', cat(r, new Uint8Array(32))],
    ['r = n', cat(N, s)],
    ['s = n', cat(r, N)],
    ['r = n + 1 (out of range, residue 1)', cat(fromHex(hex32(ref.n + 1n)), s)],
    ['s = n + 1', cat(r, fromHex(hex32(ref.n + 1n)))],
    ['r = 2^256 - 1', cat(new Uint8Array(32).fill(0xff), s)],
    ['s = 2^256 - 1', cat(r, new Uint8Array(32).fill(0xff))],
    ['r + s = n (t = 0)', cat(r, fromHex(hex32(ref.n - big(toHex(r)))))],
    ['s = n - s', cat(r, fromHex(hex32(ref.n - big(toHex(s)))))],
    ['63 bytes', sig.subarray(0, 63)],
    ['65 bytes', cat(sig, new Uint8Array(1))],
    ['DER instead of raw', new Uint8Array(toDer(sig))],
    ['empty', new Uint8Array(0)],
  ];
  it.each(badSignatures)('signature %s', (_name, bad) => {
    expect(sm2Verify(bad, msg, publicKey)).toBe(false);
    expect(refVerify(bad, msg, publicKey)).toBe(false);
  });

  const badKeys: [string, Uint8Array][] = [
    ['not on the curve (y + 1)', cat(Uint8Array.from([4, ...x]), fromHex(hex32(md(y + 1n, ref.p))))],
    ['y = 2^256 - 1', cat(Uint8Array.from([4, ...x]), new Uint8Array(32).fill(0xff))],
    ['y = p', cat(Uint8Array.from([4, ...x]), fromHex(hex32(ref.p)))],
    ['all zero (65 bytes)', new Uint8Array(65)],
    ['infinity (one 0x00 byte)', new Uint8Array(1)],
    ['compressed (0x02 || x)', Uint8Array.from([2 + Number(y & 1n), ...x])],
    ['hybrid prefix 0x06', Uint8Array.from([6, ...publicKey.subarray(1)])],
    ['prefix 0x00', Uint8Array.from([0, ...publicKey.subarray(1)])],
    ['64 bytes without prefix', publicKey.subarray(1)],
    ['short (64 bytes)', publicKey.subarray(0, 64)],
    ['long (66 bytes)', cat(publicKey, new Uint8Array(1))],
    ['x = p, y = 0', Uint8Array.from([4, ...fromHex(hex32(ref.p)), ...new Uint8Array(32)])],
    ['x = p with the key\'s y', Uint8Array.from([4, ...fromHex(hex32(ref.p)), ...publicKey.subarray(33)])],
  ];
  it.each(badKeys)('public key %s', (_name, bad) => {
    expect(validSm2PublicKey(bad)).toBe(false);
    expect(sm2Verify(sig, msg, bad)).toBe(false);
    expect(refVerify(sig, msg, bad)).toBe(false);
  });

  it('a sum at infinity (s*G = -t*P, built with the private key) is refused', () => {
    const d = big(toHex(privateKey));
    const rr = 12345n;
    // s + (r + s) d = 0 mod n  =>  s = -r d / (1 + d)
    const ss = md(-rr * d * inv(1n + d, ref.n), ref.n);
    expect(mulAddX(ss, md(rr + ss, ref.n), { x: big(toHex(x)), y })).toBeUndefined();
    const bad = fromHex(hex32(rr) + hex32(ss));
    expect(sm2Verify(bad, msg, publicKey)).toBe(false);
    expect(refVerify(bad, msg, publicKey)).toBe(false);
  });

  it('misuse throws: non-bytes arguments, wrong-length or out-of-range private keys', () => {
    const v = sm2Verify as unknown as (...a: unknown[]) => boolean;
    expect(() => v('sig', msg, publicKey)).toThrow(TypeError);
    expect(() => v(sig, 'msg', publicKey)).toThrow(TypeError);
    expect(() => v(sig, msg, [4])).toThrow(TypeError);
    expect(() => sm2Sign(msg, new Uint8Array(31))).toThrow(RangeError);
    expect(() => (sm2Sign as unknown as (...a: unknown[]) => Uint8Array)(msg, 'key')).toThrow(TypeError);
    expect(() => sm2Sign(msg, new Uint8Array(32))).toThrow(/KEY|1 <= d/);
    expect(() => sm2Sign(msg, fromHex(hex32(ref.n - 1n)))).toThrow(/1 <= d/);
  });
});

describe('against the textbook reference on random keys and signatures', () => {
  it('mulAddX equals s*G + t*P, including doubling and infinity', () => {
    const { publicKey, privateKey } = generateSm2KeyPair();
    const P = { x: big(toHex(publicKey.subarray(1, 33))), y: big(toHex(publicKey.subarray(33))) };
    const d = big(toHex(privateKey));
    const cases: [bigint, bigint][] = [
      [1n, 1n],
      [ref.n - 1n, 1n],
      [d, 1n], // s*G = t*P: a doubling
      [md(-d, ref.n), 1n], // s*G = -t*P: infinity
      [5n, ref.n - 1n],
      [big(toHex(randomBytes(32))) % ref.n, big(toHex(randomBytes(32))) % ref.n],
    ];
    for (const [u, v] of cases) {
      const want = refAdd(refMul(u, ref.g), refMul(v, P));
      expect(mulAddX(u, v, P, { keyComb: false })).toBe(want === null ? undefined : want.x);
    }
    // the same cases again on a key hot enough to have its own comb (earned after 8 uses)
    resetKeyCombs();
    for (let i = 0; i < 8; i++) mulAddX(1n, 1n, P);
    for (const [u, v] of cases) {
      const want = refAdd(refMul(u, ref.g), refMul(v, P));
      expect(mulAddX(u, v, P)).toBe(want === null ? undefined : want.x);
    }
  });

  it('a hot key (its own comb) and a cold key verify alike, valid and mutated', () => {
    resetKeyCombs();
    const { privateKey, publicKey } = generateSm2KeyPair();
    for (let i = 0; i < 24; i++) {
      const msg = randomBytes(i);
      const sig = sm2Sign(msg, privateKey);
      expect(sm2Verify(sig, msg, publicKey)).toBe(true);
      const bad = mutate(sig, i * 11);
      expect(sm2Verify(bad, msg, publicKey)).toBe(refVerify(bad, msg, publicKey));
    }
  });

  it('200 rounds: valid and mutated signatures, sm2Verify and the reference agree on every one', () => {
    let accepted = 0;
    for (let i = 0; i < 200; i++) {
      const { privateKey, publicKey } = generateSm2KeyPair();
      const msg = randomBytes(i % 97);
      const sig = sm2Sign(msg, privateKey);
      // odd rounds flip one bit, even rounds swap r and s
      const candidates = [sig, i % 2 ? mutate(sig, i * 7 + 3) : Uint8Array.from([...sig.subarray(32), ...sig.subarray(0, 32)])];
      for (const c of candidates) {
        const ours = sm2Verify(c, msg, publicKey);
        expect(ours).toBe(refVerify(c, msg, publicKey));
        if (ours) accepted++;
      }
      if (i % 4 === 0) expect(sm2Verify(sig, Uint8Array.from([...msg, 0]), publicKey)).toBe(false);
    }
    expect(accepted).toBe(200);
  }, 120_000);
});

describe('keys and the Signer', () => {
  it('raw, PKCS#8 and SPKI forms round-trip; KeyObjects sign as raw keys do', () => {
    const { privateKey, publicKey } = generateSm2KeyPair();
    expect(sm2PrivateKeyFromPem(sm2PrivateKeyToPem(privateKey))).toEqual({ privateKey, publicKey });
    expect(sm2PublicKeyFromPem(sm2PublicKeyToPem(publicKey))).toEqual(publicKey);
    const node = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const pair = sm2KeyPairFromObject(node.privateKey);
    const msg = ascii('key object');
    expect(sm2Verify(sm2Sign(msg, node.privateKey), msg, pair.publicKey)).toBe(true);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => sm2KeyPairFromObject(p256.privateKey)).toThrow(/SM2/);
    expect(() => sm2PublicKeyFromPem(p256.publicKey.export({ format: 'pem', type: 'spki' }) as string)).toThrow(/SM2/);
  });

  it('sm2Signer: private-use alg, kid = SHA-256(65-byte key)[0..16), signatures that verify, no key in JSON', async () => {
    expect(COSE_ALG_SM2_SM3).toBeLessThan(-65536);
    const { privateKey, publicKey } = generateSm2KeyPair();
    const signer = sm2Signer(privateKey);
    expect(signer.alg).toBe(COSE_ALG_SM2_SM3);
    expect(signer.publicKey).toEqual(publicKey);
    expect(kidHex(signer.kid)).toBe(createHash('sha256').update(publicKey).digest('hex').slice(0, 32));
    expect(signer.kid).toEqual(sm2KeyId(publicKey));
    const msg = ascii('signer');
    expect(sm2Verify(await signer.sign(msg), msg, publicKey, DEFAULT_SM2_ID)).toBe(true);
    expect(JSON.stringify(signer)).not.toContain(toHex(privateKey));
  });
});
