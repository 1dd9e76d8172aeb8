/**
 * COSE_Sign1 (RFC 9052 §4.2) with EdDSA or SM2-with-SM3. Signatures are made and checked over
 * Sig_structure = ["Signature1", body_protected, external_aad, payload] built from the exact
 * bytes received, never from a re-serialised copy.
 */
import { Tag, decodeCbor, encodeCbor, type CborValue } from '../cbor/index.js';
import { CoseError, describe } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { COSE_ALG_EDDSA, type Signer } from '../crypto/signer.js';
import { coseSign1Bytes, sigStructure1Bytes } from './sig-structure.js';
import { verifyWithAlg } from '../crypto/alg.js';
import { checkPinnedAlg } from './pinned.js';
import { HEADER, TAG_SIGN1, encodeProtected, parseProtected, parseUnprotected, type ProtectedHeader } from './headers.js';

const EMPTY = new Uint8Array(0);

export interface Sign1 {
  /** The protected header bytes exactly as received (they are what was signed). */
  protectedBytes: Uint8Array;
  protected: ProtectedHeader;
  unprotected: Map<number | string, CborValue>;
  /** The payload bytes exactly as received. */
  payload: Uint8Array;
  signature: Uint8Array;
}

export function sigStructure1(protectedBytes: Uint8Array, payload: Uint8Array, externalAad: Uint8Array = EMPTY): Uint8Array {
  return sigStructure1Bytes(protectedBytes, externalAad, payload);
}

export interface Sign1Options {
  contentType: string;
  externalAad?: Uint8Array;
  /** Extra protected header entries (rarely needed). */
  extraProtected?: Map<number, CborValue>;
  /** Unprotected header entries, e.g. the signer's certificate (HEADER.certificate). */
  unprotected?: Map<number, CborValue>;
}

/**
 * Encoded protected headers per signer and content type: constant for a long-lived key, and
 * encoding one (a sorted map) costs more than assembling the rest of the message.
 */
const protectedCache = new WeakMap<Signer, Map<string, Uint8Array>>();
const EMPTY_MAP = encodeCbor(new Map());

function protectedFor(signer: Signer, contentType: string, extra: Map<number, CborValue> | undefined): Uint8Array {
  const encode = (): Uint8Array => {
    const headers = new Map<number, CborValue>(extra ?? []);
    headers.set(HEADER.alg, signer.alg);
    headers.set(HEADER.contentType, contentType);
    headers.set(HEADER.kid, signer.kid);
    return encodeProtected(headers);
  };
  if (extra && extra.size > 0) return encode();
  let byType = protectedCache.get(signer);
  if (!byType) protectedCache.set(signer, (byType = new Map()));
  let bytes = byType.get(contentType);
  if (!bytes) byType.set(contentType, (bytes = encode()));
  return bytes;
}

/** Length of an EdDSA signature: what a template leaves room for. */
const EDDSA_SIGNATURE_BYTES = 64;

/**
 * An EdDSA COSE_Sign1 before its signature: the Sig_structure to sign and the message with
 * the signature's 64 bytes still zero. Both hold the payload last but one (the message) or
 * last (the Sig_structure), at the offsets given, so a caller that fills a hole in the payload
 * after building the template (the event chain's prevHash, sdk/messages/event-chain.ts)
 * patches both copies alike. Filling the signature in gives exactly what `signSign1` makes.
 */
export interface Sign1Template {
  toBeSigned: Uint8Array;
  message: Uint8Array;
  payloadInToBeSigned: number;
  payloadInMessage: number;
  signatureAt: number;
}

export function sign1Template(payload: Uint8Array, signer: Signer, options: Sign1Options): Sign1Template {
  if (signer.alg !== COSE_ALG_EDDSA) throw new CoseError('COSE_ALG', `sign1Template: expected an EdDSA signer (alg ${COSE_ALG_EDDSA}), got alg ${signer.alg}`);
  const { toBeSigned, assemble } = sign1Parts(payload, signer, options);
  const message = assemble(new Uint8Array(EDDSA_SIGNATURE_BYTES));
  const signatureAt = message.length - EDDSA_SIGNATURE_BYTES;
  // The signature's head (0x58 0x40) sits between the payload and the signature.
  return { toBeSigned, message, payloadInToBeSigned: toBeSigned.length - payload.length, payloadInMessage: signatureAt - 2 - payload.length, signatureAt };
}

