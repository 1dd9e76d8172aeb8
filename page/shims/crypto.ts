/**
 * node:crypto for the page (see README.md here): only what the SDK's verification path calls.
 * SHA-256/512 from @noble/hashes, SM3 (for SM2 verification, which is BigInt arithmetic in the
 * SDK) from sm-crypto's SM3, randomness from the browser's CSPRNG.
 */
import { sha256, sha512 } from '@noble/hashes/sha2';
import { Buffer } from 'buffer';
// Only its SM3 file: the SM2 code beside it (and its big-number library) stays out of the page.
import sm3module from 'sm-crypto/src/sm2/sm3.js';

const sm3 = sm3module.sm3;

/** SM3 with the update/digest shape of the other hashes (sm-crypto hashes whole byte arrays). */
class Sm3 {
  private readonly parts: Uint8Array[] = [];
  update(data: Uint8Array): this {
    this.parts.push(Uint8Array.from(data));
    return this;
  }
  digest(): Uint8Array {
    return Uint8Array.from(sm3(Array.from(Buffer.concat(this.parts))));
  }
}

type Hasher = ReturnType<typeof sha256.create>;

class Hash {
  constructor(private readonly h: Hasher) {}
  update(data: Uint8Array | string, encoding?: string): this {
    this.h.update(typeof data === 'string' ? Buffer.from(data, (encoding ?? 'utf8') as BufferEncoding) : data);
    return this;
  }
  digest(encoding?: string): Buffer | string {
    const out = Buffer.from(this.h.digest());
    return encoding ? out.toString(encoding as BufferEncoding) : out;
  }
}

export function createHash(algorithm: string): Hash {
  if (algorithm === 'sha256') return new Hash(sha256.create());
  if (algorithm === 'sha512') return new Hash(sha512.create());
  if (algorithm === 'sm3') return new Hash(new Sm3() as unknown as Hasher);
  throw new Error(`createHash(${algorithm}): not in the page`);
}

export function randomBytes(n: number): Buffer {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return Buffer.from(out);
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) throw new RangeError('timingSafeEqual: expected inputs of equal length');
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

const absent = (name: string) => (): never => {
  throw new Error(`node:crypto ${name}: not in the page (it verifies with the noble backend)`);
};
export const createPrivateKey = absent('createPrivateKey');
export const createPublicKey = absent('createPublicKey');
export const sign = absent('sign');
export const verify = absent('verify');
export const generateKeyPairSync = absent('generateKeyPairSync');
// SM2 signing (sdk/crypto/sm2*.ts): the page only verifies, which needs no ECDH.
export const createECDH = absent('createECDH');
export class KeyObject {}
export default { createHash, randomBytes, timingSafeEqual, createPrivateKey, createPublicKey, sign, verify, generateKeyPairSync, createECDH, KeyObject };
