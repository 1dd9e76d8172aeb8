import { createHash, randomBytes } from 'node:crypto';

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function randomBytes32(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses lower- or upper-case hex; throws TypeError/RangeError on misuse. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new TypeError(`hex: expected string, got ${typeof hex}`);
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RangeError('hex: expected an even number of hex digits');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
