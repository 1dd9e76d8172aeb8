/**
 * sign1Parts (sdk/platform/preverify.ts) reads a unit message's protected header, payload and
 * signature in place, as the strict decoder does, and gives up on anything else (truncated,
 * trailing bytes, an unprotected header, another structure): a claim it cannot build is left
 * to the ingest's own check.
 */
import { describe, expect, it } from 'vitest';
import { HEADER, decodeSign1, generateKeyPair, seedSigner, signHeartbeat, signSign1 } from '../../sdk/index.js';
import { sign1Parts } from '../../sdk/index.js';

const signer = seedSigner(generateKeyPair().seed);
const t = 1_800_000_000;
const hb = () => signHeartbeat(signer, { code: '86123456789000000000000000001', boot: 1, counter: 1, time: t, uptimeS: 1, state: 'in_service', agentVersion: 'x', firmwareVersion: 'y', outboxDepth: 0, logSeq: 0, logHash: new Uint8Array(32), nextDueBy: t + 60 });

describe('sign1Parts', () => {
  it('finds the parts the strict decoder finds', async () => {
    for (const bytes of [await hb(), await signSign1(new Uint8Array(300).fill(7), signer, { contentType: 'application/x' }), await signSign1(new Uint8Array(70000), signer, { contentType: 'application/x' })]) {
      const parts = sign1Parts(bytes);
      const cose = decodeSign1(bytes, { maxBytes: 1 << 20 });
      if (bytes.length > 65535 + 200) {
        expect(parts).toBeUndefined(); // a payload past 65,535 bytes: never a unit message
        continue;
      }
      const hex = (x: Uint8Array) => Buffer.from(x).toString('hex');
      expect(parts && [hex(parts.protectedBytes), hex(parts.payload), hex(parts.signature)]).toEqual([hex(cose.protectedBytes), hex(cose.payload), hex(cose.signature)]);
    }
  });

  it('gives up on anything else', async () => {
    const bytes = await hb();
    for (let n = 0; n < bytes.length; n++) expect(sign1Parts(bytes.subarray(0, n))).toBeUndefined();
    expect(sign1Parts(Uint8Array.of(...bytes, 0))).toBeUndefined();
    expect(sign1Parts(bytes.subarray(1))).toBeUndefined();
    const withHeader = await signSign1(new Uint8Array(4), signer, { contentType: 'application/x', unprotected: new Map([[HEADER.certificate, new Uint8Array(3)]]) });
    expect(sign1Parts(withHeader)).toBeUndefined();
  });
});
