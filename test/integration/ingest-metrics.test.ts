// `fleet watch --metrics`: the ingest process serves Prometheus metrics that follow what it
// did: events verified and receipted (with the wait for the receipt), a malformed message
// rejected by reason, units online then offline. Real mosquitto, real agent, real ingest
// process, scraped over HTTP as Prometheus would.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/index.js';
import { unitTopic } from '../../sdk/index.js';
import { ingestListening, startProc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { quietLogger, writeRegistry } from '../helpers/pki.js';
import { eventually as pollUntil } from '../helpers/eventually.js';
import { useWorld } from '../helpers/world.js';

const eventually = (check: () => Promise<boolean>, what: string, ms = 20000): Promise<void> => pollUntil(check, what, ms, 100);

let agent: Agent | undefined;
const world = useWorld('rid-ingest-metrics-', { pki: true });
world.cleanup(() => agent?.close());

/** The value of one sample (name with its labels exactly as Prometheus text shows them). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it('counts what the ingest verified, rejected and receipted, and which units are online', async () => {
  const { tmp, broker, pki } = world;
  const unit = await pki.provision();
  const registry = join(tmp, 'registry.jsonl');
  writeRegistry(registry, [unit]);
  const watch = startProc([
    'fleet', 'watch', '--broker', broker.url, '--trust', join(pki.root.dir, 'trust.json'), '--registry', registry,
    '--state', join(tmp, 'ingest'), '--receipt-key', pki.platform.dir, '--metrics', '127.0.0.1:0', '--client-id', 'metrics-ingest', '--json',
    // A list that does not exist yet (a new platform's index state): empty until it appears.
    '--revocations', join(tmp, 'later.json'),
  ]);
  await until(() => watch.lines().some((l) => /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(l)), 'the metrics address', 20_000);
  const url = /(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(watch.lines().find((l) => l.includes('metrics on'))!)![1]!;
  const scrape = async (): Promise<string> => {
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    return r.text();
  };
  expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);
  await ingestListening(broker.url, () => watch.lines());
  expect(watch.lines().some((l) => l.includes('does not exist yet'))).toBe(true);

  agent = await startAgent(unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 300 }), { logger: quietLogger() });
  for (let i = 0; i < 3; i++) await agent.submitEvent({ kind: 'maintenance', note: `job ${i}` });
  const a = agent;
  await until(() => a.outbox.confirmed('event') === 3, 'the three events receipted', 30_000);
  // A malformed heartbeat on the unit's topic.
  const forger = await connect(broker.url, { clientId: 'metrics-forger' });
  await new Promise((r) => forger.once('connect', r));
  await forger.publishAsync(unitTopic(unit.code, 'hb'), Buffer.from('not a heartbeat'), { qos: 1 });
  await forger.endAsync();
  await eventually(async () => (sample(await scrape(), 'robot_id_ingest_messages_rejected_total{kind="heartbeat",reason="MSG_MALFORMED"}') ?? 0) >= 1, 'the rejection counted');

  const text = await scrape();
  expect(sample(text, 'robot_id_ingest_messages_verified_total{kind="event"}')).toBe(3);
  expect(sample(text, 'robot_id_ingest_messages_verified_total{kind="birth"}')).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'robot_id_ingest_receipts_total')).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'robot_id_ingest_receipt_latency_seconds_count')).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'robot_id_ingest_store_appended')).toBe(3);
  expect(sample(text, 'robot_id_ingest_units{state="online"}')).toBe(1);
  expect(sample(text, 'robot_id_ingest_units{state="offline"}')).toBe(0);
  expect(text).toContain('robot_id_ingest_process_resident_memory_bytes');

  // The list appears, revoking the unit: the ingest reads it and counts the unit revoked.
  expect(sample(text, 'robot_id_ingest_units{state="revoked"}')).toBe(0);
  writeFileSync(join(tmp, 'later.json'), JSON.stringify({ keys: [], codes: [unit.code] }));
  await eventually(async () => sample(await scrape(), 'robot_id_ingest_units{state="revoked"}') === 1, 'the unit counted revoked');

  // The unit stops: its death message takes it offline.
  await agent.close();
  agent = undefined;
  await eventually(async () => sample(await scrape(), 'robot_id_ingest_units{state="offline"}') === 1, 'the unit offline');
  expect(sample(await scrape(), 'robot_id_ingest_units{state="online"}')).toBe(0);
}, 120_000);
