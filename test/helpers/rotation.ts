/**
 * Statements for root rotation tests, made with the real SDK: a valid chain (`rotateRoot`) and
 * hand-built statements signed by whichever keys an attack needs.
 */
import { join } from 'node:path';
import {
  PROTOCOL_VERSION,
  ROTATION_MAX_BYTES,
  addSignature,
  algSigner,
  generateAlgKeyPair,
  rootVersion,
  rotationKind,
  signObjectMulti,
  type Authority,
  type RotationStatement,
  type Root,
  type Signer,
} from '../../sdk/index.js';

/** A statement replacing `previous` by `next`, with any field overridden. */
export function statementFor(previous: Root, next: Signer, overrides: Partial<RotationStatement> = {}): RotationStatement {
  const now = Math.floor(Date.now() / 1000);
  return {
    v: PROTOCOL_VERSION,
    country: previous.country,
    version: rootVersion(previous) + 1,
    previousKid: previous.kid,
    publicKey: next.publicKey,
    alg: next.alg,
    notBefore: now,
    notAfter: now + 10 * 365 * 86400,
    codeScheme: { charset: previous.codeScheme.charset, check: previous.codeScheme.check },
    name: previous.name,
    issuedAt: now,
    ...overrides,
  };
}

/** Signs `statement` with each signer in turn (first signer makes the COSE_Sign). */
export async function signStatement(statement: RotationStatement, signers: Signer[]): Promise<Uint8Array> {
  let bytes = await signObjectMulti(rotationKind, statement, signers[0]!);
  for (const s of signers.slice(1)) bytes = await addSignature(bytes, s, { maxBytes: ROTATION_MAX_BYTES, what: 'root rotation' });
  return bytes;
}

export function freshSigner(alg?: number): Signer {
  return algSigner(generateAlgKeyPair(alg));
}

export function rootEntry(authority: Authority): Root {
  const r = authority.trust.rootByKid(authority.signer.kid);
  if (!r) throw new Error(`${authority.dir}: key is not in its own trust store`);
  return r;
}

export const rotatedDir = (base: string, version: number): string => join(base, `root-v${version}`);
