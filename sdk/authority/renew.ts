/**
 * Key renewal (docs/protocol.md §"Key renewal"): a new key for an enterprise or platform
 * authority, certified by the root with the same subject kind, subject, name and roles (and
 * the same algorithm unless another is asked for). The old key is not touched: the platform
 * then lists its kid as `superseded` at a time (`robot-id revoke --reason superseded`), after
 * which units accept its new signatures only during the root policy's overlap window.
 */
import { KeyError } from '../errors.js';
import { algFromName } from '../crypto/alg.js';
import { kidHex } from '../crypto/signer.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSign1 } from '../cose/object.js';
import { certificateKind } from '../trust/certificate.js';
import { FILES, certify, loadAuthority, type Authority, type LoadOptions } from './authority.js';

/**
 * Loads an authority to renew: its certificate judged at its own start, so an expired (or
 * nearly expired) certificate can be renewed; everything else is checked as `loadAuthority` does.
 */
export function loadForRenewal(dir: string, options: Omit<LoadOptions, 'at'> = {}): Authority {
  let at: number | undefined;
  try {
    at = openSign1(certificateKind, new Uint8Array(readFileSync(join(dir, FILES.cert)))).value.notBefore;
  } catch {
    // No readable certificate (a root, or a broken directory): loadAuthority names the problem.
  }
  return loadAuthority(dir, { ...options, at });
}

export interface RenewInput {
  root: Authority;
  /** The authority whose key is renewed (its directory, loaded). */
  old: Authority;
  /** Where the new key and certificate go (a new directory). */
  dir: string;
  validitySeconds?: number;
  passphrase?: string;
  /** COSE alg of the new key; default the old key's. */
  alg?: number;
}

export interface Renewed {
  authority: Authority;
  /** Hex kid of the key the new one supersedes. */
  supersedes: string;
}

export async function renewAuthority(input: RenewInput): Promise<Renewed> {
  const meta = input.old.meta;
  if (meta.kind === 'root') throw new KeyError('KEY_FORMAT', `${input.old.dir}: a root is not renewed with a certificate (root rotation is its own ceremony)`);
  if (meta.country !== input.root.meta.country) throw new KeyError('KEY_FORMAT', `${input.old.dir}: certified under country ${meta.country}, the root is of ${input.root.meta.country}`);
  const authority = await certify({
    root: input.root,
    dir: input.dir,
    subjectKind: meta.kind,
    subject: meta.subject,
    name: meta.name,
    roles: [...meta.roles],
    validitySeconds: input.validitySeconds,
    passphrase: input.passphrase,
    alg: input.alg ?? (meta.alg ? algFromName(meta.alg) : undefined),
  });
  return { authority, supersedes: kidHex(input.old.signer.kid) };
}
