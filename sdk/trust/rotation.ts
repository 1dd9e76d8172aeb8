/**
 * Root rotation (docs/protocol.md §"Root rotation"): a statement that root version n of a
 * country hands over to a new key, version n + 1. A COSE_Sign (content type
 * CONTENT_TYPES.rotation) carrying exactly two signatures: the previous root's, in its pinned
 * algorithm, and the new key's, in the algorithm the statement names (proof that the new key's
 * holder agreed). A holder of the old root alone cannot make one; nor can the new key alone.
 *
 * `applyRotation` takes a trust store and returns the next one: steps R1-R8 below, one typed
 * reason (RotationError) per failure. It does no I/O; persisting is the caller's (the agent
 * writes its trust store atomically before anything is judged under the new root).
 */
import { bytesEqual, defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, openMulti, signObjectMulti, type OpenedMulti } from '../cose/object.js';
import { addSignature, verifyCoseSignature } from '../cose/sign.js';
import { algMismatch } from '../cose/pinned.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519 } from '../crypto/ed25519-node.js';
import { describeAlg, isSupportedAlg, keyIdFor, publicKeyBytes, publicKeyProblem } from '../crypto/alg.js';
import { COSE_ALG_EDDSA, kidHex, type Signer } from '../crypto/signer.js';
import { codeScheme, type CodeSchemeInput } from '../code/index.js';
import { RobotIdError, RotationError } from '../errors.js';
import { PROTOCOL_VERSION } from '../version.js';
import { rootAlg, rootVersion, TrustStore, type Root } from './trust-store.js';

export interface RotationScheme {
  charset: string;
  check: string;
}

export interface RotationStatement {
  v: number;
  country: string;
  /** The new root's version: the previous root's + 1 (an existing root is version 1). */
  version: number;
  /** kid of the root this statement replaces (version - 1). */
  previousKid: Uint8Array;
  publicKey: Uint8Array;
  /** COSE alg of the new root key (always written: -8 EdDSA or -70000 SM2-SM3). */
  alg: number;
  /** Seconds since the epoch: the new root counts from here; the previous one until just before. */
  notBefore: number;
  notAfter: number;
  codeScheme: RotationScheme;
  name: string;
  issuedAt: number;
}

export const ROTATION_MAX_BYTES = 2048;

const schemeSchema = defineSchema<RotationScheme>('rotation code scheme', {
  charset: { l: 1, t: 'tstr', max: 32 },
  check: { l: 2, t: 'tstr', max: 32 },
});

export const rotationSchema = defineSchema<RotationStatement>('root rotation', {
  v: { l: 0, t: 'uint' },
  country: { l: 1, t: 'tstr', max: 2 },
  version: { l: 2, t: 'uint' },
  previousKid: { l: 3, t: 'bstr', max: 16 },
  publicKey: { l: 4, t: 'bstr', max: 65 },
  alg: { l: 5, t: 'int' },
  notBefore: { l: 6, t: 'uint' },
  notAfter: { l: 7, t: 'uint' },
  codeScheme: { l: 8, t: { schema: schemeSchema } },
  name: { l: 9, t: 'tstr', max: 256 },
  issuedAt: { l: 10, t: 'uint' },
});

export const rotationKind = defineKind<RotationStatement>({
  name: 'root rotation',
  contentType: CONTENT_TYPES.rotation,
  schema: rotationSchema,
  maxBytes: ROTATION_MAX_BYTES,
});

export interface RotationInput {
  /** The root being replaced (its entry in the current trust store). */
  previous: Root;
  /** Its key. */
  previousSigner: Signer;
  /** The new root key. */
  next: Signer;
  notBefore: number;
  notAfter: number;
  issuedAt: number;
  name?: string;
  codeScheme?: CodeSchemeInput;
}

/** Makes a statement signed by the previous root, then by the new key. */
export async function signRotation(input: RotationInput): Promise<Uint8Array> {
  const { previous, previousSigner, next } = input;
  if (!bytesEqual(previousSigner.kid, previous.kid)) throw new RangeError(`rotation: the previous root's signer has kid ${kidHex(previousSigner.kid)}, expected ${kidHex(previous.kid)}`);
  if (input.notAfter <= input.notBefore) throw new RangeError('rotation: expected notAfter after notBefore');
  const scheme = codeScheme(input.codeScheme ?? previous.codeScheme);
  const statement: RotationStatement = {
    v: PROTOCOL_VERSION,
    country: previous.country,
    version: rootVersion(previous) + 1,
    previousKid: previous.kid,
    publicKey: next.publicKey,
    alg: next.alg,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    codeScheme: { charset: scheme.charset, check: scheme.check },
    name: input.name ?? previous.name,
    issuedAt: input.issuedAt,
  };
  const once = await signObjectMulti(rotationKind, statement, previousSigner);
  return addSignature(once, next, { maxBytes: ROTATION_MAX_BYTES, what: rotationKind.name });
}

