/**
 * The root rotation ceremony's one step that makes keys (docs/key-handling.md §"Rotating a
 * root"): a new root key in a new authority directory, the rotation statement signed by the
 * old root and the new key (sdk/trust/rotation.ts), and the new directory's trust store, which
 * is the old one with the statement applied (the old root kept, superseded at the new root's
 * notBefore, so what it issued before stays valid judged at issue time).
 */
import { join } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { KeyError } from '../errors.js';
import { COSE_ALG_EDDSA } from '../crypto/signer.js';
import { algName, isSupportedAlg } from '../crypto/alg.js';
import { algSigner, generateAlgKeyPair } from '../keys/alg-keys.js';
import { writeAlgPrivateKeyFile, writeAlgPublicKeyFile } from '../keys/files.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';
import { applyRotation, signRotation, type RotationStatement } from '../trust/rotation.js';
import { AUTHORITY_FORMAT, FILES, type Authority, type AuthorityMeta } from './authority.js';

/** The statement's file in the new root's directory. */
export const ROTATION_FILE = 'rotation.cose';
/** Default validity of a new root: 20 years. */
export const DEFAULT_ROOT_VALIDITY_SECONDS = 20 * 365 * 86400;

export interface RotateInput {
  /** The current root (loaded with its key). */
  root: Authority;
  /** A new, empty directory for the new root. */
  dir: string;
  /** Seconds since the epoch; default now. The old root counts for times before it. */
  notBefore?: number;
  validitySeconds?: number;
  /** COSE alg of the new key (default: the old root's). */
  alg?: number;
  name?: string;
  passphrase?: string;
  /** Seconds since the epoch (default now). */
  now?: number;
}

export interface RotatedRoot {
  authority: Authority;
  statement: RotationStatement;
  bytes: Uint8Array;
}

export async function rotateRoot(input: RotateInput): Promise<RotatedRoot> {
  const { root } = input;
  if (root.meta.kind !== 'root') throw new KeyError('KEY_FORMAT', `${root.dir}: expected a root authority, got ${root.meta.kind}`);
  const previous = root.trust.rootByKid(root.signer.kid);
  if (!previous) throw new KeyError('KEY_MISMATCH', `${root.dir}: its key is not a root of its own trust store`);
  const alg = input.alg ?? root.signer.alg;
  if (!isSupportedAlg(alg)) throw new RangeError(`root key algorithm: expected EdDSA (-8) or SM2-SM3 (-70000), got ${alg}`);
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const notBefore = input.notBefore ?? now;
  mkdirSync(input.dir, { recursive: true, mode: 0o700 });
  if (existsSync(join(input.dir, FILES.key))) throw new KeyError('KEY_FORMAT', `${input.dir}: already holds a key; refusing to overwrite it`);
  const pair = generateAlgKeyPair(alg);
  const next = algSigner(pair);
  const bytes = await signRotation({
    previous,
    previousSigner: root.signer,
    next,
    notBefore,
    notAfter: notBefore + (input.validitySeconds ?? DEFAULT_ROOT_VALIDITY_SECONDS),
    issuedAt: now,
    name: input.name,
  });
  // The new store is the old one with the statement applied by the same code a unit runs.
  const applied = applyRotation(bytes, root.trust);
  writeAlgPrivateKeyFile(join(input.dir, FILES.key), pair, { passphrase: input.passphrase });
  writeAlgPublicKeyFile(join(input.dir, FILES.pub), alg, pair.publicKey);
  writeFileAtomicSync(join(input.dir, ROTATION_FILE), bytes);
  applied.trust.save(join(input.dir, FILES.trust));
  const meta: AuthorityMeta = {
    format: AUTHORITY_FORMAT,
    kind: 'root',
    subject: root.meta.country,
    name: applied.statement.name,
    country: root.meta.country,
    roles: [],
    ...(alg === COSE_ALG_EDDSA ? {} : { alg: algName(alg)! }),
  };
  writeFileAtomicSync(join(input.dir, FILES.meta), JSON.stringify(meta, null, 2) + '\n');
  return { authority: { dir: input.dir, meta, signer: next, trust: applied.trust }, statement: applied.statement, bytes };
}
