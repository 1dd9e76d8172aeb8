/**
 * The agent takes a shipped root-signed recall policy from its configuration
 * (`recallPolicyFile`): installed at start when newer than the held one, and never downgraded
 * by an older file afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAgent } from '../../agent/index.js';
import { signPolicy } from '../../sdk/index.js';
import { makePki, quietLogger, type Pki } from '../helpers/pki.js';

let dir: string;
let pki: Pki;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-agent-policy-'));
  pki = await makePki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type PolicyStatus = { recalls: { policy: { source: string; version: number | null; thresholds: { stop: number } } } };

it('installs the configured policy, and an older file never replaces a newer held one', async () => {
  const unit = await pki.provision();
  const v2 = join(dir, 'policy-v2.cose');
  const v1 = join(dir, 'policy-v1.cose');
  writeFileSync(v2, await signPolicy(pki.root.signer, { country: '86', version: 2, issuedAt: Math.floor(Date.now() / 1000), thresholds: { notify: 1, restrict: 2, stop: 3 } }));
  writeFileSync(v1, await signPolicy(pki.root.signer, { country: '86', version: 1, issuedAt: Math.floor(Date.now() / 1000), thresholds: { notify: 1, restrict: 1, stop: 1 } }));

  const before = await startAgent(unit.config(), { logger: quietLogger() });
  expect((before.status() as unknown as PolicyStatus).recalls.policy).toMatchObject({ source: 'default', thresholds: { stop: 2 } });
  await before.close();

  const a = await startAgent(unit.config({ recallPolicyFile: v2 }), { logger: quietLogger() });
  expect((a.status() as unknown as PolicyStatus).recalls.policy).toMatchObject({ source: 'signed', version: 2, thresholds: { stop: 3 } });
  await a.close();

  // A unit re-imaged with an older policy file keeps the newer policy it holds.
  const b = await startAgent(unit.config({ recallPolicyFile: v1 }), { logger: quietLogger() });
  expect((b.status() as unknown as PolicyStatus).recalls.policy).toMatchObject({ source: 'signed', version: 2, thresholds: { stop: 3 } });
  await b.close();
});
