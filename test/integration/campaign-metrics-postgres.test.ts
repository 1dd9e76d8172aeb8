// Campaign progress on a `fleet ingest` worker's metrics (PostgreSQL store): with
// --recall-state the worker counts a campaign's units from the acks the group stored in
// ingest_messages, reading on from where it stopped: a unit that applies the recall after a
// first count is counted at a later computation. Real PostgreSQL, mosquitto, agent processes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cli, startAgentProcess, startProc } from '../helpers/agent-process.js';
import { freePort } from '../helpers/broker.js';
import { until } from '../helpers/ingest-recorder.js';
import { TEST_ENTERPRISE, TEST_MODEL, type TestUnit, writeRegistry } from '../helpers/pki.js';
import { sample, scrape } from '../helpers/prometheus.js';
import { eventually as pollUntil } from '../helpers/eventually.js';
import { useWorld } from '../helpers/world.js';

const eventually = (check: () => Promise<boolean>, what: string, ms = 40000): Promise<void> => pollUntil(check, what, ms, 250);

const world = useWorld('rid-campaign-metrics-pg-', { pki: true, database: true });

it('counts the acks the workers stored in PostgreSQL, those stored after a first count too', async () => {
  const { tmp, broker, database, pki } = world;
  const units = [await pki.provision(), await pki.provision()];
  const registry = join(tmp, 'registry.jsonl');
  writeRegistry(registry, units);
  const state = join(tmp, 'publisher');
  writeFileSync(
    join(tmp, 'notice.json'),
    JSON.stringify({ recallId: 'R-PG-MET', revision: 1, campaignId: 'C-PG-MET', notAfter: Math.floor(Date.now() / 1000) + 86400, action: 'notify', reason: 'r', remedy: 'm', target: { enterprise: TEST_ENTERPRISE, model: TEST_MODEL } }),
  );
  expect(cli(['recall', 'sign', '--notice', join(tmp, 'notice.json'), '--key', pki.enterprise.dir, '--out', join(tmp, 'r.cose')]).status).toBe(0);
  const published = cli(['recall', 'publish', join(tmp, 'r.cose'), '--broker', broker.url, '--key', pki.platform.dir, '--state', state]);
  expect(published.status, published.stderr).toBe(0);

  const port = await freePort();
  const worker = startProc([
    'fleet', 'ingest', '--broker', broker.url, '--trust', join(pki.root.dir, 'trust.json'), '--db', database.url, '--registry', registry,
    '--receipt-key', pki.platform.dir, '--recall-state', state, '--metrics', `127.0.0.1:${port}`, '--json',
  ]);
  await until(() => worker.lines().some((l) => l.includes('subscribed')), 'the worker subscribed', 20_000);
  const url = `http://127.0.0.1:${port}/metrics`;
  const count = async (s: string): Promise<number | undefined> => sample(await scrape(url), `robot_id_ingest_campaign_units{campaign="C-PG-MET",state="${s}"}`);
  expect(await count('targeted')).toBe(2);
  expect(await count('applied')).toBe(0);

  const run = (u: TestUnit): void => {
    startAgentProcess(tmp, {
      stateDir: u.stateDir,
      hardwareIdSource: { file: u.hardwareIdFile },
      brokerUrl: broker.url,
      heartbeatIntervalMs: 300,
      reconnectMinMs: 50,
      reconnectMaxMs: 300,
      resendIntervalMs: 300,
      recallAction: { file: join(tmp, `recall-state-${u.code}.json`) },
    });
  };
  run(units[0]!);
  await eventually(async () => (await count('applied')) === 1, 'the first unit counted applied');
  expect(await count('acknowledged')).toBe(1);
  run(units[1]!);
  await eventually(async () => (await count('applied')) === 2, 'the second unit counted applied');
  expect(await count('acknowledged')).toBe(2);
  expect(await count('refused')).toBe(0);
}, 120_000);
