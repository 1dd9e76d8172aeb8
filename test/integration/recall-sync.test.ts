/**
 * Recall delivery on the robot against a real mosquitto: the agent's own MQTT link, a real
 * platform publisher and indexes signed with real keys. The notice sink is a small in-memory
 * recorder (the real recall handler is exercised in the end-to-end test).
 */
import { FilesPublisherStore } from '../../platform/store/files/publisher-files.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { join } from 'node:path';
import {
  readExisting,
  ROLES,
  RecallPublisher,
  cosignRecall,
  keyId,
  kidHex,
  openRecall,
  parseCode,
  codeScheme,
  signIndex,
  signRecall,
  type Authority,
  type RecallInput,
} from '../../sdk/index.js';
import { MqttLink } from '../../agent/link/link.js';
import { RecallSync } from '../../agent/recall-sync/index.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { makeAuthorities, type Authorities } from '../helpers/recall-authorities.js';
import { retainedTransport, until } from '../helpers/mqtt-collect.js';

const log = pino({ level: 'silent' });
const CODE = parseCode('86123456789000000000000000001', codeScheme({}));
const DEVICE_KID = keyId(new Uint8Array(32).fill(7));
const t0 = Math.floor(Date.now() / 1000);

let a: Authorities;
let broker: TestBroker;
let recallA: Authority;
let recallB: Authority;
let platform: MqttClient;
let n = 0;
const running: { link: MqttLink; sync: RecallSync }[] = [];

function notice(over: Partial<RecallInput> = {}): RecallInput {
  return {
    recallId: `R-${++n}`,
    revision: 1,
    campaignId: 'C-1',
    issuer: 'recall-a',
    issuedAt: t0 - 60,
    notBefore: t0 - 60,
    notAfter: t0 + 30 * 86400,
    action: 'stop',
    reason: 'overheating',
    remedy: 'replace joint',
    target: { enterprise: '1234', model: '567890' },
    status: 'active',
    ...over,
  };
}

async function signed(over: Partial<RecallInput> = {}): Promise<Uint8Array> {
  return cosignRecall(await signRecall(notice(over), recallA.signer, recallA.certificate!), recallB.signer, recallB.certificate!);
}

class Sink {
  readonly held = new Map<string, number>();
  readonly seen: string[] = [];
  /** For each notice: whether the event loop turned (an immediate ran) since the previous one. */
  readonly turned: boolean[] = [];
  private turnedSinceLast = true;
  async handleNotice(bytes: Uint8Array, source: string): Promise<unknown> {
    this.seen.push(source);
    this.turned.push(this.turnedSinceLast);
    this.turnedSinceLast = false;
    setImmediate(() => (this.turnedSinceLast = true));
    const n = openRecall(bytes).value;
    this.held.set(n.recallId, Math.max(n.revision, this.held.get(n.recallId) ?? 0));
    return undefined;
  }
  revisionOf(id: string): number | undefined {
    return this.held.get(id);
  }
  installPolicy(): boolean {
    return false;
  }
}

function robot(name: string, opts: { maxAgeMs?: number; now?: () => number } = {}) {
  const sink = new Sink();
  const link = new MqttLink({
    code: CODE.code,
    log,
    options: { brokerUrl: broker.url, keepaliveSeconds: 30, reconnectMinMs: 50, reconnectMaxMs: 500 },
  });
  const sync = new RecallSync({
    code: CODE,
    deviceKid: DEVICE_KID,
    trust: a.root.trust,
    dir: join(a.dir, name),
    notices: sink,
    maxAgeMs: opts.maxAgeMs ?? 60_000,
    log,
    now: opts.now,
    checkIntervalMs: 50,
  });
  sync.start(link);
  link.start();
  running.push({ link, sync });
  return { sink, link, sync };
}

beforeAll(async () => {
  a = await makeAuthorities();
  recallA = await a.platform('recall-a', [ROLES.recallIssue]);
  recallB = await a.platform('recall-b', [ROLES.recallIssue]);
  broker = await startBroker();
  platform = await connectAsync(broker.url, { clientId: 'platform-recall-sync-test' });
});
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.sync.stop();
    await r.link.stop();
  }
});
afterAll(async () => {
  await platform?.endAsync(true);
  await broker?.stop();
  a?.cleanup();
});

