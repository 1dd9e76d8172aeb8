/**
 * Authority directories: where a root, an enterprise or a platform service keeps its key and
 * certificate. One layout for all three so every signing command takes `--key <dir>`:
 *   key.pem        PKCS#8 private key, mode 0600 (optionally encrypted)
 *   key.pub.pem    SPKI public key
 *   cert.cose      certificate signed by the root (not for a root)
 *   trust.json     the trust store this authority lives under
 *   authority.json { format, kind, subject, name, country, roles }
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyError, TrustError } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { seedSigner, type Signer } from '../crypto/signer.js';
import { generateKeyPair } from '../keys/pem.js';
import { readPrivateKeyFile, writePrivateKeyFile, writePublicKeyFile } from '../keys/files.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';
import { codeScheme, type CodeSchemeInput } from '../code/index.js';
import { issueCertificate, type SubjectKind } from '../trust/certificate.js';
import { TrustStore } from '../trust/trust-store.js';
import { keyId } from '../crypto/signer.js';
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
}

export function initRoot(init: RootInit): Authority {
  const country = init.country.toUpperCase();
  if (country.length !== 2) throw new TrustError('TRUST_STORE_INVALID', `country: expected 2 characters, got ${JSON.stringify(init.country)}`);
  const scheme = codeScheme(init.codeScheme ?? {});
  prepareDir(init.dir);
  const pair = generateKeyPair();
  writePrivateKeyFile(join(init.dir, FILES.key), pair, { passphrase: init.passphrase });
  writePublicKeyFile(join(init.dir, FILES.pub), pair.publicKey);
  const name = init.name ?? `National robot ID root ${country}`;
  const trust = new TrustStore([{ country, name, publicKey: pair.publicKey, kid: keyId(pair.publicKey), codeScheme: scheme }]);
  trust.save(join(init.dir, FILES.trust));
  const meta: AuthorityMeta = { format: AUTHORITY_FORMAT, kind: 'root', subject: country, name, country, roles: [] };
  writeFileAtomicSync(join(init.dir, FILES.meta), JSON.stringify(meta, null, 2) + '\n');
  return { dir: init.dir, meta, signer: seedSigner(pair.seed), trust };
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
  const pair = readPrivateKeyFile(join(dir, FILES.key), { passphrase: options.passphrase });
  const signer = seedSigner(pair.seed, options.backend);
  const trust = TrustStore.load(join(dir, FILES.trust));
  const authority: Authority = { dir, meta, signer, trust };
  if (meta.kind !== 'root') {
    const certificate = new Uint8Array(readFileSync(join(dir, FILES.cert)));
    const verified = verifyCertificate(certificate, trust, {
      at: options.at ?? Math.floor(Date.now() / 1000),
      role: meta.roles[0]!,
      backend: options.backend,
    });
    if (!Buffer.from(verified.certificate.publicKey).equals(Buffer.from(signer.publicKey))) {
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
}

export async function certify(input: CertifyInput): Promise<Authority> {
  if (input.root.meta.kind !== 'root') throw new KeyError('KEY_FORMAT', `${input.root.dir}: expected a root authority, got ${input.root.meta.kind}`);
  if (input.roles.length === 0) throw new RangeError('certify: expected at least one role');
  if (input.subjectKind === 'enterprise' && !/^[0-9A-Z]{4}$/.test(input.subject)) {
    throw new TrustError('TRUST_MALFORMED', `enterprise code: expected 4 characters 0-9/A-Z, got ${JSON.stringify(input.subject)}`);
  }
  prepareDir(input.dir);
  const pair = generateKeyPair();
  const notBefore = input.notBefore ?? Math.floor(Date.now() / 1000) - 60;
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
  });
  writePrivateKeyFile(join(input.dir, FILES.key), pair, { passphrase: input.passphrase });
  writePublicKeyFile(join(input.dir, FILES.pub), pair.publicKey);
  writeFileAtomicSync(join(input.dir, FILES.cert), certificate);
  input.root.trust.save(join(input.dir, FILES.trust));
  const meta: AuthorityMeta = {
    format: AUTHORITY_FORMAT,
    kind: input.subjectKind,
    subject: input.subject,
    name: input.name,
    country: input.root.meta.country,
    roles: input.roles,
  };
  writeFileAtomicSync(join(input.dir, FILES.meta), JSON.stringify(meta, null, 2) + '\n');
  return loadAuthority(input.dir, { passphrase: input.passphrase, at: notBefore });
}