/** R1-R2 only: size cap, strict decode, content type, exact labels, schema and version. */
export function openRotation(bytes: Uint8Array): OpenedMulti<RotationStatement> {
  try {
    return openMulti(rotationKind, bytes);
  } catch (err) {
    const code = err instanceof RobotIdError && err.code === 'COSE_WRONG_KIND' ? 'ROTATION_WRONG_KIND' : 'ROTATION_MALFORMED';
    throw new RotationError(code, `root rotation: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export interface AppliedRotation {
  /** The trust store after the rotation (the same store when it was a duplicate). */
  trust: TrustStore;
  statement: RotationStatement;
  /** The statement is the one that introduced a root the store already holds: nothing changed. */
  duplicate: boolean;
}

export interface RotationCheck {
  /** When set, the statement must be for this country (a unit takes its own country's only). */
  country?: string;
  backend?: Ed25519Backend;
}

/**
 * Verifies one statement against `trust` and returns the store with it applied. Order:
 * R1 size cap, R2 strict decode (ROTATION_MALFORMED, ROTATION_WRONG_KIND); R3 country
 * (ROTATION_COUNTRY); R4 sequence against the held chain: the same bytes as a held root's
 * statement are a quiet duplicate, any other version at or below the current one is
 * ROTATION_ROLLBACK, above current + 1 ROTATION_SKIPPED; R5 previousKid names the current
 * root (ROTATION_SIGNATURE); R6 exactly two signatures, the previous root's in its pinned alg
 * and the new key's in the statement's alg, over the bytes received (ROTATION_SIGNATURE);
 * R7 the new key: a usable key of its alg, not a key the store already holds (ROTATION_KEY);
 * R8 times and code scheme (ROTATION_MALFORMED).
 */
export function applyRotation(bytes: Uint8Array, trust: TrustStore, check: RotationCheck = {}): AppliedRotation {
  // R1-R2
  const opened = openRotation(bytes);
  const s = opened.value;
  const tag = `root rotation of ${s.country} to version ${s.version}`;
  // R3
  if (check.country !== undefined && s.country !== check.country) {
    throw new RotationError('ROTATION_COUNTRY', `${tag}: expected a rotation of country ${check.country}`);
  }
  const current = trust.currentRoot(s.country);
  if (!current) throw new RotationError('ROTATION_COUNTRY', `${tag}: the trust store holds no current root of ${s.country}`);
  // R4
  const held = trust.rootsForCountry(s.country).find((r) => r.rotation && bytesEqual(r.rotation, bytes));
  if (held) return { trust, statement: s, duplicate: true };
  const have = rootVersion(current);
  if (s.version <= have) throw new RotationError('ROTATION_ROLLBACK', `${tag}: the trust store already holds version ${have} of ${s.country}, and not this statement`);
  if (s.version > have + 1) throw new RotationError('ROTATION_SKIPPED', `${tag}: expected version ${have + 1} first (rotations are applied in order)`);
  // R5
  if (!bytesEqual(s.previousKid, current.kid)) {
    throw new RotationError('ROTATION_SIGNATURE', `${tag}: replaces root ${kidHex(s.previousKid)}, the current root of ${s.country} is ${kidHex(current.kid)}`);
  }
  // R6
  if (!isSupportedAlg(s.alg)) throw new RotationError('ROTATION_KEY', `${tag}: unsupported ${describeAlg(s.alg)}`);
  if (s.publicKey.length !== publicKeyBytes(s.alg)) {
    throw new RotationError('ROTATION_KEY', `${tag}: expected a ${publicKeyBytes(s.alg)}-byte ${describeAlg(s.alg)} public key, got ${s.publicKey.length} bytes`);
  }
  const newKid = keyIdFor(s.alg, s.publicKey);
  checkSignatures(opened, tag, [
    { who: 'the previous root', kid: current.kid, publicKey: current.publicKey, alg: rootAlg(current) },
    { who: 'the new root key', kid: newKid, publicKey: s.publicKey, alg: s.alg },
  ], check.backend ?? nodeEd25519);
  // R7
  const problem = publicKeyProblem(s.alg, s.publicKey);
  if (problem) throw new RotationError('ROTATION_KEY', `${tag}: ${problem}`);
  if (trust.rootByKid(newKid)) throw new RotationError('ROTATION_KEY', `${tag}: the new key ${kidHex(newKid)} is already a root of this trust store`);
  // R8
  if (s.notAfter <= s.notBefore) throw new RotationError('ROTATION_MALFORMED', `${tag}: expected notAfter after notBefore`);
  if (current.notBefore !== undefined && s.notBefore < current.notBefore) {
    throw new RotationError('ROTATION_MALFORMED', `${tag}: the new root may not begin before the root it replaces`);
  }
  let scheme;
  try {
    scheme = codeScheme({ charset: s.codeScheme.charset, check: s.codeScheme.check } as CodeSchemeInput);
  } catch (err) {
    throw new RotationError('ROTATION_MALFORMED', `${tag}: code scheme: ${(err as Error).message}`, { cause: err });
  }
  const next: Root = {
    country: s.country,
    name: s.name,
    publicKey: s.publicKey,
    kid: newKid,
    codeScheme: scheme,
    version: s.version,
    notBefore: s.notBefore,
    notAfter: s.notAfter,
    rotation: bytes,
  };
  if (s.alg !== COSE_ALG_EDDSA) next.alg = s.alg;
  const roots = trust.roots.map((r) => (r === current ? { ...r, supersededAt: s.notBefore } : r));
  return { trust: new TrustStore([...roots, next]), statement: s, duplicate: false };
}

interface ExpectedSigner {
  who: string;
  kid: Uint8Array;
  publicKey: Uint8Array;
  alg: number;
}

function checkSignatures(opened: OpenedMulti<RotationStatement>, tag: string, expected: ExpectedSigner[], backend: Ed25519Backend): void {
  const sigs = opened.cose.signatures;
  for (const sig of sigs) {
    if (sig.unprotected.size > 0) throw new RotationError('ROTATION_MALFORMED', `${tag}: a signature carries an unprotected header (a rotation carries no certificate)`);
  }
  for (const e of expected) {
    const sig = sigs.find((x) => bytesEqual(x.protected.kid!, e.kid));
    if (!sig) throw new RotationError('ROTATION_SIGNATURE', `${tag}: expected a signature by ${e.who} (kid ${kidHex(e.kid)})`);
    const wrongAlg = algMismatch(sig.protected.alg, e.alg);
    if (wrongAlg) throw new RotationError('ROTATION_SIGNATURE', `${tag}: ${e.who}: ${wrongAlg}`);
    if (!verifyCoseSignature(opened.cose, sig, e.publicKey, backend, undefined, e.alg)) {
      throw new RotationError('ROTATION_SIGNATURE', `${tag}: the signature by ${e.who} does not verify`);
    }
  }
  if (sigs.length !== expected.length) {
    throw new RotationError('ROTATION_SIGNATURE', `${tag}: expected exactly ${expected.length} signatures (the previous root and the new key), got ${sigs.length}`);
  }
}

/**
 * Applies statements in order (a unit that was offline walks the chain). Each refusal is
 * returned beside the store, not thrown: one bad statement does not undo the ones before it.
 */
export function applyRotations(
  list: readonly Uint8Array[],
  trust: TrustStore,
  check: RotationCheck = {},
  /** A caller's own last word on each new store (the unit: its identity must still verify). */
  guard?: (next: TrustStore, statement: RotationStatement) => RotationError | undefined,
): { trust: TrustStore; applied: RotationStatement[]; refused: RotationError[] } {
  let store = trust;
  const applied: RotationStatement[] = [];
  const refused: RotationError[] = [];
  const ordered = [...list].map((bytes) => ({ bytes, version: versionOf(bytes) })).sort((a, b) => a.version - b.version);
  for (const { bytes } of ordered) {
    try {
      const r = applyRotation(bytes, store, check);
      if (r.duplicate) continue;
      const veto = guard?.(r.trust, r.statement);
      if (veto) throw veto;
      applied.push(r.statement);
      store = r.trust;
    } catch (err) {
      if (!(err instanceof RotationError)) throw err;
      refused.push(err);
    }
  }
  return { trust: store, applied, refused };
}

/** The version a statement claims, for ordering only (0 when it does not decode: refused later). */
function versionOf(bytes: Uint8Array): number {
  try {
    return openRotation(bytes).value.version;
  } catch {
    // Refused with its own reason when applied; ordering puts it first.
    return 0;
  }
}