/** Signs `payload` (already-encoded bytes) as a tagged COSE_Sign1. */
export async function signSign1(payload: Uint8Array, signer: Signer, options: Sign1Options): Promise<Uint8Array> {
  const { toBeSigned, assemble } = sign1Parts(payload, signer, options);
  return assemble(await signer.sign(toBeSigned));
}

/** The Sig_structure to sign, and how to assemble the tagged COSE_Sign1 around a signature. */
function sign1Parts(payload: Uint8Array, signer: Signer, options: Sign1Options): { toBeSigned: Uint8Array; assemble(signature: Uint8Array): Uint8Array } {
  const protectedBytes = protectedFor(signer, options.contentType, options.extraProtected);
  const toBeSigned = sigStructure1(protectedBytes, payload, options.externalAad);
  const unprotected = options.unprotected && options.unprotected.size > 0 ? encodeCbor(options.unprotected) : EMPTY_MAP;
  return { toBeSigned, assemble: (signature) => coseSign1Bytes(protectedBytes, unprotected, payload, signature) };
}

export interface DecodeCoseOptions {
  maxBytes: number;
  /**
   * Require deterministic encoding of the outer structure (our own objects). Only interop
   * tests against third-party examples turn this off.
   */
  strict?: boolean;
  what?: string;
}

/** Size cap, strict decode and structural checks; no signature check yet. */
export function decodeSign1(bytes: Uint8Array, options: DecodeCoseOptions): Sign1 {
  const what = options.what ?? 'COSE_Sign1';
  const strict = options.strict ?? true;
  const value = decodeCbor(bytes, { maxBytes: options.maxBytes, what, deterministic: strict });
  let body: CborValue = value;
  if (value instanceof Tag) {
    if (value.tag !== TAG_SIGN1) throw new CoseError('COSE_MALFORMED', `${what}: expected CBOR tag 18, got tag ${value.tag}`);
    body = value.value as CborValue;
  } else {
    throw new CoseError('COSE_MALFORMED', `${what}: expected CBOR tag 18 (COSE_Sign1), got ${describe(value)}`);
  }
  if (!Array.isArray(body) || body.length !== 4) {
    throw new CoseError('COSE_MALFORMED', `${what}: expected an array of 4, got ${describe(body)}`);
  }
  const [p, u, payload, signature] = body;
  if (!(p instanceof Uint8Array)) throw new CoseError('COSE_MALFORMED', `${what}: protected header must be a byte string`);
  if (!(payload instanceof Uint8Array)) throw new CoseError('COSE_MALFORMED', `${what}: expected an attached payload byte string`);
  if (!(signature instanceof Uint8Array)) throw new CoseError('COSE_MALFORMED', `${what}: signature must be a byte string`);
  return {
    protectedBytes: p,
    protected: parseProtected(p, strict),
    unprotected: parseUnprotected(u as CborValue),
    payload,
    signature,
  };
}

/**
 * Checks the signature with the key's pinned algorithm (default EdDSA, the algorithm of every
 * key that names none). A protected alg other than `alg` throws CoseError('COSE_ALG')
 * (pinned.ts); every cryptographic failure returns false.
 */
export function verifySign1Signature(
  msg: Sign1,
  publicKey: Uint8Array,
  backend: Ed25519Backend,
  externalAad: Uint8Array = EMPTY,
  alg: number = COSE_ALG_EDDSA,
): boolean {
  checkPinnedAlg(msg.protected.alg, alg);
  return verifyWithAlg(alg, msg.signature, sigStructure1(msg.protectedBytes, msg.payload, externalAad), publicKey, backend);
}
