/**
 * Authority directories: where a root, an enterprise or a platform service keeps its key and
 * certificate. One layout for all three so every signing command takes `--key <dir>`:
 *   key.pem        PKCS#8 private key, Ed25519 or SM2, mode 0600 (optionally encrypted)
 *   key.pub.pem    SPKI public key
 *   cert.cose      certificate signed by the root (not for a root)
 *   trust.json     the trust store this authority lives under
 *   authority.json { format, kind, subject, name, country, roles }
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyError, TrustError } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { COSE_ALG_EDDSA, type Signer } from '../crypto/signer.js';
import { algName, isSupportedAlg, keyIdFor, type AlgName } from '../crypto/alg.js';
import { algSigner, generateAlgKeyPair } from '../keys/alg-keys.js';
import { readAlgPrivateKeyFile, writeAlgPrivateKeyFile, writeAlgPublicKeyFile } from '../keys/files.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';
import { codeScheme, type CodeSchemeInput } from '../code/index.js';
import { issueCertificate, type SubjectKind } from '../trust/certificate.js';
import { TrustStore, type Root } from '../trust/trust-store.js';
import { verifyCertificate, type VerifiedCertificate } from '../trust/verify-certificate.js';
import type { Role } from '../trust/roles.js';
import { randomBytes } from 'node:crypto';

export const AUTHORITY_FORMAT = 'robot-id-authority/1';
export const FILES = { key: 'key.pem', pub: 'key.pub.pem', cert: 'cert.cose', trust: 'trust.json', meta: 'authority.json' } as const;

export interface AuthorityMeta {
  format: string;
  kind: 'root' | SubjectKind;
  subject: string;
  name: string;
  country: string;
  roles: Role[];
  /** The key's algorithm name ("ed25519" when absent, as in directories made before it existed). */
  alg?: AlgName;
}

export interface Authority {
  dir: string;
  meta: AuthorityMeta;
  signer: Signer;
  trust: TrustStore;
  /** Certificate bytes (absent for a root). */
  certificate?: Uint8Array;
  verified?: VerifiedCertificate;
}

export interface LoadOptions {
  passphrase?: string;
  backend?: Ed25519Backend;
  /** Time (seconds) at which the certificate must be valid; default now. */
  at?: number;
}

function prepareDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(join(dir, FILES.key))) {
    throw new KeyError('KEY_FORMAT', `${dir}: already holds a key; refusing to overwrite it`);
  }
}

export interface RootInit {
  dir: string;
  country: string;
  name?: string;
  codeScheme?: CodeSchemeInput;
  passphrase?: string;
  /** COSE alg of the root key (default EdDSA); SM2-SM3 for a root on China's own algorithms. */
  alg?: number;
}

/** What a directory's meta says about its key's algorithm, for the file written. */
function metaAlg(alg: number): { alg?: AlgName } {
  return alg === COSE_ALG_EDDSA ? {} : { alg: algName(alg)! };
}

export function initRoot(init: RootInit): Authority {
  const country = init.country.toUpperCase();
  if (country.length !== 2) throw new TrustError('TRUST_STORE_INVALID', `country: expected 2 characters, got ${JSON.stringify(init.country)}`);
  const scheme = codeScheme(init.codeScheme ?? {});
  const alg = init.alg ?? COSE_ALG_EDDSA;
  if (!isSupportedAlg(alg)) throw new RangeError(`root key algorithm: expected EdDSA (-8) or SM2-SM3 (-70000), got ${alg}`);
  prepareDir(init.dir);
  const pair = generateAlgKeyPair(alg);
  writeAlgPrivateKeyFile(join(init.dir, FILES.key), pair, { passphrase: init.passphrase });
  writeAlgPublicKeyFile(join(init.dir, FILES.pub), alg, pair.publicKey);
  const name = init.name ?? `National robot ID root ${country}`;
  const root: Root = { country, name, publicKey: pair.publicKey, kid: keyIdFor(alg, pair.publicKey), codeScheme: scheme };
  if (alg !== COSE_ALG_EDDSA) root.alg = alg;
  const trust = new TrustStore([root]);
  trust.save(join(init.dir, FILES.trust));
  const meta: AuthorityMeta = { format: AUTHORITY_FORMAT, kind: 'root', subject: country, name, country, roles: [], ...metaAlg(alg) };
  writeFileAtomicSync(join(init.dir, FILES.meta), JSON.stringify(meta, null, 2) + '\n');
  return { dir: init.dir, meta, signer: algSigner(pair), trust };
}

