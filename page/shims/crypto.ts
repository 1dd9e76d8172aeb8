/**
 * node:crypto for the page (see README.md here): only what the SDK's verification path calls.
 * SHA-256/512 from @noble/hashes, randomness from the browser's CSPRNG.
 */
import { sha256, sha512 } from '@noble/hashes/sha2';
import { Buffer } from 'buffer';

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
// SM2 keys and signing (sdk/crypto/sm2*.ts): the page verifies EdDSA objects only for now; SM2
// verification there also needs SM3, which createHash above does not offer.
export const createECDH = absent('createECDH');
export class KeyObject {}
export default { createHash, randomBytes, timingSafeEqual, createPrivateKey, createPublicKey, sign, verify, generateKeyPairSync, createECDH, KeyObject };
