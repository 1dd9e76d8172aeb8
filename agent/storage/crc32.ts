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
  let c = 0;
  for (const p of parts) c = tableRange(p, 0, p.length, c);
  return c;
}

/** CRC-32 of buf[start..end), continuing from `crc` (a previous result; 0 to start). */
function tableRange(buf: Uint8Array, start: number, end: number, crc: number): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of the concatenated parts; crc32(ascii "123456789") = 0xcbf43926. */
export function crc32(...parts: Uint8Array[]): number {
  let c = 0;
  for (const p of parts) c = crc32Continue(c, p);
  return c;
}

/**
 * What a frame's CRC covers (frame.ts): the 12 bytes from `headerAt` (length and seq), then the
 * payload, both read in place. Boot recovery checks every frame of the log with this: the few
 * header bytes in JavaScript, the payload in one native call, no copies.
 */
export function frameCrc(buf: Uint8Array, headerAt: number, payloadAt: number, payloadLength: number): number {
  const c = tableRange(buf, headerAt, headerAt + 12, 0);
  return crc32Continue(c, buf.subarray(payloadAt, payloadAt + payloadLength));
}

/**
 * CRC-32 of what `prev` covered followed by `data` (prev: an earlier result; 0 to start).
 * Empty data leaves it as it is: node:zlib's crc32 returns 0 for an empty view without memory
 * behind it (a file that ends exactly at its checkpoint), which would lose `prev`.
 */
export function crc32Continue(prev: number, data: Uint8Array): number {
  if (data.length === 0) return prev >>> 0;
  return native ? native(data, prev) >>> 0 : tableRange(data, 0, data.length, prev);
}
