/**
 * Root-signed recall policies reach running units through the signed country index: `robot-id
 * policy publish` (the real bundle) carries a newer policy, a running agent on mosquitto
 * installs it and judges by its thresholds; the platform refuses to publish an older version,
 * and a country index that carries an older policy (validly signed by the platform) does not
 * lower the unit's threshold.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { startAgent } from '../../agent/index.js';
import { indexTopic, parseScopePath, signIndex, signPolicy } from '../../sdk/index.js';
import { cli } from '../helpers/agent-process.js';
import { startBroker } from '../helpers/broker.js';
import { until } from '../helpers/ingest-recorder.js';
import { makePki, quietLogger } from '../helpers/pki.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

type Policy = { source: string; version: number | null; thresholds: { stop: number } };

it('a newer policy in the country index raises the threshold on a running unit; an older one never lowers it', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rid-policy-index-'));
  cleanup.push(() => rmSync(tmp, { recursive: true, force: true }));
  const broker = await startBroker();
  cleanup.push(() => broker.stop());
  const pki = await makePki(join(tmp, 'pki'));
  const unit = await pki.provision();
  const agent = await startAgent(unit.config({ brokerUrl: broker.url, reconnectMinMs: 50, reconnectMaxMs: 400 }), { logger: quietLogger() });
  cleanup.push(() => agent.close());
  const policy = (): Policy => (agent.status() as unknown as { recalls: { policy: Policy } }).recalls.policy;
  expect(policy()).toMatchObject({ source: 'default', thresholds: { stop: 2 } });

  const now = Math.floor(Date.now() / 1000);
  const file = async (version: number, stop: number): Promise<string> => {
    const f = join(tmp, `policy-v${version}.cose`);
    writeFileSync(f, await signPolicy(pki.root.signer, { country: '86', version, issuedAt: now, thresholds: { notify: 1, restrict: 1, stop } }));
    return f;
  };
  const state = join(tmp, 'platform-state');
  const published = cli(['policy', 'publish', await file(2, 3), '--broker', broker.url, '--key', pki.platform.dir, '--state', state, '--json']);
  expect(published.status, published.stderr + published.stdout).toBe(0);
  expect(JSON.parse(published.stdout)).toMatchObject({ version: 2, changed: true });
  await until(() => policy().version === 2, 'the running unit installed policy version 2', 20_000);
  expect(policy()).toMatchObject({ source: 'signed', thresholds: { stop: 3 } });

  // The platform does not offer a downgrade.
  const older = cli(['policy', 'publish', await file(1, 1), '--broker', broker.url, '--key', pki.platform.dir, '--state', state, '--json']);
  expect(older.status).toBe(1);
  expect(JSON.parse(older.stdout).error.code).toBe('INDEX_POLICY_VERSION');

  // A country index the platform did sign, newer, but carrying policy version 1: the index is
  // taken, the policy is not.
  const index = await signIndex(
    { scope: 'c/86', version: 1000, issuedAt: now, expiresAt: now + 3600, entries: [], revocations: { keys: [], codes: [] }, scopes: [], policy: new Uint8Array(await signPolicy(pki.root.signer, { country: '86', version: 1, issuedAt: now, thresholds: { notify: 1, restrict: 1, stop: 1 } })) },
    pki.platform.signer,
    pki.platform.certificate!,
  );
  const client = await mqtt.connectAsync(broker.url, { clientId: 'policy-test-publisher' });
  await client.publishAsync(indexTopic(parseScopePath('c/86')!), Buffer.from(index), { qos: 1, retain: true });
  await client.endAsync();
  await until(() => JSON.stringify(agent.status()).includes('"version":1000'), 'the unit took the newer index', 20_000);
  expect(policy()).toMatchObject({ source: 'signed', version: 2, thresholds: { stop: 3 } });
}, 90_000);
