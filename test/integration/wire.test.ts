/**
 * A running agent on a real mosquitto, a real ingest on the same broker: identity, birth,
 * heartbeats and events arrive verified, in order, without gaps; receipts empty the outbox;
 * an orderly stop sends the clean offline message.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/index.js';
import type { IngestConnection } from '../../platform/index.js';
import { quietLogger, type TestUnit } from '../helpers/pki.js';
import { record, startIngest, until, type Recorded } from '../helpers/ingest-recorder.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld('rid-wire-', { pki: true });
let unit: TestUnit;
let ingest: IngestConnection;
let seen: Recorded;
let agent: Agent | undefined;
world.cleanup(async () => {
  await agent?.close();
  await ingest?.close();
});

beforeAll(async () => {
  const { tmp, broker, pki } = world;
  unit = await pki.provision();
  ingest = await startIngest(pki, [unit], broker.url, join(tmp, 'ingest'));
  seen = record(ingest);
});

describe('agent on the wire', () => {
  it('delivers identity, birth, heartbeats and events verified, in order, without gaps', async () => {
    const { broker } = world;
    agent = await startAgent(
      unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 200, reconnectMinMs: 50, reconnectMaxMs: 500, resendIntervalMs: 1000 }),
      { logger: quietLogger() },
    );
    const N = 300;
    for (let i = 0; i < N; i++) await agent.submitEvent({ kind: i % 2 ? 'maintenance' : 'fault', note: `event ${i}` });
    await until(() => agent!.outbox.depth() === 0, 'every event confirmed by a receipt');
    await until(() => seen.messages.filter((m) => m.kind === 'heartbeat').length >= 3, 'three heartbeats');

    const kinds = new Set(seen.messages.map((m) => m.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['identity', 'birth', 'heartbeat', 'event']));
    expect(seen.messages.every((m) => m.verified && m.code === unit.code)).toBe(true);
    const events = seen.messages.filter((m) => m.kind === 'event').map((m) => m.seq);
    expect(events).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(seen.messages.find((m) => m.kind === 'event' && m.seq === 2)?.eventKind).toBe('maintenance');
    const hbs = seen.messages.filter((m) => m.kind === 'heartbeat');
    expect(hbs.map((h) => h.seq)).toEqual([...hbs.map((h) => h.seq)].sort((a, b) => a - b));
    expect(hbs.every((h) => h.boot === agent!.bootCount)).toBe(true);
    expect(seen.gaps).toEqual([]);
    expect(seen.chains).toEqual([]);
    expect(seen.rejected).toEqual([]);
    expect(ingest.ingest.marksOf(unit.code).event).toBe(N);
    expect(Buffer.from(ingest.ingest.marksOf(unit.code).head)).toEqual(Buffer.from(agent.eventLog.head.hash));
    expect(agent.outbox.confirmed('event')).toBe(N);
    expect(seen.online.some((o) => o.via === 'birth' && o.boot === agent!.bootCount)).toBe(true);
  });

  it('sends a clean offline message on orderly shutdown, not the Will', async () => {
    await agent!.close();
    agent = undefined;
    await until(() => seen.offline.length > 0, 'offline');
    expect(seen.offline[0]).toMatchObject({ code: unit.code, via: 'offline' });
    expect(seen.messages.some((m) => m.kind === 'death')).toBe(false);
  });

  it('works the same over MQTT 5 when configured (brokerProtocolVersion: 5)', async (ctx) => {
    const { tmp, broker, pki } = world;
    if (broker.kind !== 'mosquitto') ctx.skip(); // aedes refuses MQTT 5 clients
    const unit5 = await pki.provision();
    const ingest5 = await startIngest(pki, [unit5], broker.url, join(tmp, 'ingest5'));
    const seen5 = record(ingest5);
    const a = await startAgent(
      unit5.config({ brokerUrl: broker.url, brokerProtocolVersion: 5, heartbeatIntervalMs: 200, reconnectMinMs: 50, reconnectMaxMs: 500 }),
      { logger: quietLogger() },
    );
    try {
      for (let i = 0; i < 20; i++) await a.submitEvent({ kind: 'maintenance', note: `v5 event ${i}` });
      await until(() => a.outbox.depth() === 0, 'every MQTT 5 event confirmed by a receipt');
      expect(seen5.messages.filter((m) => m.kind === 'event').map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(broker.log()).toMatch(/as rid-\w+ \([^)]*p5/);
    } finally {
      await a.close();
      await ingest5.close();
    }
  });
});
