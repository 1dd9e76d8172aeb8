/**
 * What an attacker on the broker can try (docs/threat-model.md §"Network attacker", §"Broker
 * compromise"): forged, tampered, replayed, wrong-key and stale heartbeats and events are
 * reported with a reason and never accepted; forged receipts make the agent drop nothing.
 * The broker here has no ACL, as if it were compromised: signatures are the only defence.
 */
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/index.js';
import { wireOf } from '../../agent/link/module.js';
import {
  PROTOCOL_VERSION,
  generateKeyPair,
  loadSigner,
  seedSigner,
  signEvent,
  signHeartbeat,
  signObject,
  signReceipt,
  receiptKind,
  unitTopic,
  type Signer,
} from '../../sdk/index.js';
import { makePki, quietLogger, type TestUnit } from '../helpers/pki.js';
import { emptyRecord, startIngest, until, type Recorded } from '../helpers/ingest-recorder.js';
import { testHeartbeat } from '../helpers/heartbeat.js';
import { useWorld } from '../helpers/world.js';
import type { IngestConnection } from '../../platform/index.js';

let unit: TestUnit;
let other: TestUnit;
let device: Signer;
let attacker: MqttClient;
let agent: Agent | undefined;
let ingest: IngestConnection | undefined;
const seen: Recorded = emptyRecord();
const captured: Uint8Array[] = [];

const now = (): number => Math.floor(Date.now() / 1000);

const heartbeatOf = (code: string, boot: number, counter: number, time = now()) => testHeartbeat(code, { boot, counter, time });

async function publish(topic: string, bytes: Uint8Array): Promise<void> {
  await attacker.publishAsync(topic, Buffer.from(bytes), { qos: 1 });
}

const world = useWorld('rid-forgery-', { pki: true });
// Run newest first: the attacker leaves, then the agent and the ingest close.
world.cleanup(() => ingest?.close());
world.cleanup(() => agent?.close());
world.cleanup(() => attacker?.endAsync());
beforeAll(async () => {
  unit = await world.pki.provision();
  other = await world.pki.provision();
  device = loadSigner(join(unit.stateDir, 'device.key'));
  attacker = await connectAsync(world.broker.url, { clientId: 'attacker', reconnectPeriod: 0 });
  // The attacker eavesdrops on the unit's events to replay them later.
  attacker.on('message', (topic, payload) => topic === unitTopic(unit.code, 'evt') && captured.push(new Uint8Array(payload)));
  await attacker.subscribeAsync(unitTopic(unit.code, 'evt'), { qos: 1 });
});

describe('forged receipts', () => {
  it('leave every outbox entry in place; the real ingest then drains it', async () => {
    const { tmp, broker, pki } = world;
    agent = await startAgent(unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 60_000, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 300 }), {
      logger: quietLogger(),
    });
    await until(() => wireOf(agent!)?.link.connected === true, 'agent connected');
    for (let i = 0; i < 20; i++) await agent.submitEvent({ kind: 'maintenance' });
    const head = agent.eventLog.head;
    const topic = unitTopic(unit.code, 'receipt');
    const claim = { code: unit.code, event: 20, ack: 0, eventHead: head.hash, issuedAt: now() };
    const stranger = await makePki(join(tmp, 'stranger'));
    const forgeries: Uint8Array[] = [
      // the enterprise key: certified, but without the receipt.sign role
      await signReceipt(pki.enterprise.signer, pki.enterprise.certificate!, claim),
      // a platform of another root the unit does not trust
      await signReceipt(stranger.platform.signer, stranger.platform.certificate!, claim),
      // a bare key with the real platform's certificate attached
      await signReceipt(seedSigner(generateKeyPair().seed), pki.platform.certificate!, claim),
      // no certificate at all
      await signObject(receiptKind, { v: PROTOCOL_VERSION, ...claim }, pki.platform.signer),
      // the real platform, but for another unit
      await signReceipt(pki.platform.signer, pki.platform.certificate!, { ...claim, code: other.code }),
      // the real platform, naming a chain head that is not ours
      await signReceipt(pki.platform.signer, pki.platform.certificate!, { ...claim, eventHead: new Uint8Array(32).fill(7) }),
      // the real platform, claiming more than the unit ever made
      await signReceipt(pki.platform.signer, pki.platform.certificate!, { ...claim, event: 21 }),
      // not even a receipt: an event of the unit
      await signEvent(device, { code: unit.code, seq: 1, prevHash: new Uint8Array(32), time: now(), kind: 'fault' }),
    ];
    for (const f of forgeries) await publish(topic, f);
    const receipts = wireOf(agent)!.receipts;
    await until(() => receipts.stats.rejected >= forgeries.length, 'every forgery examined');
    expect(receipts.stats.accepted).toBe(0);
    expect(agent.outbox.confirmed('event')).toBe(0);
    expect(agent.outbox.depth()).toBe(20);

    ingest = await startIngest(pki, [unit, other], broker.url, join(tmp, 'ingest'), { into: seen });
    await until(() => agent!.outbox.depth() === 0, 'outbox drained by genuine receipts');
    expect(agent.outbox.confirmed('event')).toBe(20);
    expect(receipts.stats.rejected).toBe(forgeries.length);
  });
});

