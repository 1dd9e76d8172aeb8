// sdk/cose: COSE_Sign1 and COSE_Sign with EdDSA, the typed object layer (content type, schema,
// version, size cap) and the header rules (crit, alg, kid).
import { describe, expect, it } from 'vitest';
import {
  EncodingError,
  HEADER,
  PROTOCOL_VERSION,
  Tag,
  addSignature,
  decodeCbor,
  decodeMulti,
  decodeSign1,
  defineKind,
  defineSchema,
  encodeCbor,
  nobleEd25519,
  nodeEd25519,
  openMulti,
  openSign1,
  seedSigner,
  sigStructure1,
  signMulti,
  signObject,
  signObjectMulti,
  signSign1,
  toHex,
  verifyCoseSignature,
  verifyOpened,
  verifySign1Signature,
  type CborValue,
  type CoseError,
  type Signer,
} from '../../sdk/index.js';

const signer = (n: number): Signer => seedSigner(new Uint8Array(32).fill(n));
const A = signer(0x11);
const B = signer(0x22);
const C = signer(0x33);

interface Note {
  v: number;
  text: string;
}
const noteSchema = defineSchema<Note>('note', { v: { l: 0, t: 'uint' }, text: { l: 1, t: 'tstr', max: 100 } });
const noteKind = defineKind<Note>({ name: 'note', contentType: 'application/vnd.robot-id.test-note+cbor', schema: noteSchema, maxBytes: 512 });
const otherKind = defineKind<Note>({ name: 'other', contentType: 'application/vnd.robot-id.test-other+cbor', schema: noteSchema, maxBytes: 512 });
const note: Note = { v: PROTOCOL_VERSION, text: 'hello' };

function err(f: () => unknown): { name: string; code: string; message: string } {
  try {
    f();
  } catch (e) {
    const x = e as CoseError;
    return { name: x.constructor.name, code: x.code, message: x.message };
  }
  return { name: 'none', code: 'ACCEPTED', message: '' };
}

async function errAsync(f: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await f();
  } catch (e) {
    return { code: (e as CoseError).code, message: (e as Error).message };
  }
  return { code: 'ACCEPTED', message: '' };
}

/** Re-encodes a COSE_Sign1 with a different protected header, signed properly by `s`. */
async function sign1WithProtected(s: Signer, headers: Map<number, CborValue>, payload: Uint8Array): Promise<Uint8Array> {
  const p = encodeCbor(headers);
  const sig = await s.sign(sigStructure1(p, payload));
  return encodeCbor(new Tag([p, new Map(), payload, sig], 18));
}

