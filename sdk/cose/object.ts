/**
 * Typed signed objects: a kind = content type + payload schema + size cap. `openSign1` runs
 * the decoding steps of docs/protocol.md §"Verification order" (size cap, strict decode,
 * content type, payload schema and version); the caller then verifies the signature over the
 * bytes received with `verifyOpened`, once it knows which key should have signed.
 */
import { decodeCbor, encodeCbor, type CborValue, type Schema } from '../cbor/index.js';
import { CoseError, EncodingError, describe } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { COSE_ALG_EDDSA, type Signer } from '../crypto/signer.js';
import { PROTOCOL_VERSION } from '../version.js';
import { decodeSign1, signSign1, verifySign1Signature, type Sign1 } from './sign1.js';
import { decodeMulti, signMulti, type MultiSign } from './sign.js';
import { ALLOWED_LABELS, HEADER, checkLabels } from './headers.js';

/** Every payload carries its protocol version at label 0. */
export interface Versioned {
  v: number;
}

export interface ObjectKind<T extends Versioned> {
  readonly name: string;
  readonly contentType: string;
  readonly schema: Schema<T>;
  /** Largest encoded COSE object accepted, checked before decoding. */
  readonly maxBytes: number;
}

export function defineKind<T extends Versioned>(kind: ObjectKind<T>): ObjectKind<T> {
  if (kind.schema.fields.v?.l !== 0) throw new Error(`kind ${kind.name}: field v must have label 0`);
  return Object.freeze(kind);
}

export interface Opened<T> {
  value: T;
  cose: Sign1;
}

export interface OpenedMulti<T> {
  value: T;
  cose: MultiSign;
}

export function encodePayload<T extends Versioned>(kind: ObjectKind<T>, value: T): Uint8Array {
  return encodeCbor(kind.schema.toCbor(value));
}

export function decodePayload<T extends Versioned>(kind: ObjectKind<T>, payload: Uint8Array, maxBytes = kind.maxBytes): T {
  const raw: CborValue = decodeCbor(payload, { maxBytes, what: `${kind.name} payload` });
  const value = kind.schema.fromCbor(raw);
  if (value.v !== PROTOCOL_VERSION) {
    throw new EncodingError('CBOR_SCHEMA', `${kind.name}: expected protocol version ${PROTOCOL_VERSION}, got ${describe(value.v)} ${String(value.v)}`);
  }
  return value;
}

/** Signs a typed object; `certificate` (the signer's cert bytes) goes in the unprotected header. */
export async function signObject<T extends Versioned>(kind: ObjectKind<T>, value: T, signer: Signer, certificate?: Uint8Array): Promise<Uint8Array> {
  const unprotected = certificate ? new Map<number, CborValue>([[HEADER.certificate, certificate]]) : undefined;
  return signSign1(encodePayload(kind, value), signer, { contentType: kind.contentType, unprotected });
}

export async function signObjectMulti<T extends Versioned>(kind: ObjectKind<T>, value: T, signer: Signer, certificate?: Uint8Array): Promise<Uint8Array> {
  const unprotected = certificate ? new Map<number, CborValue>([[HEADER.certificate, certificate]]) : undefined;
  return signMulti(encodePayload(kind, value), signer, { contentType: kind.contentType, unprotected });
}

function checkContentType(kind: { name: string; contentType: string }, got: string | number | undefined): void {
  if (got !== kind.contentType) {
    throw new CoseError('COSE_WRONG_KIND', `expected a ${kind.name} (${kind.contentType}), got content type ${got === undefined ? 'none' : String(got)}`);
  }
}

/** Steps 2-3 of the verification order for a COSE_Sign1 of `kind` (no signature check yet). */
export function openSign1<T extends Versioned>(kind: ObjectKind<T>, bytes: Uint8Array): Opened<T> {
  const cose = decodeSign1(bytes, { maxBytes: kind.maxBytes, what: kind.name });
  checkLabels(cose.protected.all, ALLOWED_LABELS.sign1Protected, `${kind.name} protected`);
  checkLabels(cose.unprotected, ALLOWED_LABELS.sign1Unprotected, `${kind.name} unprotected`);
  checkContentType(kind, cose.protected.contentType);
  if (!cose.protected.kid) throw new CoseError('COSE_MALFORMED', `${kind.name}: protected header has no kid`);
  return { value: decodePayload(kind, cose.payload), cose };
}

export function openMulti<T extends Versioned>(kind: ObjectKind<T>, bytes: Uint8Array): OpenedMulti<T> {
  const cose = decodeMulti(bytes, { maxBytes: kind.maxBytes, what: kind.name });
  checkLabels(cose.protected.all, ALLOWED_LABELS.bodyProtected, `${kind.name} body protected`);
  checkLabels(cose.unprotected, ALLOWED_LABELS.bodyUnprotected, `${kind.name} body unprotected`);
  checkContentType(kind, cose.protected.contentType);
  for (const s of cose.signatures) {
    checkLabels(s.protected.all, ALLOWED_LABELS.signerProtected, `${kind.name} signer protected`);
    checkLabels(s.unprotected, ALLOWED_LABELS.signerUnprotected, `${kind.name} signer unprotected`);
    if (!s.protected.kid) throw new CoseError('COSE_MALFORMED', `${kind.name}: a signature has no kid`);
  }
  return { value: decodePayload(kind, cose.payload), cose };
}

/**
 * Step 4: the signature over the bytes as received, with the key the caller resolved and the
 * algorithm that key is pinned to (default EdDSA). A protected alg other than `alg` throws
 * CoseError('COSE_ALG'); callers check `algMismatch` first to give their own typed reason.
 */
export function verifyOpened(opened: { cose: Sign1 }, publicKey: Uint8Array, backend: Ed25519Backend, alg: number = COSE_ALG_EDDSA): boolean {
  return verifySign1Signature(opened.cose, publicKey, backend, undefined, alg);
}