export function loadAuthority(dir: string, options: LoadOptions = {}): Authority {
  const metaPath = join(dir, FILES.meta);
  let meta: AuthorityMeta;
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8')) as AuthorityMeta;
  } catch (err) {
    throw new KeyError('KEY_NOT_FOUND', `${dir}: expected an authority directory with ${FILES.meta} (${(err as Error).message})`, { cause: err });
  }
  if (meta.format !== AUTHORITY_FORMAT) throw new KeyError('KEY_FORMAT', `${metaPath}: expected format ${AUTHORITY_FORMAT}`);
  const pair = readAlgPrivateKeyFile(join(dir, FILES.key), { passphrase: options.passphrase });
  const signer = algSigner(pair, options.backend);
  // The directory's own record of its key's algorithm must agree with the key file.
  if ((meta.alg ?? 'ed25519') !== algName(signer.alg)) {
    throw new KeyError('KEY_MISMATCH', `${dir}: ${FILES.meta} names a ${meta.alg ?? 'ed25519'} key, ${FILES.key} holds a ${algName(signer.alg)} key`);
  }
  const trust = TrustStore.load(join(dir, FILES.trust));
  const authority: Authority = { dir, meta, signer, trust };
  if (meta.kind !== 'root') {
    const certificate = new Uint8Array(readFileSync(join(dir, FILES.cert)));
    const verified = verifyCertificate(certificate, trust, {
      at: options.at ?? Math.floor(Date.now() / 1000),
      role: meta.roles[0]!,
      backend: options.backend,
    });
    if (!Buffer.from(verified.certificate.publicKey).equals(Buffer.from(signer.publicKey)) || verified.alg !== signer.alg) {
      throw new KeyError('KEY_MISMATCH', `${dir}: the key does not match the certificate`);
    }
    authority.certificate = certificate;
    authority.verified = verified;
  }
  return authority;
}

export interface CertifyInput {
  root: Authority;
  dir: string;
  subjectKind: SubjectKind;
  subject: string;
  name: string;
  roles: Role[];
  /** Seconds since the epoch; default now. */
  notBefore?: number;
  /** Validity in seconds; default 5 years. */
  validitySeconds?: number;
  passphrase?: string;
  /** COSE alg of the new key (default EdDSA); the certificate pins it. May differ from the root's. */
  alg?: number;
}

export async function certify(input: CertifyInput): Promise<Authority> {
  if (input.root.meta.kind !== 'root') throw new KeyError('KEY_FORMAT', `${input.root.dir}: expected a root authority, got ${input.root.meta.kind}`);
  if (input.roles.length === 0) throw new RangeError('certify: expected at least one role');
  if (input.subjectKind === 'enterprise' && !/^[0-9A-Z]{4}$/.test(input.subject)) {
    throw new TrustError('TRUST_MALFORMED', `enterprise code: expected 4 characters 0-9/A-Z, got ${JSON.stringify(input.subject)}`);
  }
  const alg = input.alg ?? COSE_ALG_EDDSA;
  if (!isSupportedAlg(alg)) throw new RangeError(`key algorithm: expected EdDSA (-8) or SM2-SM3 (-70000), got ${alg}`);
  prepareDir(input.dir);
  const pair = generateAlgKeyPair(alg);
  // A root made by a rotation counts only from its own notBefore: a default start never precedes it.
  const rootNotBefore = input.root.trust.rootByKid(input.root.signer.kid)?.notBefore ?? 0;
  const notBefore = input.notBefore ?? Math.max(Math.floor(Date.now() / 1000) - 60, rootNotBefore);
  const notAfter = notBefore + (input.validitySeconds ?? 5 * 365 * 86400);
  const certificate = await issueCertificate(input.root.signer, {
    subjectKind: input.subjectKind,
    subject: input.subject,
    name: input.name,
    country: input.root.meta.country,
    publicKey: pair.publicKey,
    notBefore,
    notAfter,
    roles: input.roles,
    serial: new Uint8Array(randomBytes(16)),
    alg,
  });
  writeAlgPrivateKeyFile(join(input.dir, FILES.key), pair, { passphrase: input.passphrase });
  writeAlgPublicKeyFile(join(input.dir, FILES.pub), alg, pair.publicKey);
  writeFileAtomicSync(join(input.dir, FILES.cert), certificate);
  input.root.trust.save(join(input.dir, FILES.trust));
  const meta: AuthorityMeta = {
    format: AUTHORITY_FORMAT,
    kind: input.subjectKind,
    subject: input.subject,
    name: input.name,
    country: input.root.meta.country,
    roles: input.roles,
    ...metaAlg(alg),
  };
  writeFileAtomicSync(join(input.dir, FILES.meta), JSON.stringify(meta, null, 2) + '\n');
  return loadAuthority(input.dir, { passphrase: input.passphrase, at: notBefore });
}
