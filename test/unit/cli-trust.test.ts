// The trust-chain CLI as a user runs it: the real bundle (dist/robot-id.cjs, built by the
// vitest globalSetup) as a child process. root init -> enterprise certify / platform certify ->
// provision -> verify --json, with the exit statuses of cli/command.ts (0 ok, 1 rejected, 2 usage).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'robot-id-cli-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['dist/robot-id.cjs', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json<T = Record<string, unknown>>(r: { stdout: string }): T {
  return JSON.parse(r.stdout) as T;
}

const CODE = '86-1234-567890-12345678901234567';
const CANON = '86123456789012345678901234567';
const p = (...parts: string[]): string => join(dir, ...parts);

describe('robot-id root / certify / provision / verify', () => {
  beforeAll(() => {
    writeFileSync(p('root-pass'), 'root passphrase\n', { mode: 0o600 });
    const root = cli('root', 'init', '--country', '86', '--out', p('root'), '--passphrase-file', p('root-pass'), '--json');
    expect(root.status, root.stderr).toBe(0);
    const ent = cli(
      'enterprise', 'certify', '--root', p('root'), '--root-passphrase-file', p('root-pass'),
      '--enterprise', '1234', '--name', 'Example Robotics', '--out', p('ent'), '--json',
    );
    expect(ent.status, ent.stderr).toBe(0);
    const prov = cli(
      'provision', '--enterprise', p('ent'), '--code', CODE, '--model-name', 'Walker H1',
      '--hardware-id', 'machine-id:abc', '--state-dir', p('unit'), '--registry', p('registry.jsonl'), '--json',
    );
    expect(prov.status, prov.stderr).toBe(0);
  });

  it('root init writes an encrypted root key (0600) and a trust store', () => {
    expect(statSync(p('root', 'key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(p('root', 'key.pem'), 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    const trust = JSON.parse(readFileSync(p('root', 'trust.json'), 'utf8')) as { format: string; roots: { country: string }[] };
    expect(trust.format).toBe('robot-id-trust/1');
    expect(trust.roots.map((r) => r.country)).toEqual(['86']);
  });

  it('root init refuses to overwrite an existing root (non-zero, key untouched)', () => {
    const before = readFileSync(p('root', 'key.pem'), 'utf8');
    const again = cli('root', 'init', '--country', '86', '--out', p('root'));
    expect(again.status).not.toBe(0);
    expect(readFileSync(p('root', 'key.pem'), 'utf8')).toBe(before);
  });

  it('enterprise certify printed the subject, roles and kid; the enterprise key is 0600', () => {
    const ent = JSON.parse(readFileSync(p('ent', 'authority.json'), 'utf8')) as { kind: string; subject: string; roles: string[] };
    expect(ent).toMatchObject({ kind: 'enterprise', subject: '1234' });
    expect(ent.roles).toContain('identity.issue');
    expect(statSync(p('ent', 'key.pem')).mode & 0o777).toBe(0o600);
  });

  it('provision wrote the state dir: identity, 0600 device key, trust store, registration, layout; and the registry line', () => {
    expect(statSync(p('unit', 'device.key')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(p('unit', 'layout.json'), 'utf8'))).toEqual({ layout: 1, code: CANON });
    const reg = JSON.parse(readFileSync(p('unit', 'registration.json'), 'utf8')) as { code: string; enterprise: string; deviceKid: string };
    expect(reg).toMatchObject({ code: CANON, enterprise: '1234' });
    const lines = readFileSync(p('registry.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ code: CANON, deviceKid: reg.deviceKid });
  });

  it('verify --json: a good record is exit 0 and {"valid":true,"code":...} (file and state dir)', () => {
    for (const target of [p('unit', 'identity.cose'), p('unit')]) {
      const r = cli('verify', target, '--trust', p('root', 'trust.json'), '--json');
      expect(r.status, r.stderr).toBe(0);
      expect(json(r)).toMatchObject({ valid: true, code: CANON, enterprise: '1234', modelName: 'Walker H1' });
    }
    const text = cli('verify', p('unit'), '--trust', p('root', 'trust.json'));
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('valid: 86-1234-567890-12345678901234567');
  });

  it('verify --json: a tampered record is exit 1 with the typed reason', () => {
    const bytes = readFileSync(p('unit', 'identity.cose'));
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(p('tampered.cose'), bytes);
    const r = cli('verify', p('tampered.cose'), '--trust', p('root', 'trust.json'), '--json');
    expect(r.status).toBe(1);
    expect(json<{ valid: boolean; error: { code: string; message: string } }>(r)).toMatchObject({ valid: false, error: { code: 'TRUST_BAD_SIGNATURE' } });
    const plain = cli('verify', p('tampered.cose'), '--trust', p('root', 'trust.json'));
    expect(plain.status).toBe(1);
    expect(plain.stderr).toMatch(/^invalid: TRUST_BAD_SIGNATURE: /);
  });

  it('verify against another country root is TRUST_UNKNOWN_ROOT; garbage is TRUST_MALFORMED', () => {
    const other = cli('root', 'init', '--country', '87', '--out', p('root87'));
    expect(other.status, other.stderr).toBe(0);
    const r = cli('verify', p('unit'), '--trust', p('root87', 'trust.json'), '--json');
    expect(r.status).toBe(1);
    expect(json<{ error: { code: string } }>(r).error.code).toBe('TRUST_UNKNOWN_ROOT');
    writeFileSync(p('garbage.cose'), 'not cbor at all');
    const g = cli('verify', p('garbage.cose'), '--trust', p('root', 'trust.json'), '--json');
    expect(g.status).toBe(1);
    expect(json<{ error: { code: string } }>(g).error.code).toBe('TRUST_MALFORMED');
  });

  it('provision of a code of another enterprise is refused, and nothing is written', () => {
    const r = cli('provision', '--enterprise', p('ent'), '--code', '86-5678-567890-12345678901234567', '--model-name', 'x', '--hardware-id', 'h', '--state-dir', p('unit2'), '--json');
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain('TRUST_ENTERPRISE_MISMATCH');
    expect(() => statSync(p('unit2', 'identity.cose'))).toThrow();
  });

  it('provision refuses to overwrite a provisioned unit', () => {
    const before = readFileSync(p('unit', 'identity.cose'));
    const r = cli('provision', '--enterprise', p('ent'), '--code', CODE, '--model-name', 'x', '--hardware-id', 'h', '--state-dir', p('unit'));
    expect(r.status).not.toBe(0);
    expect(readFileSync(p('unit', 'identity.cose')).equals(before)).toBe(true);
  });

  it('a world-readable root key is refused (KEY_PERMISSIONS) before anything is certified', () => {
    chmodSync(p('root', 'key.pem'), 0o644);
    try {
      const r = cli('enterprise', 'certify', '--root', p('root'), '--root-passphrase-file', p('root-pass'), '--enterprise', '4321', '--name', 'n', '--out', p('ent2'));
      expect(r.status).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain('KEY_PERMISSIONS');
      expect(() => statSync(p('ent2', 'cert.cose'))).toThrow();
    } finally {
      chmodSync(p('root', 'key.pem'), 0o600);
    }
  });

  it('a wrong root passphrase is KEY_PASSPHRASE', () => {
    writeFileSync(p('wrong-pass'), 'nope\n', { mode: 0o600 });
    const r = cli('enterprise', 'certify', '--root', p('root'), '--root-passphrase-file', p('wrong-pass'), '--enterprise', '4321', '--name', 'n', '--out', p('ent3'));
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain('KEY_PASSPHRASE');
    expect(`${r.stdout}${r.stderr}`).not.toContain('nope');
  });

  it('platform certify grants the named roles', () => {
    const r = cli('platform', 'certify', '--root', p('root'), '--root-passphrase-file', p('root-pass'), '--role', 'recall,index', '--out', p('platform'), '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(json<{ kind: string; roles: string[] }>(r)).toMatchObject({ kind: 'platform', roles: ['recall.issue', 'index.sign'] });
    const bad = cli('platform', 'certify', '--root', p('root'), '--root-passphrase-file', p('root-pass'), '--role', 'emperor', '--out', p('platform2'));
    expect(bad.status).toBe(2);
  });

  it('missing required options are usage errors (exit 2)', () => {
    expect(cli('root', 'init', '--country', '86').status).toBe(2);
    expect(cli('verify', p('unit')).status).toBe(2);
  });
});
