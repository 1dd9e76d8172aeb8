/**
 * The CLI's answers to bad input, run as the real bundle: usage mistakes and missing files are
 * status 2 with a message saying what was expected, never a stack trace; `<group> --help`
 * lists the group; a closed stdout ends quietly; the QR payload prefix is taken in any case.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, cli } from '../helpers/agent-process.js';
import { makePki, testCode, type Pki } from '../helpers/pki.js';

let dir: string;
let pki: Pki;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-cli-usage-'));
  pki = await makePki(join(dir, 'pki'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noStack = (r: { stdout: string; stderr: string }) => expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /);

describe('robot-id usage errors', () => {
  it('`code --help` lists the subcommands of the group (0); `code` alone is a usage error (2)', () => {
    const help = cli(['code', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('code parse <code>');
    expect(help.stdout).toContain('code check <code-without-check>');
    expect(cli(['code']).status).toBe(2);
  });

  it.each([
    ['root init with a 3-character country', ['root', 'init', '--country', 'XYZ', '--out', 'ROOT'], /--country: expected the 2-character country code/],
    ['a broker URL without a scheme', ['fleet', 'watch', '--broker', '127.0.0.1:18831', '--trust', 'TRUST'], /--broker: expected a URL such as mqtt:\/\/host:1883/],
    ['a file that is not there', ['recall', 'verify', 'NOFILE', '--trust', 'TRUST'], /no such file: .*nothing-here\.cose/],
    ['verification threads that are not a count', ['fleet', 'watch', '--broker', 'mqtt://127.0.0.1:18831', '--trust', 'TRUST', '--verify-threads', '300'], /--verify-threads: expected a whole number from 0 to 256, got "300"/],
    ['verification threads for a worker, not a count', ['fleet', 'ingest', '--broker', 'mqtt://127.0.0.1:18831', '--trust', 'TRUST', '--db', 'postgres://u@127.0.0.1:1/x', '--verify-threads', 'two'], /--verify-threads: expected a whole number from 0 to 256, got "two"/],
  ])('%s: 2, says what was expected', (_name, args, message) => {
    const resolved = args.map((a) => (a === 'ROOT' ? join(dir, 'new-root') : a === 'TRUST' ? join(pki.root.dir, 'trust.json') : a === 'NOFILE' ? join(dir, 'nothing-here.cose') : a));
    const r = cli(resolved);
    expect(r.status).toBe(2);
    expect(`${r.stdout}${r.stderr}`).toMatch(message);
    noStack(r);
  });

  it('root init into a directory that is not empty: 2, and the directory is left alone', () => {
    const r = cli(['root', 'init', '--country', '86', '--out', pki.root.dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('exists and is not empty');
    expect(readFileSync(join(pki.root.dir, 'trust.json'), 'utf8')).toContain(Buffer.from(pki.root.signer.publicKey).toString('base64'));
  });

  it('provisioning a code of another enterprise: 2, naming the mismatch', () => {
    const other = testCode(1).replace(/^86(\d{4})/, '865678');
    const r = cli(['provision', '--enterprise', pki.enterprise.dir, '--code', other, '--model-name', 'H', '--hardware-id', 'hw', '--state-dir', join(dir, 'wrong'), '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toContain('TRUST_ENTERPRISE_MISMATCH');
  });

  it('`recall verify` given the JSON of a notice says to sign it first', () => {
    const f = join(dir, 'notice.json');
    writeFileSync(f, JSON.stringify({ recallId: 'R-1', action: 'stop' }));
    const r = cli(['recall', 'verify', f, '--trust', join(pki.root.dir, 'trust.json'), '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).error.message).toContain('expected a signed notice (COSE), got JSON');
  });

  it('`broker user` whose mosquitto password file cannot be written leaves no password file behind', () => {
    const out = join(dir, 'svc.password');
    const r = cli(['broker', 'user', 'platform-ingest', '--passwd', join(dir, 'no-such-dir', 'passwd'), '--out', out]);
    expect(r.status).not.toBe(0);
    expect(existsSync(out)).toBe(false);
    noStack(r);
  });

  it('a closed stdout ends quietly (no EPIPE stack trace)', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BUNDLE}" --help | true`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
  });

  it('the terminal QR has no colour or cursor codes when stdout is not a terminal', async () => {
    const unit = await pki.provision();
    const r = cli(['qr', '--identity', unit.stateDir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stdout).toMatch(/[\u2580-\u259f]/); // block characters
  });

  it('`verify` takes the QR payload with its prefix in lower case', async () => {
    const unit = await pki.provision();
    const qr = cli(['qr', '--identity', unit.stateDir, '--text']);
    expect(qr.status, qr.stderr).toBe(0);
    const payload = qr.stdout.trim().split('\n').find((l) => l.startsWith('RID1:'))!;
    const lower = `rid1:${payload.slice(5)}`;
    const r = cli(['verify', lower, '--trust', join(pki.root.dir, 'trust.json'), '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, code: unit.code });
  });
});
