// Brokers that deliver retained messages only to exact-topic subscriptions: RabbitMQ 3.10's MQTT
// plugin (docs/broker.md). A recall published there reaches a real agent process, which applies
// and acknowledges it through the ingest; `recall status` finds the campaign on the broker alone,
// walking from the country index by the exact topics the indexes name (wildcards get nothing
// retained there), and from the publisher state. Needs RabbitMQ with its MQTT plugin
// (ROBOT_ID_RABBITMQ_MQTT_URL, default mqtt://127.0.0.1:1884; `.ci/run` enables it); skipped
// when unreachable unless ROBOT_ID_REQUIRE_RABBITMQ=1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestConnection } from '../../platform/index.js';
import { agentStatus, cli, startAgentProcess, stopAll } from '../helpers/agent-process.js';
import { record, startIngest, type Recorded } from '../helpers/ingest-recorder.js';
import { makePki, TEST_ENTERPRISE, TEST_MODEL, type Pki, type TestUnit, writeRegistry } from '../helpers/pki.js';

const URL_ = process.env.ROBOT_ID_RABBITMQ_MQTT_URL ?? 'mqtt://127.0.0.1:1884';
const required = process.env.ROBOT_ID_REQUIRE_RABBITMQ === '1';

async function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = netConnect(Number(u.port || 1883), u.hostname);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.setTimeout(2000, () => (s.destroy(), resolve(false)));
  });
}

const up = await reachable(URL_);
if (!up && required) throw new Error(`RabbitMQ's MQTT listener ${URL_} is unreachable and ROBOT_ID_REQUIRE_RABBITMQ=1`);

describe.skipIf(!up)(`RabbitMQ MQTT (${URL_}): retained messages for exact topics only`, () => {
  let tmp: string;
  let pki: Pki;
  let unit: TestUnit;
  let ingest: IngestConnection;
  let seen: Recorded;
  let registry: string;
  const run = `${process.pid}-${Date.now().toString(36)}`.toUpperCase();
  const recallId = `R-RMQ-${run}`;
  const campaignId = `C-RMQ-${run}`;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rid-rabbitmq-'));
    pki = await makePki(join(tmp, 'pki'));
    unit = await pki.provision();
    registry = join(tmp, 'registry.jsonl');
    writeRegistry(registry, [unit]);
    ingest = await startIngest(pki, [unit], URL_, join(tmp, 'ingest'), { clientId: `rid-rmq-ingest-${run}` });
    seen = record(ingest);
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    await ingest?.close();
    // Leave the shared broker as found: clear what this run retained (an empty retained message).
    const c = await connectAsync(URL_, { clientId: `rid-rmq-clean-${run}`, reconnectPeriod: 0 });
    for (const t of [`rid/v1/recall/m/${TEST_ENTERPRISE}/${TEST_MODEL}/${recallId}`, `rid/v1/index/m/${TEST_ENTERPRISE}/${TEST_MODEL}`, 'rid/v1/index/c/86', `rid/v1/u/${unit?.code}/identity`]) {
      await c.publishAsync(t, Buffer.alloc(0), { qos: 1, retain: true });
    }
    await c.endAsync();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a published recall reaches the agent, which applies and acknowledges it; recall status finds it on the broker alone and from the state', async () => {
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(
      join(tmp, 'notice.json'),
      JSON.stringify({ recallId, revision: 1, campaignId, notAfter: now + 86400, action: 'notify', reason: 'joint 4 overheats', remedy: 'replace joint 4', target: { enterprise: TEST_ENTERPRISE, model: TEST_MODEL } }),
    );
    expect(cli(['recall', 'sign', '--notice', join(tmp, 'notice.json'), '--key', pki.enterprise.dir, '--out', join(tmp, 'r.cose')]).status).toBe(0);
    const state = join(tmp, 'publisher');
    const p = cli(['recall', 'publish', join(tmp, 'r.cose'), '--broker', URL_, '--key', pki.platform.dir, '--state', state]);
    expect(p.status, p.stderr).toBe(0);

    const agent = startAgentProcess(tmp, {
      stateDir: unit.stateDir,
      hardwareIdSource: { file: unit.hardwareIdFile },
      brokerUrl: URL_,
      // RabbitMQ's own default account (loopback only), not the unit's provisioned credentials.
      brokerUsername: process.env.ROBOT_ID_RABBITMQ_USER ?? 'guest',
      brokerPassword: process.env.ROBOT_ID_RABBITMQ_PASSWORD ?? 'guest',
      heartbeatIntervalMs: 1000,
      reconnectMinMs: 50,
      reconnectMaxMs: 400,
      resendIntervalMs: 400,
      logLevel: 'warn',
      recallAction: { file: join(tmp, 'recall-state.json') },
    });
    const socket = join(unit.stateDir, 'agent.sock');
    const end = Date.now() + 30_000;
    let active: string[] = [];
    while (Date.now() < end) {
      try {
        const s = agentStatus(socket) as { recalls: { activeRecalls: { recallId: string }[] } };
        active = s.recalls.activeRecalls.map((a) => a.recallId);
      } catch {
        // The agent is still starting: its socket is not there yet.
      }
      const applied = seen.messages.some((m) => m.kind === 'ack' && (m.value as { recallId: string; status: string }).recallId === recallId && (m.value as { status: string }).status === 'applied');
      if (active.includes(recallId) && applied) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!active.includes(recallId)) console.log(agent.lines().slice(-30).join('\n'));
    expect(active).toContain(recallId);

    const common = ['--trust', join(pki.root.dir, 'trust.json'), '--registry', registry, '--ingest', join(tmp, 'ingest'), '--wait', '3', '--json'];
    for (const source of [['--broker', URL_], ['--state', state, '--broker', URL_]]) {
      const r = cli(['recall', 'status', campaignId, ...source, ...common]);
      expect({ source, status: r.status, stderr: r.stderr }).toEqual({ source, status: 0, stderr: '' });
      const body = JSON.parse(r.stdout) as { counts: Record<string, number>; notes: string[] };
      expect({ source, counts: body.counts }).toMatchObject({ source, counts: { applied: 1, pending: 0 } });
      expect(body.notes.join(' ')).not.toMatch(/lacks/);
    }
  }, 90_000);
});
