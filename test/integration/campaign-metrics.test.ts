// Campaign progress on the ingest's metrics: `fleet watch --recall-state <publisher-state>
// --metrics` (files store) counts, per active campaign, the units targeted, acknowledged,
// applied and refused from the acks it stored. Two units of the targeted model are known; one
// runs (a real agent process) and applies the recall, the other stays off. Real mosquitto,
// the real CLI for publishing, the ingest and the agent; scraped over HTTP.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cli, ingestListening, startAgentProcess, startProc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { TEST_ENTERPRISE, TEST_MODEL, writeRegistry } from '../helpers/pki.js';
import { metricsUrl, sample, scrape } from '../helpers/prometheus.js';
import { eventually as pollUntil } from '../helpers/eventually.js';
import { useWorld } from '../helpers/world.js';

const eventually = (check: () => Promise<boolean>, what: string, ms = 40000): Promise<void> => pollUntil(check, what, ms, 250);

const world = useWorld('rid-campaign-metrics-', { pki: true });

it('counts the units a campaign targets, and those that acknowledged and applied it, from the stored acks', async () => {
  const { tmp, broker, pki } = world;
  const [on, off] = [await pki.provision(), await pki.provision()];
  const registry = join(tmp, 'registry.jsonl');
  writeRegistry(registry, [on, off]);
  const state = join(tmp, 'publisher');
  writeFileSync(
    join(tmp, 'notice.json'),
    JSON.stringify({ recallId: 'R-CAMP-MET', revision: 1, campaignId: 'C-CAMP-MET', notAfter: Math.floor(Date.now() / 1000) + 86400, action: 'notify', reason: 'r', remedy: 'm', target: { enterprise: TEST_ENTERPRISE, model: TEST_MODEL } }),
  );
  expect(cli(['recall', 'sign', '--notice', join(tmp, 'notice.json'), '--key', pki.enterprise.dir, '--out', join(tmp, 'r.cose')]).status).toBe(0);

  const watch = startProc([
    'fleet', 'watch', '--broker', broker.url, '--trust', join(pki.root.dir, 'trust.json'), '--registry', registry, '--state', join(tmp, 'ingest'),
    '--receipt-key', pki.platform.dir, '--recall-state', state, '--metrics', '127.0.0.1:0', '--client-id', 'campaign-metrics-ingest', '--json',
  ]);
  await until(() => metricsUrl(watch.lines()) !== undefined, 'the metrics address', 20_000);
  const url = metricsUrl(watch.lines())!;
  await ingestListening(broker.url, () => watch.lines());
  const units = async (s: string): Promise<number | undefined> => sample(await scrape(url), `robot_id_ingest_campaign_units{campaign="C-CAMP-MET",state="${s}"}`);
  // No publisher state yet: no campaign, and the scrape still answers.
  expect(await units('targeted')).toBeUndefined();

  const published = cli(['recall', 'publish', join(tmp, 'r.cose'), '--broker', broker.url, '--key', pki.platform.dir, '--state', state]);
  expect(published.status, published.stderr).toBe(0);
  await eventually(async () => (await units('targeted')) === 2, 'the campaign counted');
  expect(await units('acknowledged')).toBe(0);
  expect(await units('applied')).toBe(0);

  startAgentProcess(tmp, {
    stateDir: on.stateDir,
    hardwareIdSource: { file: on.hardwareIdFile },
    brokerUrl: broker.url,
    heartbeatIntervalMs: 300,
    reconnectMinMs: 50,
    reconnectMaxMs: 300,
    resendIntervalMs: 300,
    recallAction: { file: join(tmp, 'recall-state.json') },
  });
  // The unit's acks are stored and receipted; the next computation (at most every 10 s) counts them.
  await eventually(async () => (await units('applied')) === 1, 'the unit counted applied');
  const text = await scrape(url);
  expect(sample(text, 'robot_id_ingest_campaign_units{campaign="C-CAMP-MET",state="targeted"}')).toBe(2);
  expect(sample(text, 'robot_id_ingest_campaign_units{campaign="C-CAMP-MET",state="acknowledged"}')).toBe(1);
  expect(sample(text, 'robot_id_ingest_campaign_units{campaign="C-CAMP-MET",state="refused"}')).toBe(0);
  expect(sample(text, 'robot_id_ingest_campaign_compute_failures_total')).toBe(0);
  expect(sample(text, 'robot_id_ingest_campaign_compute_seconds')).toBeGreaterThan(0);
  // The ingest's own metrics are still there.
  expect(sample(text, 'robot_id_ingest_messages_verified_total{kind="ack"}')).toBeGreaterThanOrEqual(1);
}, 120_000);
