// GET /v1/metrics on the agent's local API (config metricsEnabled): a real agent process (the
// bundle), real mosquitto, a real ingest issuing receipts. The outbox depth rises while the
// broker is down and falls back to 0 once receipts arrive; the broker gauge follows the link;
// a recall published to the unit is counted in force. The TCP listener asks for the token as
// on every route; an agent with the default config answers 404 as for any unknown route.
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { IngestConnection } from '../../platform/index.js';
import { cli, startAgentProcess } from '../helpers/agent-process.js';
import { freePort } from '../helpers/broker.js';
import { startIngest } from '../helpers/ingest-recorder.js';
import { TEST_ENTERPRISE, TEST_MODEL, type TestUnit } from '../helpers/pki.js';
import { sample } from '../helpers/prometheus.js';
import { eventually as pollUntil } from '../helpers/eventually.js';
import { useWorld } from '../helpers/world.js';

const eventually = (check: () => Promise<boolean>, what: string, ms = 30000): Promise<void> => pollUntil(check, what, ms, 100);

let ingest: IngestConnection | undefined;
const world = useWorld('rid-agent-metrics-', { pki: true });
world.cleanup(() => ingest?.close());

/** One HTTP request to the agent's Unix socket. */
function onSocket(socketPath: string, method: string, path: string, body?: object): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath, method, path, headers: data ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const socketOf = (u: TestUnit) => join(u.stateDir, 'agent.sock');

it('serves the outbox depth, log size, broker link, heartbeat and recalls in force, behind the API checks', async () => {
  const { tmp, broker, pki } = world;
  const unit = await pki.provision();
  ingest = await startIngest(pki, [unit], broker.url, join(tmp, 'ingest'));
  const tcpPort = await freePort();
  const token = 'metrics-test-token-0123456789abcdef';
  startAgentProcess(tmp, {
    stateDir: unit.stateDir,
    hardwareIdSource: { file: unit.hardwareIdFile },
    brokerUrl: broker.url,
    heartbeatIntervalMs: 300,
    reconnectMinMs: 50,
    reconnectMaxMs: 300,
    resendIntervalMs: 300,
    apiTcpPort: tcpPort,
    apiTcpHost: '127.0.0.1',
    apiToken: token,
    recallAction: { file: join(tmp, 'recall-state.json') },
    metricsEnabled: true,
  });
  const socket = socketOf(unit);
  const metrics = async (): Promise<string> => {
    const r = await onSocket(socket, 'GET', '/v1/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain/);
    return r.text;
  };
  await eventually(async () => {
    try {
      const t = await metrics();
      return sample(t, 'robot_id_agent_broker_connected') === 1 && (sample(t, 'robot_id_agent_last_heartbeat_timestamp_seconds') ?? 0) > 0;
    } catch {
      return false; // not listening yet
    }
  }, 'the agent connected and beating');
  let text = await metrics();
  expect(Math.abs(sample(text, 'robot_id_agent_last_heartbeat_timestamp_seconds')! - Date.now() / 1000)).toBeLessThan(30);
  expect(sample(text, 'robot_id_agent_recalls_in_force')).toBe(0);
  expect(text).toContain('robot_id_agent_process_resident_memory_bytes');
  const logBytes = sample(text, 'robot_id_agent_event_log_bytes')!;
  expect(logBytes).toBeGreaterThanOrEqual(0); // a unit fresh from provisioning has logged nothing yet
  await eventually(async () => sample(await metrics(), 'robot_id_agent_outbox_depth') === 0, 'the outbox empty');

  // The TCP listener: the same token as every route.
  const url = `http://127.0.0.1:${tcpPort}/v1/metrics`;
  expect((await fetch(url)).status).toBe(401);
  const withToken = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(withToken.status).toBe(200);
  expect(await withToken.text()).toContain('robot_id_agent_outbox_depth');

  // The broker goes away: events wait in the outbox, the link gauge drops.
  await broker.kill('SIGKILL');
  await eventually(async () => sample(await metrics(), 'robot_id_agent_broker_connected') === 0, 'the link down');
  for (let i = 0; i < 3; i++) expect((await onSocket(socket, 'POST', '/v1/events', { kind: 'maintenance', note: `job ${i}` })).status).toBe(201);
  text = await metrics();
  expect(sample(text, 'robot_id_agent_outbox_depth')).toBe(3);
  expect(sample(text, 'robot_id_agent_event_log_bytes')).toBeGreaterThan(logBytes);
  // Back: delivered, receipted by the ingest, the outbox empty again.
  await broker.start();
  await eventually(async () => sample(await metrics(), 'robot_id_agent_outbox_depth') === 0, 'the events receipted');
  expect(sample(await metrics(), 'robot_id_agent_broker_connected')).toBe(1);

  // A recall for the unit's model, published by the platform: in force on the unit.
  writeFileSync(
    join(tmp, 'notice.json'),
    JSON.stringify({ recallId: 'R-AGENT-MET', revision: 1, campaignId: 'C-AGENT-MET', notAfter: Math.floor(Date.now() / 1000) + 86400, action: 'notify', reason: 'r', remedy: 'm', target: { enterprise: TEST_ENTERPRISE, model: TEST_MODEL } }),
  );
  expect(cli(['recall', 'sign', '--notice', join(tmp, 'notice.json'), '--key', pki.enterprise.dir, '--out', join(tmp, 'r.cose')]).status).toBe(0);
  const published = cli(['recall', 'publish', join(tmp, 'r.cose'), '--broker', broker.url, '--key', pki.platform.dir, '--state', join(tmp, 'publisher')]);
  expect(published.status, published.stderr).toBe(0);
  await eventually(async () => sample(await metrics(), 'robot_id_agent_recalls_in_force') === 1, 'the recall in force');
}, 120_000);

it('answers 404 without metricsEnabled, as for any unknown route', async () => {
  const { tmp, pki } = world;
  const unit = await pki.provision();
  startAgentProcess(tmp, { stateDir: unit.stateDir, hardwareIdSource: { file: unit.hardwareIdFile } });
  await eventually(async () => {
    try {
      return (await onSocket(socketOf(unit), 'GET', '/v1/status')).status === 200;
    } catch {
      return false; // not listening yet
    }
  }, 'the agent listening');
  const r = await onSocket(socketOf(unit), 'GET', '/v1/metrics');
  expect(r.status).toBe(404);
  expect(JSON.parse(r.text)).toEqual({ error: { code: 'NOT_FOUND', message: 'GET /v1/metrics' } });
}, 60_000);
