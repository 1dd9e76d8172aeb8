/**
 * Reading and writing key files with the permissions discipline ssh uses: a private key is
 * written with mode 0600, and a private key file that group or others can read, or that
 * another user owns (who could then change it or its mode), is refused.
 */
import { readFileSync, statSync } from 'node:fs';
import { KeyError } from '../errors.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import type { Signer } from '../crypto/signer.js';
import { algPrivateKeyFromPem, algPrivateKeyToPem, algPublicKeyToPem, algSigner, type AlgKeyPair } from './alg-keys.js';
import { privateKeyFromPem, privateKeyToPem, publicKeyFromPem, publicKeyToPem, type KeyPair } from './pem.js';

export interface PrivateKeyFileOptions {
  passphrase?: string;
}

export function writePrivateKeyFile(path: string, pair: KeyPair, options: PrivateKeyFileOptions = {}): void {
  writeFileAtomicSync(path, privateKeyToPem(pair.seed, options.passphrase), { mode: 0o600 });
}

export function writePublicKeyFile(path: string, publicKey: Uint8Array): void {
  writeFileAtomicSync(path, publicKeyToPem(publicKey), { mode: 0o644 });
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KeyError(code === 'ENOENT' ? 'KEY_NOT_FOUND' : 'KEY_FORMAT', `${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
  }
}

/** The text of a private key file, refusing one that group or others may read (like ssh). */
function readPrivateKeyText(path: string): string {
  let mode: number;
  let owner: number;
  try {
    ({ mode, uid: owner } = statSync(path));
  } catch (err) {
    throw new KeyError('KEY_NOT_FOUND', `private key ${path}: no such file`, { cause: err });
  }
  const me = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (me !== undefined && owner !== me) {
    throw new KeyError('KEY_PERMISSIONS', `private key ${path}: expected it owned by uid ${me} (the user running robot-id), got uid ${owner}; run chown`);
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyError(
      'KEY_PERMISSIONS',
      `private key ${path}: expected mode 0600 (readable by its owner only), got ${(mode & 0o777).toString(8).padStart(4, '0')}; run chmod 600`,
    );
  }
  return readText(path, 'private key');
}

/** Reads an Ed25519 private key file, refusing one that group or others may read (like ssh). */
export function readPrivateKeyFile(path: string, options: PrivateKeyFileOptions = {}): KeyPair {
  return privateKeyFromPem(readPrivateKeyText(path), options.passphrase, `private key ${path}`);
}

/** Reads a private key file of either algorithm (Ed25519 or SM2), with the same permission rules. */
export function readAlgPrivateKeyFile(path: string, options: PrivateKeyFileOptions = {}): AlgKeyPair {
  return algPrivateKeyFromPem(readPrivateKeyText(path), options.passphrase, `private key ${path}`);
}

export function writeAlgPrivateKeyFile(path: string, pair: AlgKeyPair, options: PrivateKeyFileOptions = {}): void {
  writeFileAtomicSync(path, algPrivateKeyToPem(pair, options.passphrase), { mode: 0o600 });
}

export function writeAlgPublicKeyFile(path: string, alg: number, publicKey: Uint8Array): void {
  writeFileAtomicSync(path, algPublicKeyToPem(alg, publicKey), { mode: 0o644 });
}

export function readPublicKeyFile(path: string): Uint8Array {
  return publicKeyFromPem(readText(path, 'public key'), `public key ${path}`);
}

/** A signer over a key file of either algorithm (`backend` applies to Ed25519 keys). */
export function loadSigner(path: string, options: PrivateKeyFileOptions & { backend?: Ed25519Backend } = {}): Signer {
  return algSigner(readAlgPrivateKeyFile(path, options), options.backend);
}
