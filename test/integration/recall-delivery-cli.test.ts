/** Exit statuses of the recall delivery commands (docs/cli.md), run as the real bundle. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, certify, cosignRecall, signRecall } from '../../sdk/index.js';
import { freePort } from '../helpers/broker.js';
import { makePki, type Pki } from '../helpers/pki.js';
import { cli } from '../helpers/agent-process.js';

let tmp: string;
let pki: Pki;
let file: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rid-rcli-'));
  pki = await makePki(join(tmp, 'pki'));
  const b = await certify({ root: pki.root, dir: join(tmp, 'b'), subjectKind: 'platform', subject: 'b', name: 'b', roles: [ROLES.recallIssue] });
  const now = Math.floor(Date.now() / 1000);
  const bytes = await signRecall(
    { recallId: 'R-1', revision: 1, campaignId: 'C-1', issuer: pki.platform.meta.subject, issuedAt: now - 10, notBefore: now - 10, notAfter: now + 3600, action: 'stop', reason: 'r', remedy: 'm', target: { enterprise: '1234', model: '567890' }, status: 'active' },
    pki.platform.signer,
    pki.platform.certificate!,
  );
  file = join(tmp, 'n.cose');
  writeFileSync(file, await cosignRecall(bytes, b.signer, b.certificate!));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('recall delivery commands', () => {
  it('an unreachable broker is status 3', async () => {
    const url = `mqtt://127.0.0.1:${await freePort()}`;
    const r = cli(['recall', 'publish', file, '--broker', url, '--key', pki.platform.dir, '--state', join(tmp, 's'), '--json']);
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout).error.code).toBe('BROKER_UNREACHABLE');
  });

  it('a key without index.sign is a usage error', () => {
    const r = cli(['recall', 'publish', file, '--broker', 'mqtt://127.0.0.1:1', '--key', pki.enterprise.dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/index\.sign/);
  });

  it('revoke needs a kid or a code, and a kid is 32 hex digits', () => {
    expect(cli(['revoke', '--key', pki.platform.dir, '--broker', 'mqtt://127.0.0.1:1']).status).toBe(2);
    expect(cli(['revoke', '--key', pki.platform.dir, '--kid', 'xyz', '--broker', 'mqtt://127.0.0.1:1']).status).toBe(2);
  });
});
