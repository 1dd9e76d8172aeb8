// COSE interoperability with implementations that share none of our code:
//  (a) the COSE working group's published EdDSA examples (test/vectors/cose-wg-eddsa.json);
//  (b) @ldclabs/cose-ts (cborg + @noble/curves; no cbor-x), cross-checked both ways.
// cose-js, the first candidate, cannot do EdDSA: its sign.js knows ES*/PS*/RS* only (alg -8 is
// "Unknown algorithm"), so it is not used here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Header } from '@ldclabs/cose-ts/header';
import { Sign1Message } from '@ldclabs/cose-ts/sign1';
import { Ed25519Key } from '@ldclabs/cose-ts/ed25519';
import {
  CONTENT_TYPES,
  HEADER,
  PROTOCOL_VERSION,
  Tag,
  decodeMulti,
  decodeSign1,
  encodeCbor,
  fromHex,
  identityKind,
  nobleEd25519,
  nodeEd25519,
  openSign1,
  seedSigner,
  sigStructure,
  sigStructure1,
  signObject,
  signSign1,
  toHex,
  verifyCoseSignature,
  verifyOpened,
  verifySign1Signature,
  type CborValue,
  type IdentityRecord,
} from '../../sdk/index.js';

interface WgExample {
  file: string;
  title: string;
  structure: 'COSE_Sign1' | 'COSE_Sign';
  key: { kid: string; x_hex: string; d_hex: string; crv: string };
  plaintext: string;
  intermediates?: { ToBeSign_hex: string };
  cbor: string;
}
const WG = JSON.parse(readFileSync('test/vectors/cose-wg-eddsa.json', 'utf8')) as { source: string; examples: WgExample[] };
const sign1Example = WG.examples.find((e) => e.structure === 'COSE_Sign1')!;
const signExample = WG.examples.find((e) => e.structure === 'COSE_Sign')!;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A cose-ts header from entries (its .d.ts files use extensionless imports tsc cannot follow). */
const header = (...entries: [number, number | string | Uint8Array][]): Header => new Header(new Map(entries));

describe('COSE WG examples (cose-wg/Examples eddsa-examples)', () => {
  it('the vector file cites its source and holds Ed25519 examples only', () => {
    expect(WG.source).toContain('cose-wg/Examples');
    expect(WG.examples.map((e) => e.file)).toEqual(['eddsa-examples/eddsa-sig-01.json', 'eddsa-examples/eddsa-01.json']);
    for (const e of WG.examples) expect(e.key.crv).toBe('Ed25519');
  });

  it(`${sign1Example.file}: decodes strictly (it is deterministic CBOR) and verifies with the published key on both backends`, () => {
    const bytes = fromHex(sign1Example.cbor);
    const msg = decodeSign1(bytes, { maxBytes: 1024 }); // strict: their encoding happens to be deterministic
    expect(msg.protected.alg).toBe(-8);
    expect(msg.protected.contentType).toBe(0);
    expect(new TextDecoder().decode(msg.payload)).toBe(sign1Example.plaintext);
    expect(toHex(msg.unprotected.get(HEADER.kid) as Uint8Array)).toBe(toHex(text(sign1Example.key.kid)));
    const x = fromHex(sign1Example.key.x_hex);
    expect(verifySign1Signature(msg, x, nodeEd25519)).toBe(true);
    expect(verifySign1Signature(msg, x, nobleEd25519)).toBe(true);
    const other = seedSigner(new Uint8Array(32).fill(1)).publicKey;
    expect(verifySign1Signature(msg, other, nodeEd25519)).toBe(false);
  });

  it(`${sign1Example.file}: our Sig_structure is their ToBeSign, and signing it reproduces their signature and their bytes`, async () => {
    const msg = decodeSign1(fromHex(sign1Example.cbor), { maxBytes: 1024 });
    const tbs = sigStructure1(msg.protectedBytes, msg.payload);
    expect(toHex(tbs)).toBe(sign1Example.intermediates!.ToBeSign_hex.toLowerCase());
    for (const backend of [nodeEd25519, nobleEd25519]) {
      const signer = seedSigner(fromHex(sign1Example.key.d_hex), backend);
      expect(toHex(signer.publicKey)).toBe(sign1Example.key.x_hex);
      const sig = await signer.sign(tbs);
      expect(toHex(sig)).toBe(toHex(msg.signature));
      const ours = encodeCbor(new Tag([msg.protectedBytes, new Map([[HEADER.kid, text(sign1Example.key.kid)]]), msg.payload, sig], 18));
      expect(toHex(ours)).toBe(sign1Example.cbor.toLowerCase());
    }
  });

  it(`${signExample.file}: COSE_Sign decodes strictly, verifies, and re-signing reproduces it byte for byte`, async () => {
    const bytes = fromHex(signExample.cbor);
    const msg = decodeMulti(bytes, { maxBytes: 1024 });
    expect(msg.protected.contentType).toBe(0);
    expect(msg.signatures).toHaveLength(1);
    const s = msg.signatures[0]!;
    expect(s.protected.alg).toBe(-8);
    const x = fromHex(signExample.key.x_hex);
    expect(verifyCoseSignature(msg, s, x, nodeEd25519)).toBe(true);
    expect(verifyCoseSignature(msg, s, x, nobleEd25519)).toBe(true);
    const signer = seedSigner(fromHex(signExample.key.d_hex));
    const sig = await signer.sign(sigStructure(msg.protectedBytes, s.protectedBytes, msg.payload));
    expect(toHex(sig)).toBe(toHex(s.signature));
    const ours = encodeCbor(
      new Tag([msg.protectedBytes, new Map(), msg.payload, [[s.protectedBytes, new Map([[HEADER.kid, text(signExample.key.kid)]]), sig]]], 98),
    );
    expect(toHex(ours)).toBe(signExample.cbor.toLowerCase());
  });

  it('a one-bit change anywhere in the published signature fails verification', () => {
    const msg = decodeSign1(fromHex(sign1Example.cbor), { maxBytes: 1024 });
    const x = fromHex(sign1Example.key.x_hex);
    for (let i = 0; i < 64; i += 7) {
      const bad = { ...msg, signature: Uint8Array.from(msg.signature) };
      bad.signature[i]! ^= 0x80;
      expect(verifySign1Signature(bad, x, nodeEd25519)).toBe(false);
    }
  });
});

