// `robot-id code parse|check`, run as the real bundle (dist/robot-id.cjs, built by globalSetup).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['dist/robot-id.cjs', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('robot-id code parse', () => {
  it('prints the canonical code and segments', () => {
    const r = cli('code', 'parse', '８６ 1234-567890 12345678901234567');
    expect(r.status).toBe(0);
    const lines = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(/\s+/) as [string, string]));
    expect(lines).toEqual({
      code: '86123456789012345678901234567',
      display: '86-1234-567890-12345678901234567',
      country: '86',
      enterprise: '1234',
      model: '567890',
      serial: '12345678901234567',
    });
  });

  it('--json prints one object; words given unquoted are joined', () => {
    const r = cli('code', 'parse', '--json', 'cn', 'ab12', 'x7000a', '20250000000000007', '--check', 'iso7064-mod37-36');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      code: 'CNAB12X7000A20250000000000007',
      country: 'CN',
      enterprise: 'AB12',
      model: 'X7000A',
      serial: '20250000000000007',
      display: 'CN-AB12-X7000A-20250000000000007',
    });
  });

  it.each([
    [['86-1234-567890-1234567890123456'], 'CODE_LENGTH'],
    [['86-1234-567890-1234567890123456O'], 'CODE_CHARSET'],
    [['86-12-34-567890-12345678901234567'], 'CODE_SEGMENT'],
    [['86000100004220250000000000100', '--check', 'iso7064-mod97-10'], 'CODE_CHECK'],
    [['86123456789012345678901234567', '--country', '87'], 'CODE_SEGMENT'],
    [[''], 'CODE_TYPE'],
  ])('rejects %j with exit 1 and the typed error as JSON', (args, code) => {
    const r = cli('code', 'parse', '--json', ...args);
    expect(r.status).toBe(1);
    const body = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
  });

  it('without --json the error goes to stderr with its code', () => {
    const r = cli('code', 'parse', '86-1234-567890-1234567890123456O');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error CODE_CHARSET: position 29 \(1-based\): expected a digit 0-9, got "O"/);
  });

  it('a bad scheme is a usage error (exit 2, CODE_SCHEME); a missing code is exit 2', () => {
    const bad = cli('code', 'parse', '--json', '--charset', 'digits', '--check', 'iso7064-mod37-36', '86123456789012345678901234567');
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('CODE_SCHEME');
    expect(cli('code', 'parse').status).toBe(2);
  });
});

describe('robot-id code check', () => {
  it('appends MOD 97-10 check digits', () => {
    const r = cli('code', 'check', '86-0001-000042-202500000000001', '--check', 'iso7064-mod97-10');
    expect(r.status).toBe(0);
    const code = r.stdout.trim();
    expect(code).toMatch(/^860001000042202500000000001\d\d$/);
    expect(BigInt(code) % 97n).toBe(1n);
    expect(cli('code', 'parse', code, '--check', 'iso7064-mod97-10').status).toBe(0);
  });

  it('appends a MOD 37,36 character (charset inferred) and --json describes the code', () => {
    const r = cli('code', 'check', 'cnab12x7000a2025000000000000', '--check', 'iso7064-mod37-36', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).code).toBe('CNAB12X7000A20250000000000007');
  });

  it('needs --check, and the body without its check', () => {
    expect(cli('code', 'check', '860001000042202500000000001').status).toBe(2);
    const r = cli('code', 'check', '--json', '86123456789012345678901234567', '--check', 'iso7064-mod97-10');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('CODE_LENGTH');
  });
});