describe('COSE_Sign1', () => {
  it('protected header carries alg -8, content type and kid; verifies on both backends over the bytes received', async () => {
    const bytes = await signObject(noteKind, note, A);
    const opened = openSign1(noteKind, bytes);
    expect(opened.value).toEqual(note);
    expect(opened.cose.protected.alg).toBe(-8);
    expect(opened.cose.protected.contentType).toBe(noteKind.contentType);
    expect(toHex(opened.cose.protected.kid!)).toBe(toHex(A.kid));
    expect(verifyOpened(opened, A.publicKey, nodeEd25519)).toBe(true);
    expect(verifyOpened(opened, A.publicKey, nobleEd25519)).toBe(true);
    expect(verifyOpened(opened, B.publicKey, nodeEd25519)).toBe(false);
    // deterministic: the same object signs to the same bytes
    expect(toHex(await signObject(noteKind, note, A))).toBe(toHex(bytes));
  });

  it('a signature made for one kind is never accepted as another: COSE_WRONG_KIND', async () => {
    const bytes = await signObject(noteKind, note, A);
    const e = err(() => openSign1(otherKind, bytes));
    expect(e.code).toBe('COSE_WRONG_KIND');
    expect(e.message).toContain(noteKind.contentType);
    // and no content type at all is the wrong kind too
    const none = await sign1WithProtected(A, new Map<number, CborValue>([[1, -8], [4, A.kid]]), encodeCbor(noteSchema.toCbor(note)));
    expect(err(() => openSign1(noteKind, none)).code).toBe('COSE_WRONG_KIND');
  });

  it('rejects a protected header with crit (RFC 9052 §3.1: unknown critical parameters)', async () => {
    const bytes = await sign1WithProtected(
      A,
      new Map<number, CborValue>([[1, -8], [2, [99]], [3, noteKind.contentType], [4, A.kid]]),
      encodeCbor(noteSchema.toCbor(note)),
    );
    const e = err(() => decodeSign1(bytes, { maxBytes: 512 }));
    expect(e.code).toBe('COSE_MALFORMED');
    expect(e.message).toMatch(/crit/);
  });

  it('an algorithm other than the pinned EdDSA is refused with COSE_ALG, even with a good Ed25519 signature', async () => {
    for (const alg of [-7, -70000]) {
      const bytes = await sign1WithProtected(A, new Map<number, CborValue>([[1, alg], [3, noteKind.contentType], [4, A.kid]]), encodeCbor(noteSchema.toCbor(note)));
      const opened = openSign1(noteKind, bytes);
      expect(err(() => verifySign1Signature(opened.cose, A.publicKey, nodeEd25519)).code).toBe('COSE_ALG');
    }
  });

  it('no kid in the protected header is COSE_MALFORMED for typed objects (a kid in the unprotected bucket does not count)', async () => {
    const p = encodeCbor(new Map<number, CborValue>([[1, -8], [3, noteKind.contentType]]));
    const payload = encodeCbor(noteSchema.toCbor(note));
    const sig = await A.sign(sigStructure1(p, payload));
    const bytes = encodeCbor(new Tag([p, new Map([[HEADER.kid, A.kid]]), payload, sig], 18));
    expect(err(() => openSign1(noteKind, bytes)).code).toBe('COSE_MALFORMED');
  });

  it.each([
    ['protected header not a byte string', new Tag([new Map(), new Map(), new Uint8Array(0), new Uint8Array(64)], 18)],
    ['detached (nil) payload', new Tag([new Uint8Array(0), new Map(), null, new Uint8Array(64)], 18)],
    ['signature not a byte string', new Tag([new Uint8Array(0), new Map(), new Uint8Array(0), 'sig'], 18)],
    ['unprotected header not a map', new Tag([new Uint8Array(0), [], new Uint8Array(0), new Uint8Array(64)], 18)],
    ['array of 3', new Tag([new Uint8Array(0), new Map(), new Uint8Array(0)], 18)],
    ['untagged', [new Uint8Array(0), new Map(), new Uint8Array(0), new Uint8Array(64)]],
    ['tag 98', new Tag([new Uint8Array(0), new Map(), new Uint8Array(0), new Uint8Array(64)], 98)],
  ] as [string, CborValue][])('structure: %s is COSE_MALFORMED', (_what, value) => {
    expect(err(() => decodeSign1(encodeCbor(value), { maxBytes: 512 })).code).toBe('COSE_MALFORMED');
  });

  it('size cap before decoding, and payload schema/version errors are EncodingErrors', async () => {
    const big = await signObject(noteKind, { v: PROTOCOL_VERSION, text: 'x'.repeat(100) }, A);
    const tiny = defineKind<Note>({ ...noteKind, maxBytes: big.length - 1 });
    const e = err(() => openSign1(tiny, big));
    expect(e).toMatchObject({ name: 'EncodingError', code: 'CBOR_TOO_LARGE' });
    const v2 = await sign1WithProtected(
      A,
      new Map<number, CborValue>([[1, -8], [3, noteKind.contentType], [4, A.kid]]),
      encodeCbor(new Map<number, CborValue>([[0, 2], [1, 'x']])),
    );
    expect(err(() => openSign1(noteKind, v2))).toMatchObject({ code: 'CBOR_SCHEMA', message: expect.stringMatching(/protocol version 1/) });
  });

  it('verifies over the bytes received, not a re-encoding: non-deterministic outer bytes are refused before any signature check', async () => {
    const bytes = await signObject(noteKind, note, A);
    const stretched = Uint8Array.from([0xd8, 0x12, ...bytes.subarray(1)]); // tag 18 in a 2-byte head
    expect(err(() => openSign1(noteKind, stretched)).code).toBe('CBOR_NONDETERMINISTIC');
    expect(decodeSign1(stretched, { maxBytes: 512, strict: false }).payload.length).toBeGreaterThan(0);
  });

  it('external AAD is bound into the signature', async () => {
    const payload = new Uint8Array([1, 2, 3]);
    const aad = new Uint8Array([9]);
    const bytes = await signSign1(payload, A, { contentType: 'x', externalAad: aad });
    const msg = decodeSign1(bytes, { maxBytes: 512 });
    expect(verifySign1Signature(msg, A.publicKey, nodeEd25519, aad)).toBe(true);
    expect(verifySign1Signature(msg, A.publicKey, nodeEd25519)).toBe(false);
  });
});

