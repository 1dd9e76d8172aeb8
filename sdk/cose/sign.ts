/**
 * COSE_Sign (RFC 9052 §4.1): one payload, several signers, for objects that need a threshold of
 * signatures (stop-operation recalls). The body's protected header carries the content type;
 * each signer's protected header carries its alg and kid. Each signature is over
 * Sig_structure = ["Signature", body_protected, sign_protected, external_aad, payload].
 * A co-signer appends a signature without touching the body or the other signatures.
 */
import { Tag, decodeCbor, encodeCbor, type CborValue } from '../cbor/index.js';
import { CoseError, describe } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { COSE_ALG_EDDSA, type Signer } from '../crypto/signer.js';
import { bytesEqual } from '../cbor/index.js';
import { sigStructureBytes } from './sig-structure.js';
import { verifyWithAlg } from '../crypto/alg.js';
import { checkPinnedAlg } from './pinned.js';
import { HEADER, TAG_SIGN, encodeProtected, parseProtected, parseUnprotected, type ProtectedHeader } from './headers.js';
import type { DecodeCoseOptions } from './sign1.js';

const EMPTY = new Uint8Array(0);

export interface CoseSignature {
  protectedBytes: Uint8Array;
  protected: ProtectedHeader;
  unprotected: Map<number | string, CborValue>;
  signature: Uint8Array;
}

export interface MultiSign {
  protectedBytes: Uint8Array;
  protected: ProtectedHeader;
  unprotected: Map<number | string, CborValue>;
  payload: Uint8Array;
  signatures: CoseSignature[];
}

/** The most signatures a COSE_Sign may carry before we refuse to look at it. */
export const MAX_SIGNATURES = 16;

export function sigStructure(bodyProtected: Uint8Array, signProtected: Uint8Array, payload: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  return sigStructureBytes(bodyProtected, signProtected, aad, payload);
}

async function makeSignature(bodyProtected: Uint8Array, payload: Uint8Array, signer: Signer, unprotected?: Map<number, CborValue>): Promise<CborValue> {
  const signProtected = encodeProtected(
    new Map<number, CborValue>([
      [HEADER.alg, signer.alg],
      [HEADER.kid, signer.kid],
    ]),
  );
  const signature = await signer.sign(sigStructure(bodyProtected, signProtected, payload));
  return [signProtected, unprotected ?? new Map(), signature];
}

/** Signs `payload` as a tagged COSE_Sign with one first signature. */
export async function signMulti(
  payload: Uint8Array,
  signer: Signer,
  options: { contentType: string; unprotected?: Map<number, CborValue> },
): Promise<Uint8Array> {
  const bodyProtected = encodeProtected(new Map<number, CborValue>([[HEADER.contentType, options.contentType]]));
  const sig = await makeSignature(bodyProtected, payload, signer, options.unprotected);
  return encodeCbor(new Tag([bodyProtected, new Map(), payload, [sig]], TAG_SIGN));
}

/**
 * Adds `signer`'s signature to an existing COSE_Sign. The body and payload are carried over
 * byte for byte; a signer whose kid already signed is refused (a signer counts once).
 */
export async function addSignature(
  bytes: Uint8Array,
  signer: Signer,
  options: DecodeCoseOptions & { unprotected?: Map<number, CborValue> },
): Promise<Uint8Array> {
  const msg = decodeMulti(bytes, options);
  if (msg.signatures.some((s) => s.protected.kid && bytesEqual(s.protected.kid, signer.kid))) {
    throw new CoseError('COSE_MALFORMED', 'this key has already signed this object');
  }
  if (msg.signatures.length >= MAX_SIGNATURES) throw new CoseError('COSE_MALFORMED', `at most ${MAX_SIGNATURES} signatures`);
  const sig = await makeSignature(msg.protectedBytes, msg.payload, signer, options.unprotected);
  const existing = msg.signatures.map((s) => [s.protectedBytes, s.unprotected, s.signature] as CborValue);
  return encodeCbor(new Tag([msg.protectedBytes, msg.unprotected, msg.payload, [...existing, sig]], TAG_SIGN));
}

export function decodeMulti(bytes: Uint8Array, options: DecodeCoseOptions): MultiSign {
  const what = options.what ?? 'COSE_Sign';
  const strict = options.strict ?? true;
  const value = decodeCbor(bytes, { maxBytes: options.maxBytes, what, deterministic: strict });
  if (!(value instanceof Tag) || value.tag !== TAG_SIGN) {
    throw new CoseError('COSE_MALFORMED', `${what}: expected CBOR tag 98 (COSE_Sign), got ${value instanceof Tag ? `tag ${value.tag}` : describe(value)}`);
  }
  const body = value.value as CborValue;
  if (!Array.isArray(body) || body.length !== 4) throw new CoseError('COSE_MALFORMED', `${what}: expected an array of 4, got ${describe(body)}`);
  const [p, u, payload, sigs] = body;
  if (!(p instanceof Uint8Array)) throw new CoseError('COSE_MALFORMED', `${what}: protected header must be a byte string`);
  if (!(payload instanceof Uint8Array)) throw new CoseError('COSE_MALFORMED', `${what}: expected an attached payload byte string`);
  if (!Array.isArray(sigs) || sigs.length === 0) throw new CoseError('COSE_NO_SIGNATURE', `${what}: expected at least one signature`);
  if (sigs.length > MAX_SIGNATURES) throw new CoseError('COSE_MALFORMED', `${what}: expected at most ${MAX_SIGNATURES} signatures, got ${sigs.length}`);
  const signatures = sigs.map((s, i): CoseSignature => {
    if (!Array.isArray(s) || s.length !== 3) throw new CoseError('COSE_MALFORMED', `${what}: signature ${i}: expected an array of 3`);
    const [sp, su, sig] = s;
    if (!(sp instanceof Uint8Array) || !(sig instanceof Uint8Array)) {
      throw new CoseError('COSE_MALFORMED', `${what}: signature ${i}: protected header and signature must be byte strings`);
    }
    return {
      protectedBytes: sp,
      protected: parseProtected(sp, strict),
      unprotected: parseUnprotected(su as CborValue),
      signature: sig,
    };
  });
  return {
    protectedBytes: p,
    protected: parseProtected(p, strict),
    unprotected: parseUnprotected(u as CborValue),
    payload,
    signatures,
  };
}

/**
 * One signature of a COSE_Sign, with its key's pinned algorithm (default EdDSA). A protected
 * alg other than `alg` throws CoseError('COSE_ALG'); every cryptographic failure returns false.
 */
export function verifyCoseSignature(
  msg: MultiSign,
  sig: CoseSignature,
  publicKey: Uint8Array,
  backend: Ed25519Backend,
  aad: Uint8Array = EMPTY,
  alg: number = COSE_ALG_EDDSA,
): boolean {
  checkPinnedAlg(sig.protected.alg, alg);
  return verifyWithAlg(alg, sig.signature, sigStructure(msg.protectedBytes, sig.protectedBytes, msg.payload, aad), publicKey, backend);
}
