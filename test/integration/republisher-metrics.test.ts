// `recall republish --watch --metrics`: the republisher serves Prometheus metrics that follow
// what it did and what its index state holds: a republish round on connect counted ok with
// every retained item the broker acknowledged, the version of each scope's index as the signed
// index on the broker says it, a revocation counted, and a round that failed (its state
// unreadable) counted failed. Real mosquitto, the real CLI, scraped over HTTP.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { expect, it } from 'vitest';
import { TrustStore, scopeOfTopic, verifyIndex, type RecallIndex } from '../../sdk/index.js';
import { cli, startProc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { TEST_ENTERPRISE, TEST_MODEL } from '../helpers/pki.js';
import { metricsUrl, sample, samples, scrape } from '../helpers/prometheus.js';
import { eventually as pollUntil } from '../helpers/eventually.js';
import { useWorld } from '../helpers/world.js';

const eventually = (check: () => Promise<boolean>, what: string, ms = 20000): Promise<void> => pollUntil(check, what, ms, 100);

const world = useWorld('rid-republisher-metrics-', { pki: true });

/** The signed indexes retained on the broker, by scope, as a unit would verify them. */
async function retainedIndexes(): Promise<Map<string, RecallIndex>> {
  const trust = TrustStore.load(join(world.pki.root.dir, 'trust.json'));
  const client = await connectAsync(world.broker.url, { clientId: `metrics-reader-${Date.now()}` });
  const out = new Map<string, RecallIndex>();
  client.on('message', (topic, payload) => {
    const scope = scopeOfTopic(topic)?.scope;
    if (payload.length === 0 || scope === undefined) return;
    const index = verifyIndex(new Uint8Array(payload), trust, { now: Math.floor(Date.now() / 1000), scope }).index;
    out.set(index.scope, index);
  });
  await client.subscribeAsync('rid/v1/index/#', { qos: 1 });
  await new Promise((r) => setTimeout(r, 500));
  await client.endAsync();
  return out;
}

it('counts rounds and retained items, and reports the index versions, active recalls and revocations of its state', async () => {
  const { tmp, broker, pki } = world;
  const state = join(tmp, 'publisher');
  writeFileSync(
    join(tmp, 'notice.json'),
    JSON.stringify({ recallId: 'R-MET-1', revision: 1, campaignId: 'C-MET', notAfter: Math.floor(Date.now() / 1000) + 86400, action: 'notify', reason: 'r', remedy: 'm', target: { enterprise: TEST_ENTERPRISE, model: TEST_MODEL } }),
  );
  expect(cli(['recall', 'sign', '--notice', join(tmp, 'notice.json'), '--key', pki.enterprise.dir, '--out', join(tmp, 'r.cose')]).status).toBe(0);
  const published = cli(['recall', 'publish', join(tmp, 'r.cose'), '--broker', broker.url, '--key', pki.platform.dir, '--state', state]);
  expect(published.status, published.stderr).toBe(0);

  // Without --watch there is nothing to serve metrics from: a usage error.
  const once = cli(['recall', 'republish', '--broker', broker.url, '--key', pki.platform.dir, '--state', state, '--metrics', '127.0.0.1:0']);
  expect(once.status).toBe(2);
  expect(once.stderr).not.toMatch(/\n\s+at /);

  const watch = startProc(['recall', 'republish', '--watch', '--refresh-interval', '1', '--broker', broker.url, '--key', pki.platform.dir, '--state', state, '--metrics', '127.0.0.1:0', '--json']);
  await until(() => metricsUrl(watch.lines()) !== undefined, 'the metrics address', 20_000);
  const url = metricsUrl(watch.lines())!;
  await until(() => watch.lines().some((l) => l.includes('"republished"')), 'the first republish', 20_000);
  // A second one on the same port: a usage error, said in one line.
  const busy = cli(['recall', 'republish', '--watch', '--broker', broker.url, '--key', pki.platform.dir, '--state', state, '--metrics', url.replace(/^http:\/\/([^/]+)\/metrics$/, '$1')]);
  expect(busy.status).toBe(2);
  expect(busy.stderr).toMatch(/--metrics 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  expect(busy.stderr).not.toMatch(/\n\s+at /);
  const first = JSON.parse(watch.lines().find((l) => l.includes('"republished"'))!) as { notices: number; indexes: number };

  let text = await scrape(url);
  expect(sample(text, 'robot_id_republisher_rounds_total{kind="republish",outcome="ok"}')).toBe(1);
  expect(sample(text, 'robot_id_republisher_rounds_total{kind="republish",outcome="failed"}')).toBe(0);
  // Every notice topic and index of the round, acknowledged by the broker (refresh rounds
  // with nothing due publish nothing).
  expect(sample(text, 'robot_id_republisher_items_published_total')).toBe(first.notices + first.indexes);
  const lastOk = sample(text, 'robot_id_republisher_last_success_timestamp_seconds')!;
  expect(Math.abs(lastOk - Date.now() / 1000)).toBeLessThan(30);
  expect(sample(text, 'robot_id_republisher_active_recalls')).toBe(1);
  expect(sample(text, 'robot_id_republisher_revocations{kind="codes"}')).toBe(0);
  expect(text).toContain('robot_id_republisher_process_resident_memory_bytes');
  // The version of each scope's index is that of the signed index the broker holds.
  let onBroker = await retainedIndexes();
  let versions = samples(text, 'robot_id_republisher_index_version');
  expect(versions.size).toBe(onBroker.size);
  expect(onBroker.size).toBeGreaterThanOrEqual(2);
  for (const [scope, index] of onBroker) expect(versions.get(`{scope="${scope}"}`)).toBe(index.version);

  // A revocation: the country index is signed again; the metrics follow the state.
  const revoked = cli(['revoke', '--key', pki.platform.dir, '--code', `86${TEST_ENTERPRISE}${TEST_MODEL}${'9'.repeat(17)}`, '--broker', broker.url, '--state', state]);
  expect(revoked.status, revoked.stderr).toBe(0);
  text = await scrape(url);
  expect(sample(text, 'robot_id_republisher_revocations{kind="codes"}')).toBe(1);
  onBroker = await retainedIndexes();
  versions = samples(text, 'robot_id_republisher_index_version');
  expect(versions.get('{scope="c/86"}')).toBe(onBroker.get('c/86')!.version);
  expect(onBroker.get('c/86')!.version).toBeGreaterThan(1);

  // A state that cannot be read fails the refresh rounds: counted failed, last success kept.
  await eventually(async () => (sample(await scrape(url), 'robot_id_republisher_rounds_total{kind="refresh",outcome="ok"}') ?? 0) >= 1, 'a refresh round');
  const stateFile = join(state, 'state.json');
  const good = readFileSync(stateFile);
  writeFileSync(stateFile, 'not json');
  await until(() => watch.lines().some((l) => l.includes('"event":"error"')), 'a failed refresh', 20_000);
  writeFileSync(stateFile, good);
  text = await scrape(url);
  expect(sample(text, 'robot_id_republisher_rounds_total{kind="refresh",outcome="failed"}')).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'robot_id_republisher_rounds_total{kind="republish",outcome="ok"}')).toBe(1);
  await watch.stop();
  expect(watch.child.exitCode).toBe(0);
}, 120_000);