describe('COSE_Sign (several signers)', () => {
  it('each signer adds a signature; all verify; the body and earlier signatures are carried byte for byte', async () => {
    const first = await signObjectMulti(noteKind, note, A);
    const second = await addSignature(first, B, { maxBytes: 2048 });
    const third = await addSignature(second, C, { maxBytes: 2048 });
    const m1 = decodeMulti(first, { maxBytes: 2048 });
    const m3 = openMulti(noteKind, third);
    expect(m3.value).toEqual(note);
    expect(m3.cose.signatures).toHaveLength(3);
    expect(toHex(m3.cose.protectedBytes)).toBe(toHex(m1.protectedBytes));
    expect(toHex(m3.cose.signatures[0]!.signature)).toBe(toHex(m1.signatures[0]!.signature));
    const keys = [A, B, C];
    m3.cose.signatures.forEach((s, i) => {
      expect(toHex(s.protected.kid!)).toBe(toHex(keys[i]!.kid));
      expect(verifyCoseSignature(m3.cose, s, keys[i]!.publicKey, nodeEd25519)).toBe(true);
      expect(verifyCoseSignature(m3.cose, s, keys[i]!.publicKey, nobleEd25519)).toBe(true);
      expect(verifyCoseSignature(m3.cose, s, keys[(i + 1) % 3]!.publicKey, nodeEd25519)).toBe(false);
    });
  });

  it('addSignature refuses a key that already signed (a signer counts once)', async () => {
    const first = await signMulti(new Uint8Array([1]), A, { contentType: noteKind.contentType });
    const second = await addSignature(first, B, { maxBytes: 2048 });
    for (const again of [A, B]) {
      const e = await errAsync(() => addSignature(second, again, { maxBytes: 2048 }));
      expect(e.code).toBe('COSE_MALFORMED');
      expect(e.message).toMatch(/already signed/);
    }
    // the same seed on the other backend is the same key
    expect((await errAsync(() => addSignature(second, seedSigner(new Uint8Array(32).fill(0x11), nobleEd25519), { maxBytes: 2048 }))).code).toBe('COSE_MALFORMED');
  });

  it('a signature moved to another payload does not verify', async () => {
    const x = decodeMulti(await signMulti(new Uint8Array([1]), A, { contentType: 'x' }), { maxBytes: 512 });
    const y = decodeMulti(await signMulti(new Uint8Array([2]), A, { contentType: 'x' }), { maxBytes: 512 });
    expect(verifyCoseSignature(y, x.signatures[0]!, A.publicKey, nodeEd25519)).toBe(false);
  });

  it('COSE_Sign rules: tag 98, at least one signature, crit refused, wrong kind', async () => {
    const m = await signObjectMulti(noteKind, note, A);
    expect(err(() => openMulti(otherKind, m)).code).toBe('COSE_WRONG_KIND');
    expect(err(() => decodeMulti(encodeCbor(new Tag([new Uint8Array(0), new Map(), new Uint8Array(0), []], 98)), { maxBytes: 64 })).code).toBe('COSE_NO_SIGNATURE');
    const sign1 = await signObject(noteKind, note, A);
    expect(err(() => decodeMulti(sign1, { maxBytes: 512 })).code).toBe('COSE_MALFORMED');
    const critBody = encodeCbor(new Map<number, CborValue>([[2, [3]], [3, 'x']]));
    const bytes = encodeCbor(new Tag([critBody, new Map(), new Uint8Array(0), [[new Uint8Array(0), new Map(), new Uint8Array(64)]]], 98));
    expect(err(() => decodeMulti(bytes, { maxBytes: 512 })).code).toBe('COSE_MALFORMED');
  });

  it('decoded headers keep integer labels (cbor-x configured for COSE)', async () => {
    const v = decodeCbor(await signObject(noteKind, note, A), { maxBytes: 512 }) as Tag;
    const [p] = v.value as [Uint8Array];
    const hdr = decodeCbor(p, { maxBytes: 512 }) as Map<number, CborValue>;
    expect([...hdr.keys()]).toEqual([1, 3, 4]);
    expect(hdr).toBeInstanceOf(Map);
    expect(EncodingError).toBeDefined();
  });
});
