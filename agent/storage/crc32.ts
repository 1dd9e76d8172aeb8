/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of every log frame.
 * node:zlib's native crc32 (Node 20.15 and later) where there is one: boot recovery checks
 * every frame of the log, about 0.4 s per 64 MiB in JavaScript; the table version is the same
 * function for older Node 20 releases.
 */
import * as zlib from 'node:zlib';

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The table version: CRC-32 of the concatenated parts. */
export function crc32Table(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) c = TABLE[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of the concatenated parts; crc32(ascii "123456789") = 0xcbf43926. */
export const crc32: (...parts: Uint8Array[]) => number = native
  ? (...parts) => {
      let c = 0;
      for (const p of parts) c = native(p, c);
      return c >>> 0;
    }
  : crc32Table;