describe('@ldclabs/cose-ts cross-check (cborg + @noble/curves, no cbor-x)', () => {
  const seed = fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
  const ours = seedSigner(seed);
  const theirKey = Ed25519Key.fromSecret(seed);
  const record: IdentityRecord = {
    v: PROTOCOL_VERSION,
    code: '86123456789012345678901234567',
    devicePublicKey: new Uint8Array(32).fill(7),
    modelName: 'Walker H1',
    manufactureDate: '2025-01-15',
    hardwareBinding: new Uint8Array(32).fill(9),
    issuedAt: 1_738_281_600,
    recordVersion: 1,
    enterpriseCert: new Uint8Array([0xd2, 0x84]),
  };

  it('same public key from the same seed', () => {
    expect(toHex(theirKey.getPublicKey())).toBe(toHex(ours.publicKey));
  });

  it('a COSE_Sign1 we make (a typed identity record) verifies in cose-ts, which returns our payload', async () => {
    const bytes = await signObject(identityKind, record, ours);
    const theirs = Sign1Message.fromBytes(Ed25519Key.fromPublic(ours.publicKey), bytes);
    const opened = openSign1(identityKind, bytes);
    expect(toHex(theirs.payload)).toBe(toHex(opened.cose.payload));
    expect(theirs.protected!.getText(HEADER.contentType)).toBe(CONTENT_TYPES.identity);
    expect(toHex(theirs.protected!.getBytes(HEADER.kid))).toBe(toHex(ours.kid));
    // and a tampered one is refused there too
    const bad = Uint8Array.from(bytes);
    bad[bad.length - 1]! ^= 1;
    expect(() => Sign1Message.fromBytes(Ed25519Key.fromPublic(ours.publicKey), bad)).toThrow(/signature mismatch/);
  });

  it('a COSE_Sign1 cose-ts makes verifies with our strict decoder, and is byte-identical to ours', async () => {
    const payload = new Uint8Array([0xa1, 0x00, 0x01]);
    const prot = header([HEADER.alg, -8], [HEADER.contentType, 'application/vnd.robot-id.test+cbor'], [HEADER.kid, ours.kid]);
    const theirBytes = Sign1Message.withTag(new Sign1Message(payload, prot, new Header()).toBytes(theirKey));
    const msg = decodeSign1(theirBytes, { maxBytes: 1024 }); // strict: cborg writes deterministic CBOR too
    expect(verifySign1Signature(msg, ours.publicKey, nodeEd25519)).toBe(true);
    expect(verifySign1Signature(msg, ours.publicKey, nobleEd25519)).toBe(true);
    const ourBytes = await signSign1(payload, ours, { contentType: 'application/vnd.robot-id.test+cbor' });
    expect(toHex(theirBytes)).toBe(toHex(ourBytes));
  });

  it('a typed identity record signed by cose-ts opens and verifies through our typed layer', () => {
    const payload = encodeCbor(identityKind.schema.toCbor(record) as CborValue);
    const prot = header([HEADER.alg, -8], [HEADER.contentType, CONTENT_TYPES.identity], [HEADER.kid, ours.kid]);
    const theirBytes = Sign1Message.withTag(new Sign1Message(payload, prot, new Header()).toBytes(theirKey));
    const opened = openSign1(identityKind, theirBytes);
    expect(opened.value).toEqual(record);
    expect(verifyOpened(opened, ours.publicKey, nodeEd25519)).toBe(true);
  });
});
