// sdk/crypto: both Ed25519 backends against RFC 8032 §7.1 (test/vectors/rfc8032.json), against
// each other (fast-check), and the Signer/kid conventions.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, keyId, kidHex, nobleEd25519, nodeEd25519, seedSigner, toHex, type Ed25519Backend } from '../../sdk/index.js';

interface Rfc8032Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}
const RFC = JSON.parse(readFileSync('test/vectors/rfc8032.json', 'utf8')) as { source: string; vectors: Rfc8032Vector[] };
const BACKENDS: Ed25519Backend[] = [nodeEd25519, nobleEd25519];

describe('RFC 8032 §7.1 vectors', () => {
  it('the vector file cites its source and holds the five Ed25519 tests', () => {
    expect(RFC.source).toMatch(/RFC 8032.*7\.1/);
    expect(RFC.vectors.map((v) => v.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
    expect(fromHex(RFC.vectors[3]!.message).length).toBe(1023);
    // TEST SHA(abc) signs SHA-512("abc"): an independent check of the transcription.
    expect(RFC.vectors[4]!.message).toBe(createHash('sha512').update('abc').digest('hex'));
  });

  for (const backend of BACKENDS) {
    describe(`${backend.name} backend`, () => {
      it.each(RFC.vectors.map((v) => [v.name, v] as const))('%s: public key, signature and verification', (_name, v) => {
        const seed = fromHex(v.secretKey);
        const msg = fromHex(v.message);
        expect(toHex(backend.publicKey(seed))).toBe(v.publicKey);
        expect(toHex(backend.sign(msg, seed))).toBe(v.signature);
        expect(backend.verify(fromHex(v.signature), msg, fromHex(v.publicKey))).toBe(true);
      });

      it.each(RFC.vectors.map((v) => [v.name, v] as const))('%s: altered signature, message or key is false, never a throw', (_name, v) => {
        const sig = fromHex(v.signature);
        const msg = fromHex(v.message);
        const pub = fromHex(v.publicKey);
        for (const i of [0, 31, 32, 63]) {
          const bad = Uint8Array.from(sig);
          bad[i]! ^= 0x01;
          expect(backend.verify(bad, msg, pub)).toBe(false);
        }
        expect(backend.verify(sig, Uint8Array.from([...msg, 0]), pub)).toBe(false);
        const otherPub = fromHex(RFC.vectors.find((x) => x.publicKey !== v.publicKey)!.publicKey);
        expect(backend.verify(sig, msg, otherPub)).toBe(false);
      });

      it('wrong-length signature or key from the wire is false; non-bytes is TypeError; bad seed length RangeError', () => {
        const v = RFC.vectors[0]!;
        expect(backend.verify(fromHex(v.signature).subarray(0, 63), new Uint8Array(0), fromHex(v.publicKey))).toBe(false);
        expect(backend.verify(fromHex(v.signature), new Uint8Array(0), fromHex(v.publicKey).subarray(1))).toBe(false);
        expect(backend.verify(new Uint8Array(64), new Uint8Array(0), new Uint8Array(32).fill(0xff))).toBe(false);
        // S >= L (the group order): malleable signatures are refused by both (RFC 8032 §5.1.7).
        const sig = fromHex(v.signature);
        const sPlusL = addL(sig.subarray(32));
        expect(backend.verify(Uint8Array.from([...sig.subarray(0, 32), ...sPlusL]), new Uint8Array(0), fromHex(v.publicKey))).toBe(false);
        expect(() => backend.verify('x' as unknown as Uint8Array, new Uint8Array(0), fromHex(v.publicKey))).toThrow(TypeError);
        expect(() => backend.sign(new Uint8Array(0), new Uint8Array(31))).toThrow(RangeError);
      });
    });
  }
});

/** s + L (little-endian 32 bytes); L = 2^252 + 27742317777372353535851937790883648493. */
function addL(s: Uint8Array): Uint8Array {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(s[i]!);
  n += L;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

describe('the two backends agree (property)', () => {
  const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const message = fc.uint8Array({ maxLength: 300 });

  it('same public key and byte-identical signature for random seeds and messages; each verifies the other', () => {
    fc.assert(
      fc.property(seed, message, (s, m) => {
        const pub = nodeEd25519.publicKey(s);
        expect(toHex(nobleEd25519.publicKey(s))).toBe(toHex(pub));
        const a = nodeEd25519.sign(m, s);
        const b = nobleEd25519.sign(m, s);
        expect(toHex(b)).toBe(toHex(a));
        expect(nodeEd25519.verify(b, m, pub)).toBe(true);
        expect(nobleEd25519.verify(a, m, pub)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('agree on verification of mutated signatures, messages and keys', () => {
    fc.assert(
      fc.property(seed, message, fc.nat({ max: 63 }), fc.integer({ min: 1, max: 255 }), fc.nat({ max: 2 }), (s, m, at, x, what) => {
        const pub = nodeEd25519.publicKey(s);
        let sig = nodeEd25519.sign(m, s);
        let msg = m;
        let key = pub;
        if (what === 0) {
          sig = Uint8Array.from(sig);
          sig[at]! ^= x;
        } else if (what === 1) {
          msg = Uint8Array.from([...m, x]);
        } else {
          key = Uint8Array.from(pub);
          key[at % 32]! ^= x;
        }
        const n = nodeEd25519.verify(sig, msg, key);
        const b = nobleEd25519.verify(sig, msg, key);
        expect(b).toBe(n);
        expect(n).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('agree on random signatures and random keys (almost always false, never a throw)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), message, fc.uint8Array({ minLength: 32, maxLength: 32 }), (sig, m, key) => {
        expect(nobleEd25519.verify(sig, m, key)).toBe(nodeEd25519.verify(sig, m, key));
      }),
      { numRuns: 300 },
    );
  });
});

describe('Signer and kid', () => {
  it('kid is the first 16 bytes of SHA-256 over the raw public key', () => {
    const pub = fromHex(RFC.vectors[0]!.publicKey);
    expect(kidHex(keyId(pub))).toBe(createHash('sha256').update(pub).digest('hex').slice(0, 32));
    expect(() => keyId(new Uint8Array(31))).toThrow(RangeError);
  });

  it('seedSigner signs like the RFC on both backends and never shows its seed', async () => {
    const v = RFC.vectors[2]!;
    for (const backend of BACKENDS) {
      const s = seedSigner(fromHex(v.secretKey), backend);
      expect(s.alg).toBe(-8);
      expect(toHex(s.publicKey)).toBe(v.publicKey);
      expect(toHex(await s.sign(fromHex(v.message)))).toBe(v.signature);
      const shown = JSON.stringify(s);
      expect(shown).not.toContain(v.secretKey);
      expect(JSON.parse(shown)).toEqual({ alg: -8, kid: kidHex(keyId(fromHex(v.publicKey))) });
    }
  });

  it('a seed changed by the caller after construction does not change the signer', async () => {
    const seed = fromHex(RFC.vectors[1]!.secretKey);
    const s = seedSigner(seed, nobleEd25519);
    seed.fill(0);
    expect(toHex(await s.sign(fromHex(RFC.vectors[1]!.message)))).toBe(RFC.vectors[1]!.signature);
  });
});
