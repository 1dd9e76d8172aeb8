// sdk/authority: root / enterprise / platform directories — files, modes, refusal to overwrite,
// loading checks (key matches certificate, certificate valid now).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUTHORITY_FILES, KeyError, ROLES, TrustError, certify, initRoot, loadAuthority, verifyCertificate } from '../../sdk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'robot-id-authority-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (...x: string[]): string => join(dir, ...x);

function code(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as KeyError).code;
  }
  return 'OK';
}

describe('authority directories', () => {
  const root = initRoot({ dir: p('root'), country: 'cn', passphrase: 'pw' });

  it('root init: upper-cased country, 0600 key, trust store of one root', () => {
    expect(root.meta).toMatchObject({ kind: 'root', country: 'CN', subject: 'CN' });
    expect(statSync(p('root', AUTHORITY_FILES.key)).mode & 0o777).toBe(0o600);
    expect(statSync(p('root')).mode & 0o777).toBe(0o700);
    expect(root.trust.roots.map((r) => r.country)).toEqual(['CN']);
    expect(code(() => initRoot({ dir: p('root'), country: 'CN' }))).toBe('KEY_FORMAT');
    expect(code(() => initRoot({ dir: p('bad'), country: 'CHN' }))).toBe('TRUST_STORE_INVALID');
  });

  it('certify an enterprise: the certificate verifies under the root with its roles, the key matches', async () => {
    const loadedRoot = loadAuthority(p('root'), { passphrase: 'pw' });
    const ent = await certify({ root: loadedRoot, dir: p('ent'), subjectKind: 'enterprise', subject: 'AB12', name: 'AB', roles: [ROLES.identityIssue], notBefore: 1_700_000_000, validitySeconds: 10 * 365 * 86400 });
    expect(ent.meta).toMatchObject({ kind: 'enterprise', subject: 'AB12', country: 'CN' });
    const v = verifyCertificate(ent.certificate!, root.trust, { at: 1_700_000_000, role: ROLES.identityIssue });
    expect(Buffer.from(v.certificate.publicKey).equals(Buffer.from(ent.signer.publicKey))).toBe(true);
    expect(statSync(p('ent', AUTHORITY_FILES.key)).mode & 0o777).toBe(0o600);
  });

  it('refuses: a non-root as issuer, a bad enterprise code, no roles, an existing key', async () => {
    const loadedRoot = loadAuthority(p('root'), { passphrase: 'pw' });
    const ent = loadAuthority(p('ent'));
    await expect(certify({ root: ent, dir: p('x1'), subjectKind: 'enterprise', subject: 'ZZ99', name: 'z', roles: [ROLES.identityIssue] })).rejects.toThrow(KeyError);
    await expect(certify({ root: loadedRoot, dir: p('x2'), subjectKind: 'enterprise', subject: 'ab-1', name: 'z', roles: [ROLES.identityIssue] })).rejects.toThrow(TrustError);
    await expect(certify({ root: loadedRoot, dir: p('x3'), subjectKind: 'enterprise', subject: 'ZZ99', name: 'z', roles: [] })).rejects.toThrow(RangeError);
    await expect(certify({ root: loadedRoot, dir: p('ent'), subjectKind: 'enterprise', subject: 'AB12', name: 'z', roles: [ROLES.identityIssue] })).rejects.toThrow(/refusing to overwrite/);
  });

  it('loading checks the certificate at load time and that the key is the certified one', async () => {
    const loadedRoot = loadAuthority(p('root'), { passphrase: 'pw' });
    await certify({ root: loadedRoot, dir: p('short'), subjectKind: 'platform', subject: 'svc', name: 'svc', roles: [ROLES.receiptSign], notBefore: 1_000_000, validitySeconds: 100 });
    expect(code(() => loadAuthority(p('short')))).toBe('TRUST_NOT_VALID_AT_TIME');
    expect(loadAuthority(p('short'), { at: 1_000_050 }).meta.kind).toBe('platform');
    // swap in another enterprise's key: KEY_MISMATCH
    await certify({ root: loadedRoot, dir: p('ent2'), subjectKind: 'enterprise', subject: 'CD34', name: 'CD', roles: [ROLES.identityIssue] });
    writeFileSync(p('ent2', AUTHORITY_FILES.key), readFileSync(p('ent', AUTHORITY_FILES.key)), { mode: 0o600 });
    expect(code(() => loadAuthority(p('ent2')))).toBe('KEY_MISMATCH');
    expect(code(() => loadAuthority(p('nowhere')))).toBe('KEY_NOT_FOUND');
    expect(code(() => loadAuthority(p('root')))).toBe('KEY_PASSPHRASE');
  });
});