describe('forged, replayed and wrong-key messages at the ingest', () => {
  async function rejectedFor(topic: string, bytes: Uint8Array): Promise<string> {
    const before = seen.rejected.length;
    await publish(topic, bytes);
    await until(() => seen.rejected.length > before, `rejection of a message on ${topic}`);
    return seen.rejected[before]!.reason;
  }

  it('reports each with its reason and stores nothing', async () => {
    const stored = ingest!.ingest.marksOf(unit.code).event;
    const storedMessages = seen.messages.length;
    const hbTopic = unitTopic(unit.code, 'hb');
    const evtTopic = unitTopic(unit.code, 'evt');
    const stranger = seedSigner(generateKeyPair().seed);
    const otherDevice = loadSigner(join(other.stateDir, 'device.key'));

    // wrong key: a heartbeat and an event naming the unit, signed by a stranger / another unit
    expect(await rejectedFor(hbTopic, await signHeartbeat(stranger, heartbeatOf(unit.code, 999, 1)))).toBe('MSG_BAD_SIGNATURE');
    const next = { code: unit.code, seq: stored + 1, prevHash: ingest!.ingest.marksOf(unit.code).head, time: now(), kind: 'fault' as const };
    expect(await rejectedFor(evtTopic, await signEvent(otherDevice, next))).toBe('MSG_BAD_SIGNATURE');
    // another unit's genuine event replayed onto this unit's topic
    expect(await rejectedFor(evtTopic, await signEvent(otherDevice, { ...next, code: other.code }))).toBe('MSG_BAD_SIGNATURE');
    // tampered: a genuine event with one payload byte flipped
    const genuine = await signEvent(device, next);
    const tampered = Uint8Array.from(genuine);
    tampered[tampered.length - 70] ^= 0x01;
    expect(await rejectedFor(evtTopic, tampered)).toMatch(/^MSG_(BAD_SIGNATURE|MALFORMED)$/);
    // garbage and a message of the wrong kind on the channel
    expect(await rejectedFor(evtTopic, new Uint8Array([0xd2, 0x84, 0x40]))).toBe('MSG_MALFORMED');
    expect(await rejectedFor(evtTopic, await signHeartbeat(device, heartbeatOf(unit.code, 999, 1)))).toBe('MSG_WRONG_KIND');
    // replayed: the same heartbeat twice (the second is a replay), and a stale one
    const hb = await signHeartbeat(device, heartbeatOf(unit.code, 1_000_000, 1));
    await publish(hbTopic, hb);
    await until(() => seen.messages.some((m) => m.kind === 'heartbeat' && m.boot === 1_000_000), 'the genuine heartbeat');
    expect(await rejectedFor(hbTopic, hb)).toBe('MSG_REPLAYED');
    expect(await rejectedFor(hbTopic, await signHeartbeat(device, heartbeatOf(unit.code, 1_000_001, 1, now() - 3600)))).toBe('MSG_STALE');
    // a unit nobody registered
    expect(await rejectedFor(unitTopic('86123456789012345678901234567', 'hb'), hb)).toBe('MSG_UNKNOWN_UNIT');
    // replayed event: a stored event again is a quiet duplicate, not a second copy
    const dups = seen.duplicates;
    expect(captured.length).toBeGreaterThan(0);
    await publish(evtTopic, captured[0]!);
    await until(() => seen.duplicates > dups, 'the replay noticed');

    await ingest!.ingest.flush();
    expect(ingest!.ingest.marksOf(unit.code).event).toBe(stored);
    expect(seen.messages.slice(storedMessages).filter((m) => m.kind === 'event')).toEqual([]);
  });
});
