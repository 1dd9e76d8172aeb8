// `robot-id recall sign|cosign|verify` and `policy sign`, run as the real bundle
// (dist/robot-id.cjs, built by globalSetup), with authorities made by the CLI itself.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['dist/robot-id.cjs', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) as Record<string, unknown> };
};
const p = (...parts: string[]) => join(dir, ...parts);
const UNIT_A = '86-1234-567890-00000000000000042';
const UNIT_B = '86-1234-111111-00000000000000042';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rid-recall-cli-'));
  const ok = (r: ReturnType<typeof cli>) => expect(r.status, r.stderr).toBe(0);
  ok(cli('root', 'init', '--country', '86', '--out', p('root')));
  ok(cli('platform', 'certify', '--root', p('root'), '--role', 'recall', '--name', 'regulator-a', '--out', p('reg-a')));
  ok(cli('platform', 'certify', '--root', p('root'), '--role', 'recall', '--name', 'regulator-b', '--out', p('reg-b')));
  ok(cli('enterprise', 'certify', '--root', p('root'), '--enterprise', '5678', '--name', 'Other maker', '--out', p('ent-5678')));
  writeFileSync(
    p('stop.json'),
    JSON.stringify({
      recallId: 'R-2025-007',
      revision: 1,
      campaignId: 'C-2025-07',
      notAfter: Math.floor(Date.now() / 1000) + 90 * 86400,
      action: 'stop',
      reason: 'Battery pack may swell',
      remedy: 'Replace the battery pack',
      target: { enterprise: '1234', model: '567890' },
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('recall CLI', () => {
  it('sign, then cosign on another machine, then verify as unit of the model and of another model', () => {
    const signed = cli('recall', 'sign', '--notice', p('stop.json'), '--key', p('reg-a'), '--out', p('stop.cose'), '--json');
    expect(signed.status, signed.stderr).toBe(0);
    expect(signed.json()).toMatchObject({ recallId: 'R-2025-007', action: 'stop', signers: ['platform:regulator-a'], defaultThreshold: 2 });

    const one = cli('recall', 'verify', p('stop.cose'), '--trust', p('root', 'trust.json'), '--code', UNIT_A, '--json');
    expect(one.status).toBe(1);
    expect(one.json()).toMatchObject({ valid: false, error: { code: 'RECALL_THRESHOLD' } });

    const co = cli('recall', 'cosign', p('stop.cose'), '--key', p('reg-b'), '--json');
    expect(co.status, co.stderr).toBe(0);
    expect(co.json().signers).toEqual(['platform:regulator-a', 'platform:regulator-b']);

    const two = cli('recall', 'verify', p('stop.cose'), '--trust', p('root', 'trust.json'), '--code', UNIT_A, '--json');
    expect(two.status, two.stdout).toBe(0);
    expect(two.json()).toMatchObject({ valid: true, required: 2, unit: UNIT_A.replace(/-/g, '') });

    const otherModel = cli('recall', 'verify', p('stop.cose'), '--trust', p('root', 'trust.json'), '--code', UNIT_B, '--json');
    expect(otherModel.status).toBe(1);
    expect(otherModel.json()).toMatchObject({ error: { code: 'RECALL_TARGET' } });

    const expired = cli('recall', 'verify', p('stop.cose'), '--trust', p('root', 'trust.json'), '--at', String(Math.floor(Date.now() / 1000) + 100 * 86400), '--json');
    expect(expired.json()).toMatchObject({ error: { code: 'RECALL_EXPIRED' } });
  });

  it('a key cannot co-sign twice, and the file is left as it was', () => {
    cli('recall', 'sign', '--notice', p('stop.json'), '--key', p('reg-a'), '--out', p('twice.cose'));
    const before = readFileSync(p('twice.cose'));
    const again = cli('recall', 'cosign', p('twice.cose'), '--key', p('reg-a'), '--json');
    expect(again.status).toBe(1);
    expect(again.json()).toMatchObject({ valid: false, error: { code: 'RECALL_MALFORMED' } });
    expect(readFileSync(p('twice.cose')).equals(before)).toBe(true);
  });

  it('an enterprise key may not sign for another enterprise: nothing is written', () => {
    const r = cli('recall', 'sign', '--notice', p('stop.json'), '--key', p('ent-5678'), '--out', p('scope.cose'), '--json');
    expect(r.status).toBe(1);
    expect(r.json()).toMatchObject({ error: { code: 'RECALL_SCOPE' } });
    expect(() => readFileSync(p('scope.cose'))).toThrow();
  });

  it('a root-signed policy raises the stop threshold for verification', () => {
    const pol = cli('policy', 'sign', '--root', p('root'), '--version', '1', '--stop', '3', '--out', p('policy.cose'), '--json');
    expect(pol.status, pol.stderr).toBe(0);
    expect(pol.json()).toMatchObject({ country: '86', version: 1, thresholds: { notify: 1, restrict: 1, stop: 3 } });
    const r = cli('recall', 'verify', p('stop.cose'), '--trust', p('root', 'trust.json'), '--code', UNIT_A, '--policy', p('policy.cose'), '--json');
    expect(r.json()).toMatchObject({ error: { code: 'RECALL_THRESHOLD' } });
    // A policy belongs to a country: without the unit it would be judged for, it is a usage error.
    expect(cli('recall', 'verify', p('stop.cose'), '--trust', p('root', 'trust.json'), '--policy', p('policy.cose')).status).toBe(2);
  });

  it("another country's policy is refused, never applied, exactly as the robot refuses it", () => {
    const ok = (r: ReturnType<typeof cli>) => expect(r.status, r.stderr).toBe(0);
    ok(cli('root', 'init', '--country', '87', '--out', p('root-87')));
    // A trust store that holds both roots (the cross-border case).
    const roots = [p('root', 'trust.json'), p('root-87', 'trust.json')].flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { roots: unknown[] }).roots);
    writeFileSync(p('both.json'), JSON.stringify({ format: 'robot-id-trust/1', roots }));
    ok(cli('policy', 'sign', '--root', p('root-87'), '--version', '1', '--stop', '1', '--out', p('policy-87.cose')));
    ok(cli('policy', 'sign', '--root', p('root'), '--version', '2', '--stop', '1', '--out', p('policy-86-stop1.cose')));
    ok(cli('recall', 'sign', '--notice', p('stop.json'), '--key', p('reg-a'), '--out', p('single.cose')));
    // Root 87's "stop: 1" does not make a single-signer stop valid for an 86 unit.
    const foreign = cli('recall', 'verify', p('single.cose'), '--trust', p('both.json'), '--code', UNIT_A, '--policy', p('policy-87.cose'), '--json');
    expect(foreign.status).toBe(1);
    expect(foreign.json()).toMatchObject({ valid: false, error: { code: 'RECALL_POLICY' } });
    // The unit's own country's policy with the same rule does.
    const own = cli('recall', 'verify', p('single.cose'), '--trust', p('both.json'), '--code', UNIT_A, '--policy', p('policy-86-stop1.cose'), '--json');
    expect(own.status, own.stdout).toBe(0);
    expect(own.json()).toMatchObject({ valid: true, required: 1 });
  });

  it('a notice valid for longer than the lifetime cap is refused at signing', () => {
    writeFileSync(p('long.json'), JSON.stringify({ ...JSON.parse(readFileSync(p('stop.json'), 'utf8')), notAfter: '2099-01-01T00:00:00Z' }));
    const r = cli('recall', 'sign', '--notice', p('long.json'), '--key', p('reg-a'), '--out', p('long.cose'), '--json');
    expect(r.status).toBe(1);
    expect(r.json()).toMatchObject({ error: { code: 'RECALL_LIFETIME' } });
  });

  it('a notice file with a zone-less date is refused with the field named', () => {
    writeFileSync(p('bad.json'), JSON.stringify({ ...JSON.parse(readFileSync(p('stop.json'), 'utf8')), notAfter: '2099-01-01 00:00' }));
    const r = cli('recall', 'sign', '--notice', p('bad.json'), '--key', p('reg-a'), '--out', p('bad.cose'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/RECALL_MALFORMED: notice file: notAfter: expected seconds or ISO 8601 with a zone/);
  });
});