describe('recall sync on the robot', () => {
  it('receives the notice, accepts the indexes, and reports rollback and expiry', async () => {
    const pub = new RecallPublisher({ store: new FilesPublisherStore(join(a.dir, 'p1')), signer: a.index.signer, certificate: a.index.certificate!, country: '86', trust: a.root.trust });
    const first = await signed();
    await pub.publish(first, retainedTransport(platform));
    const { sink, sync } = robot('r1');
    await until(() => sync.status().indexes.length === 2 && sink.held.size === 1, 'index and notice');
    const s = sync.status();
    expect(s.required).toEqual(['c/86', 'm/1234/567890']);
    expect(s.stale).toBe(false);
    expect(s.missing).toEqual([]);
    const v1 = (await readExisting(new FilesPublisherStore(join(a.dir, 'p1')))).indexBytes('m/1234/567890');

    await pub.publish(await signed(), retainedTransport(platform));
    await until(() => sync.status().indexes.find((i) => i.scope === 'm/1234/567890')?.version === 2, 'version 2');
    // An attacker (or a confused broker) retains the older index again.
    await platform.publishAsync('rid/v1/index/m/1234/567890', Buffer.from(v1), { qos: 1, retain: true });
    await until(() => sync.status().rejected.byCode.INDEX_ROLLBACK === 1, 'rollback reported');
    expect(sync.status().indexes.find((i) => i.scope === 'm/1234/567890')?.version).toBe(2);

    // An index signed correctly but past its expiry.
    const expired = await signIndex(
      { scope: 'c/86', version: 1000, issuedAt: t0 - 1800, expiresAt: t0 - 60, entries: [], revocations: { keys: [], codes: [] } },
      a.index.signer,
      a.index.certificate!,
    );
    await platform.publishAsync('rid/v1/index/c/86', Buffer.from(expired), { qos: 1, retain: true });
    await until(() => sync.status().rejected.byCode.INDEX_EXPIRED === 1, 'expiry reported');
    expect(sync.status().rejected.last?.code).toBe('INDEX_EXPIRED');
    await pub.republishAll(retainedTransport(platform)); // leave the broker as the platform means it
  });

  it('reports being cut off when the held index expires or no index arrives for longer than the max age', async () => {
    let clock = Date.now();
    const pub = new RecallPublisher({ store: new FilesPublisherStore(join(a.dir, 'p2')), signer: a.index.signer, certificate: a.index.certificate!, country: '86', trust: a.root.trust, indexLifetimeSeconds: 600 });
    await pub.publish(await signed({ target: { enterprise: '1234', model: '567891' } }), retainedTransport(platform));
    await pub.republishAll(retainedTransport(platform));
    const { sync } = robot('r2', { maxAgeMs: 5_000, now: () => clock });
    await until(() => sync.status().indexes.some((i) => i.scope === 'c/86'), 'country index');
    const expiresAt = sync.status().indexes.find((i) => i.scope === 'c/86')!.expiresAt;
    clock = expiresAt * 1000 + 4_000;
    expect(sync.heartbeat()).toEqual({ recallIndexStale: false, revoked: false });
    clock = expiresAt * 1000 + 5_001;
    expect(sync.heartbeat()).toEqual({ recallIndexStale: true, revoked: false });
    expect(sync.status().incompleteSince).toBe(expiresAt * 1000);

    // A robot on a broker that holds no index at all.
    await broker.kill('SIGKILL');
    await broker.start();
    let clock2 = Date.now();
    const lonely = robot('r3', { maxAgeMs: 5_000, now: () => clock2 });
    await until(() => lonely.link.connected, 'connected');
    clock2 += 5_001;
    expect(lonely.sync.status()).toMatchObject({ stale: true, required: ['c/86'], indexes: [] });
    await platform.endAsync(true);
    platform = await connectAsync(broker.url, { clientId: 'platform-recall-sync-test' });
  });

  it('handles a burst of retained messages one per event-loop turn, in arrival order', async () => {
    // Six notices retained in three of the unit's scopes, with their indexes: after it
    // subscribes, the robot receives them all at once. Between two of them, I/O callbacks
    // and immediates (heartbeats, receipts, completed ack writes) get their turn. A broker of
    // its own: the other tests' persistent sessions would queue these indexes for their units.
    const own = await startBroker();
    const publisher = await connectAsync(own.url, { clientId: 'platform-recall-sync-burst' });
    try {
      const pub = new RecallPublisher({ store: new FilesPublisherStore(join(a.dir, 'p4')), signer: a.index.signer, certificate: a.index.certificate!, country: '86', trust: a.root.trust });
      const targets = [{ enterprise: '1234', model: '567890' }, { enterprise: '1234' }, { country: '86' }];
      for (const target of [...targets, ...targets]) await pub.publish(await signed({ target }), retainedTransport(publisher));
      const sink = new Sink();
      const link = new MqttLink({ code: CODE.code, log, options: { brokerUrl: own.url, keepaliveSeconds: 30, reconnectMinMs: 50, reconnectMaxMs: 500 } });
      const sync = new RecallSync({ code: CODE, deviceKid: DEVICE_KID, trust: a.root.trust, dir: join(a.dir, 'r5'), notices: sink, maxAgeMs: 60_000, log });
      sync.start(link);
      link.start();
      running.push({ link, sync });
      await until(() => sink.held.size === 6 && sync.status().indexes.length === 3, 'six notices and three indexes');
      await sync.idle();
      // An index that arrives before the notices it lists has them fetched again: at least six.
      expect(sink.turned.length).toBeGreaterThanOrEqual(6);
      expect(sink.turned.filter((t) => !t)).toEqual([]);
      expect(sync.status().missing).toEqual([]);
      sync.stop();
      await link.stop();
    } finally {
      await publisher.endAsync(true);
      await own.stop();
    }
  });

  it('applies revocations from the country index and reports its own', async () => {
    const pub = new RecallPublisher({ store: new FilesPublisherStore(join(a.dir, 'p3')), signer: a.index.signer, certificate: a.index.certificate!, country: '86', trust: a.root.trust });
    await pub.publish(await signed(), retainedTransport(platform));
    const { sync } = robot('r4');
    await until(() => sync.status().indexes.length >= 1, 'indexes');
    expect(sync.status().revoked).toBe(false);
    const ent = await a.enterprise('1234');
    await pub.revoke({ codes: [CODE.code], keys: [kidHex(ent.signer.kid)] }, retainedTransport(platform));
    await until(() => sync.status().revoked !== false, 'revoked');
    expect(sync.status().revoked).toEqual({ deviceKey: false, code: true });
    expect(sync.revocations().isKeyRevoked(ent.signer.kid)).toBe(true);
    expect(sync.heartbeat().revoked).toBe(true);
  });
});
