// Property tests over COSE: a flipped byte of a COSE_Sign1 or COSE_Sign never verifies (a typed
// decoding error or `false`, never a raw exception); random bytes and the hostile table fed to
// every COSE decoder give typed errors only.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CoseError,
  EncodingError,
  PROTOCOL_VERSION,
  addSignature,
  decodeMulti,
  decodeSign1,
  defineKind,
  defineSchema,
  identityKind,
  nobleEd25519,
  nodeEd25519,
  openMulti,
  openSign1,
  seedSigner,
  signObject,
  signObjectMulti,
  verifyCoseSignature,
  verifyOpened,
} from '../../sdk/index.js';
import { HOSTILE, hostileEnvelopes, hostileVariants } from '../helpers/hostile.js';

interface Msg {
  v: number;
  body: Uint8Array;
  n: number;
}
const kind = defineKind<Msg>({
  name: 'test message',
  contentType: 'application/vnd.robot-id.test-msg+cbor',
  schema: defineSchema<Msg>('msg', { v: { l: 0, t: 'uint' }, body: { l: 1, t: 'bstr', max: 256 }, n: { l: 2, t: 'uint' } }),
  maxBytes: 2048,
});
const A = seedSigner(new Uint8Array(32).fill(0x41));
const B = seedSigner(new Uint8Array(32).fill(0x42), nobleEd25519);

function typed(err: unknown): boolean {
  return err instanceof CoseError || err instanceof EncodingError;
}

function sign1Verdict(bytes: Uint8Array): 'valid' | 'invalid' {
  try {
    const o = openSign1(kind, bytes);
    const a = verifyOpened(o, A.publicKey, nodeEd25519);
    expect(verifyOpened(o, A.publicKey, nobleEd25519)).toBe(a);
    return a ? 'valid' : 'invalid';
  } catch (err) {
    if (!typed(err)) throw err;
    return 'invalid';
  }
}

function multiVerdict(bytes: Uint8Array): 'valid' | 'invalid' {
  try {
    const o = openMulti(kind, bytes);
    if (o.cose.signatures.length !== 2) return 'invalid';
    const [s0, s1] = o.cose.signatures as [typeof o.cose.signatures[0], typeof o.cose.signatures[0]];
    return verifyCoseSignature(o.cose, s0, A.publicKey, nodeEd25519) && verifyCoseSignature(o.cose, s1, B.publicKey, nobleEd25519) ? 'valid' : 'invalid';
  } catch (err) {
    if (!typed(err)) throw err;
    return 'invalid';
  }
}

const msgArb = fc.record({ v: fc.constant(PROTOCOL_VERSION), body: fc.uint8Array({ maxLength: 100 }), n: fc.nat() });

describe('a flipped byte never verifies', () => {
  it('COSE_Sign1: random message, random position, random xor', async () => {
    await fc.assert(
      fc.asyncProperty(msgArb, fc.nat(), fc.integer({ min: 1, max: 255 }), async (m, pos, x) => {
        const bytes = await signObject(kind, m, A);
        expect(sign1Verdict(bytes)).toBe('valid');
        const bad = Uint8Array.from(bytes);
        bad[pos % bad.length]! ^= x;
        expect(sign1Verdict(bad)).toBe('invalid');
      }),
      { numRuns: 400 },
    );
  });

  it('COSE_Sign with two signers: every byte position', async () => {
    const bytes = await addSignature(await signObjectMulti(kind, { v: PROTOCOL_VERSION, body: new Uint8Array([1, 2, 3]), n: 7 }, A), B, { maxBytes: 2048 });
    expect(multiVerdict(bytes)).toBe('valid');
    for (let i = 0; i < bytes.length; i++) {
      const bad = Uint8Array.from(bytes);
      bad[i]! ^= 0x10;
      expect(multiVerdict(bad), `byte ${i}`).toBe('invalid');
    }
  });
});

describe('random bytes and hostile inputs: typed errors only', () => {
  const decoders: Record<string, (b: Uint8Array) => unknown> = {
    decodeSign1: (b) => decodeSign1(b, { maxBytes: 1 << 16 }),
    decodeMulti: (b) => decodeMulti(b, { maxBytes: 1 << 16 }),
    openSign1: (b) => openSign1(kind, b),
    openSign1Identity: (b) => openSign1(identityKind, b),
    openMulti: (b) => openMulti(kind, b),
    decodeSign1Lenient: (b) => decodeSign1(b, { maxBytes: 1 << 16, strict: false }),
    decodeMultiLenient: (b) => decodeMulti(b, { maxBytes: 1 << 16, strict: false }),
  };
  /** Decoders that interpret the payload: nothing hostile may open. */
  const mustReject = new Set(['openSign1', 'openSign1Identity', 'openMulti']);

  it.each(Object.keys(decoders))('%s: random bytes', (name) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decoders[name]!(b);
        } catch (err) {
          if (!typed(err)) throw err;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('addSignature on hostile input is a typed error and never signs', async () => {
    for (const h of [...HOSTILE, ...hostileEnvelopes()]) {
      await expect(addSignature(h.bytes, A, { maxBytes: 1 << 16 }), h.name).rejects.toSatisfy(typed);
    }
  });

  const table = [...HOSTILE, ...hostileEnvelopes()];
  it.each(table.map((h) => [`${h.kind}: ${h.name}`, h.bytes] as const))('%s', (_n, bytes) => {
    for (const [name, f] of Object.entries(decoders)) {
      let threw = false;
      try {
        f(bytes);
      } catch (err) {
        threw = true;
        expect(typed(err), `${name}: ${(err as Error).name} ${(err as Error).message}`).toBe(true);
      }
      if (mustReject.has(name)) expect(threw, name).toBe(true);
    }
  });

  it('variants of a valid COSE_Sign1 and COSE_Sign (truncated, trailing, retagged) are rejected', async () => {
    const one = await signObject(kind, { v: PROTOCOL_VERSION, body: new Uint8Array(10), n: 1 }, A);
    const multi = await signObjectMulti(kind, { v: PROTOCOL_VERSION, body: new Uint8Array(10), n: 1 }, A);
    for (const h of hostileVariants(one)) expect(sign1Verdict(h.bytes), h.name).toBe('invalid');
    for (const h of hostileVariants(multi)) {
      expect(() => openMulti(kind, h.bytes), h.name).toThrow();
      try {
        openMulti(kind, h.bytes);
      } catch (err) {
        expect(typed(err), h.name).toBe(true);
      }
    }
  });
});
