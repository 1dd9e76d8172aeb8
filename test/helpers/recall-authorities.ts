/**
 * Real authorities in a temporary directory for recall-index and delivery tests: a root, a
 * platform key with index.sign, and (on demand) more platform or enterprise keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTERPRISE_DEFAULT_ROLES, ROLES, certify, initRoot, type Authority, type Role } from '../../sdk/index.js';

export interface Authorities {
  dir: string;
  root: Authority;
  index: Authority;
  platform(name: string, roles: Role[], opts?: { notBefore?: number; validitySeconds?: number; alg?: number }): Promise<Authority>;
  enterprise(code: string, opts?: { alg?: number }): Promise<Authority>;
  cleanup(): void;
}

/** Certificates start an hour back, so objects signed "a minute ago" in tests are covered. */
const hourAgo = () => Math.floor(Date.now() / 1000) - 3600;

/** `alg`: the COSE alg of every key made (default EdDSA); each platform or enterprise may name its own. */
export async function makeAuthorities(country = '86', alg?: number): Promise<Authorities> {
  const dir = mkdtempSync(join(tmpdir(), 'rid-auth-'));
  const root = initRoot({ dir: join(dir, 'root'), country, alg });
  const platform = (name: string, roles: Role[], opts: { notBefore?: number; validitySeconds?: number; alg?: number } = {}) =>
    certify({ root, dir: join(dir, name), subjectKind: 'platform', subject: name, name, roles, notBefore: hourAgo(), alg, ...opts });
  const index = await platform('platform-index', [ROLES.indexSign]);
  return {
    dir,
    root,
    index,
    platform,
    enterprise: (code, opts = {}) =>
      certify({ root, dir: join(dir, `ent-${code}`), subjectKind: 'enterprise', subject: code, name: `Maker ${code}`, roles: [...ENTERPRISE_DEFAULT_ROLES], notBefore: hourAgo(), alg, ...opts }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
