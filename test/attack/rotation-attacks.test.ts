/**
 * Hostile root rotation statements (docs/protocol.md §"Root rotation", steps R1-R8): each is
 * refused with its one typed reason, and the store it was offered to is left as it was.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTENT_TYPES,
  COSE_ALG_SM2_SM3,
  HEADER,
  RotationError,
  addSignature,
  applyRotation,
  applyRotations,
  encodeCbor,
  encodePayload,
  rotationKind,
  signMulti,
  initRoot,
  rotateRoot,
  signPolicy,
  type Authority,
  type RotatedRoot,
  type TrustStore,
} from '../../sdk/index.js';
import { freshSigner, rootEntry, signStatement, statementFor } from '../helpers/rotation.js';

const dir = mkdtempSync(join(tmpdir(), 'rid-rotation-attacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let v1: Authority;
let r2: RotatedRoot;
let r3: RotatedRoot;
let atV3: TrustStore;

beforeAll(async () => {
  v1 = initRoot({ dir: join(dir, 'v1'), country: '86' });
  r2 = await rotateRoot({ root: v1, dir: join(dir, 'v2') });
  r3 = await rotateRoot({ root: r2.authority, dir: join(dir, 'v3') });
  atV3 = applyRotations([r2.bytes, r3.bytes], v1.trust).trust;
});

function refused(bytes: Uint8Array, trust: TrustStore, code: string, country?: string, message?: RegExp): void {
  const before = JSON.stringify(trust.toJSON());
  let err: unknown;
  try {
    applyRotation(bytes, trust, { country });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RotationError);
  expect((err as RotationError).code).toBe(code);
  if (message) expect((err as RotationError).message).toMatch(message);
  expect(JSON.stringify(trust.toJSON())).toBe(before);
}

describe('refused with a typed reason', () => {
  it('signed by the new key only: ROTATION_SIGNATURE', async () => {
    const next = freshSigner();
    refused(await signStatement(statementFor(rootEntry(v1), next), [next]), v1.trust, 'ROTATION_SIGNATURE', undefined, /expected a signature by the previous root/);
  });

  it('signed by the old root only (no proof the new key agreed): ROTATION_SIGNATURE', async () => {
    refused(await signStatement(statementFor(rootEntry(v1), freshSigner()), [v1.signer]), v1.trust, 'ROTATION_SIGNATURE', undefined, /expected a signature by the new root key/);
  });

  it('a third signature: ROTATION_SIGNATURE', async () => {
    const next = freshSigner();
    refused(await signStatement(statementFor(rootEntry(v1), next), [v1.signer, next, freshSigner()]), v1.trust, 'ROTATION_SIGNATURE', undefined, /exactly 2 signatures/);
  });

  it('signed by a key that merely claims to be the previous root: ROTATION_SIGNATURE', async () => {
    const next = freshSigner();
    const impostor = freshSigner();
    const forged = { alg: impostor.alg, publicKey: impostor.publicKey, kid: v1.signer.kid, sign: (m: Uint8Array) => impostor.sign(m) };
    refused(await signStatement(statementFor(rootEntry(v1), next), [forged, next]), v1.trust, 'ROTATION_SIGNATURE', undefined, /previous root does not verify/);
  });

  it('a skipped version (v1 offered v3): ROTATION_SKIPPED', () => {
    refused(r3.bytes, v1.trust, 'ROTATION_SKIPPED');
  });

  it('a rollback to another v2 (signed by the real v1 key) when v3 is held: ROTATION_ROLLBACK', async () => {
    const next = freshSigner();
    refused(await signStatement(statementFor(rootEntry(v1), next), [v1.signer, next]), atV3, 'ROTATION_ROLLBACK');
  });

  it('a fork of v2 (another statement of the same version) when v2 is held: ROTATION_ROLLBACK', async () => {
    const atV2 = applyRotation(r2.bytes, v1.trust).trust;
    const next = freshSigner();
    refused(await signStatement(statementFor(rootEntry(v1), next), [v1.signer, next]), atV2, 'ROTATION_ROLLBACK');
  });

  it('naming a previous root other than the current one: ROTATION_SIGNATURE', async () => {
    const other = initRoot({ dir: join(dir, 'other'), country: '86' });
    const next = freshSigner();
    refused(await signStatement(statementFor(rootEntry(other), next), [other.signer, next]), v1.trust, 'ROTATION_SIGNATURE');
  });

  it("another country's rotation offered to a unit of 86: ROTATION_COUNTRY", async () => {
    const r87 = initRoot({ dir: join(dir, 'r87'), country: '87' });
    const r87v2 = await rotateRoot({ root: r87, dir: join(dir, 'r87v2') });
    refused(r87v2.bytes, v1.trust.merge(r87.trust), 'ROTATION_COUNTRY', '86');
  });

  it('the new key is already a root: ROTATION_KEY', async () => {
    const other = initRoot({ dir: join(dir, 'other2'), country: '86' });
    const both = v1.trust.merge(other.trust);
    refused(await signStatement(statementFor(rootEntry(v1), other.signer), [v1.signer, other.signer]), both, 'ROTATION_KEY');
  });

  it('an SM2 point certified as an Ed25519 key: ROTATION_KEY', async () => {
    const next = freshSigner(COSE_ALG_SM2_SM3);
    refused(await signStatement(statementFor(rootEntry(v1), next, { alg: -8 }), [v1.signer, next]), v1.trust, 'ROTATION_KEY');
  });

  it('notAfter before notBefore: ROTATION_MALFORMED', async () => {
    const next = freshSigner();
    refused(await signStatement(statementFor(rootEntry(v1), next, { notAfter: 1, notBefore: 2 }), [v1.signer, next]), v1.trust, 'ROTATION_MALFORMED');
  });

  it('a certificate in a signer header: ROTATION_MALFORMED', async () => {
    const next = freshSigner();
    const once = await signStatement(statementFor(rootEntry(v1), next), [v1.signer]);
    const twice = await addSignature(once, next, { maxBytes: 2048, unprotected: new Map([[HEADER.certificate, new Uint8Array(4)]]) });
    refused(twice, v1.trust, 'ROTATION_MALFORMED');
  });

  it('a policy (another kind signed by the same root): ROTATION_WRONG_KIND or MALFORMED', async () => {
    const policy = await signPolicy(v1.signer, { country: '86', version: 1, issuedAt: 1, thresholds: { notify: 1, restrict: 1, stop: 2 } });
    // A Sign1 is not a COSE_Sign at all.
    refused(policy, v1.trust, 'ROTATION_MALFORMED');
  });

  it('another COSE_Sign kind (a recall-typed body) signed by both keys: ROTATION_WRONG_KIND', async () => {
    const next = freshSigner();
    const statement = statementFor(rootEntry(v1), next);
    let bytes = await signMulti(encodePayload(rotationKind, statement), v1.signer, { contentType: CONTENT_TYPES.recall });
    bytes = await addSignature(bytes, next, { maxBytes: 2048 });
    refused(bytes, v1.trust, 'ROTATION_WRONG_KIND');
  });

  it("an SM2 root's signature labelled EdDSA (algorithm substitution): ROTATION_SIGNATURE before any cryptography", async () => {
    const sm2 = initRoot({ dir: join(dir, 'sm2-root'), country: '86', alg: COSE_ALG_SM2_SM3 });
    const next = freshSigner(COSE_ALG_SM2_SM3);
    const posing = { alg: -8, kid: sm2.signer.kid, publicKey: sm2.signer.publicKey, sign: (m: Uint8Array) => sm2.signer.sign(m) };
    refused(await signStatement(statementFor(rootEntry(sm2), next), [posing, next]), sm2.trust, 'ROTATION_SIGNATURE', undefined, /pinned to SM2/);
  });

  it('random bytes and a flipped byte anywhere: a typed refusal, never a store change', () => {
    refused(encodeCbor(new Map([[1, 2]])), v1.trust, 'ROTATION_MALFORMED');
    for (let i = 0; i < r2.bytes.length; i++) {
      const bad = new Uint8Array(r2.bytes);
      bad[i] ^= 0x01;
      let err: unknown;
      try {
        applyRotation(bad, v1.trust);
      } catch (e) {
        err = e;
      }
      expect(err, `byte ${i}`).toBeInstanceOf(RotationError);
    }
  });

  it('a chain with a bad link stops there: later versions are SKIPPED, earlier ones stay applied', async () => {
    const next = freshSigner();
    const newKeyOnly = await signStatement(statementFor(rootEntry(v1), next), [next]);
    const walked = applyRotations([newKeyOnly, r3.bytes], v1.trust);
    expect(walked.refused.map((e) => e.code)).toEqual(['ROTATION_SIGNATURE', 'ROTATION_SKIPPED']);
    expect(walked.trust).toBe(v1.trust);
  });
});

it('the content type is the rotation type', () => {
  expect(CONTENT_TYPES.rotation).toBe('application/vnd.robot-id.rotation+cbor');
});
