import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesPublisherStore } from '../../platform/store/files/publisher-files.js';
import { connectAsync, type MqttClient } from 'mqtt';
import { join } from 'node:path';
import {
  IndexError,
  ROLES,
  RecallPublisher,
  kidHex,
  sha256,
  signRecall,
  cosignRecall,
  verifyIndex,
  type Authority,
  type RecallInput,
} from '../../sdk/index.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { makeAuthorities, type Authorities } from '../helpers/recall-authorities.js';
import { retainedTransport, retainedUnder } from '../helpers/mqtt-collect.js';

let a: Authorities;
let broker: TestBroker;
let recallA: Authority;
let recallB: Authority;
let client: MqttClient;
const now = Math.floor(Date.now() / 1000);

function notice(over: Partial<RecallInput> = {}): RecallInput {
  return {
    recallId: 'R-2025-001',
    revision: 1,
    campaignId: 'C-001',
    issuer: 'recall-a',
    issuedAt: now - 60,
    notBefore: now - 60,
    notAfter: now + 30 * 86400,
    action: 'stop',
    reason: 'actuator overheating',
    remedy: 'replace joint 4',
    target: { enterprise: '1234', model: '567890' },
    status: 'active',
    ...over,
  };
}

async function stopNotice(over: Partial<RecallInput> = {}): Promise<Uint8Array> {
  const one = await signRecall(notice(over), recallA.signer, recallA.certificate!);
  return cosignRecall(one, recallB.signer, recallB.certificate!);
}

function publisher(stateDir: string): RecallPublisher {
  return new RecallPublisher({ store: new FilesPublisherStore(stateDir), signer: a.index.signer, certificate: a.index.certificate!, country: '86', trust: a.root.trust });
}

beforeAll(async () => {
  a = await makeAuthorities();
  recallA = await a.platform('recall-a', [ROLES.recallIssue]);
  recallB = await a.platform('recall-b', [ROLES.recallIssue]);
  broker = await startBroker();
  client = await connectAsync(broker.url, { clientId: 'platform-recall-test', reconnectPeriod: 100 });
});
afterAll(async () => {
  await client?.endAsync(true);
  await broker?.stop();
  a?.cleanup();
});

describe('recall publisher', () => {
  it('retains the notice on its own topic and a signed index per scope; republishes after broker amnesia', async () => {
    const state = join(a.dir, 'state-1');
    const pub = publisher(state);
    const bytes = await stopNotice();
    const r = await pub.publish(bytes, retainedTransport(client));
    expect(r).toMatchObject({ changed: true, scopes: ['m/1234/567890'], indexes: ['m/1234/567890', 'c/86'] });

    const seen = await retainedUnder(broker.url, ['rid/v1/recall/#', 'rid/v1/index/#']);
    expect(seen.map((s) => s.topic)).toEqual(['rid/v1/index/c/86', 'rid/v1/index/m/1234/567890', 'rid/v1/recall/m/1234/567890/R-2025-001']);
    expect(Buffer.from(seen[2]!.payload).equals(Buffer.from(bytes))).toBe(true);
    const model = verifyIndex(seen[1]!.payload, a.root.trust, { now, scope: 'm/1234/567890', country: '86' }).index;
    expect(model.entries).toHaveLength(1);
    expect(Buffer.from(model.entries[0]!.sha256).equals(Buffer.from(sha256(bytes)))).toBe(true);
    const country = verifyIndex(seen[0]!.payload, a.root.trust, { now, scope: 'c/86' }).index;
    expect(country.scopes).toEqual([{ scope: 'm/1234/567890', version: model.version }]);

    // The same notice again: nothing re-signed, same bytes retained.
    const again = await pub.publish(bytes, retainedTransport(client));
    expect(again).toMatchObject({ changed: false, indexes: [] });

    await broker.kill('SIGKILL');
    await broker.start();
    expect(await retainedUnder(broker.url, ['rid/v1/recall/#', 'rid/v1/index/#'])).toEqual([]);
    await client.endAsync(true);
    client = await connectAsync(broker.url, { clientId: 'platform-recall-test', reconnectPeriod: 100 });
    expect(await pub.republishAll(retainedTransport(client))).toEqual({ notices: 1, indexes: 2 });
    const restored = await retainedUnder(broker.url, ['rid/v1/recall/#', 'rid/v1/index/#']);
    expect(restored.map((s) => Buffer.from(s.payload).toString('hex'))).toEqual(seen.map((s) => Buffer.from(s.payload).toString('hex')));
  });

  it('refuses an older revision, another payload under the same revision, and a forged notice', async () => {
    const pub = publisher(join(a.dir, 'state-2'));
    await pub.publish(await stopNotice({ revision: 2 }), retainedTransport(client));
    const code = async (p: Promise<unknown>) => p.then(() => 'published', (e: { code?: string }) => e.code);
    expect(await code(pub.publish(await stopNotice({ revision: 1 }), retainedTransport(client)))).toBe('INDEX_NOTICE_STALE');
    expect(await code(pub.publish(await stopNotice({ revision: 2, reason: 'other' }), retainedTransport(client)))).toBe('INDEX_NOTICE_CONFLICT');
    const single = await signRecall(notice({ revision: 3 }), recallA.signer, recallA.certificate!);
    expect(await code(pub.publish(single, retainedTransport(client)))).toBe('RECALL_THRESHOLD');
  });

  it('puts revocations in the country index with a higher version', async () => {
    const state = join(a.dir, 'state-3');
    const pub = publisher(state);
    await pub.publish(await stopNotice({ recallId: 'R-3' }), retainedTransport(client));
    const before = (await retainedUnder(broker.url, ['rid/v1/index/c/86']))[0]!;
    const v0 = verifyIndex(before.payload, a.root.trust, { now, scope: 'c/86' }).index.version;
    const ent = await a.enterprise('1234');
    const r = await pub.revoke({ keys: [kidHex(ent.signer.kid)] }, retainedTransport(client));
    expect(r).toEqual({ changed: true, indexes: ['c/86'], weakened: [] });
    const after = verifyIndex((await retainedUnder(broker.url, ['rid/v1/index/c/86']))[0]!.payload, a.root.trust, { now, scope: 'c/86' }).index;
    expect(after.version).toBe(v0 + 1);
    expect(after.revocations.keys).toEqual([kidHex(ent.signer.kid)]);
    expect(() => verifyIndex(before.payload, a.root.trust, { now, scope: 'c/86', held: { version: after.version, sha256: new Uint8Array(32) } })).toThrow(IndexError);
  });

  it('clears the retained topic of an expired recall and drops it from the index', async () => {
    let clock = now;
    const pub = new RecallPublisher({ store: new FilesPublisherStore(join(a.dir, 'state-4')), signer: a.index.signer, certificate: a.index.certificate!, country: '86', trust: a.root.trust, now: () => clock });
    await pub.publish(await stopNotice({ recallId: 'R-SHORT', notAfter: now + 600, target: { enterprise: '1234', model: '000001' } }), retainedTransport(client));
    expect((await retainedUnder(broker.url, ['rid/v1/recall/m/1234/000001/+'])).length).toBe(1);
    clock = now + 601;
    expect(await pub.refresh(retainedTransport(client))).toEqual(['m/1234/000001', 'c/86']);
    expect(await retainedUnder(broker.url, ['rid/v1/recall/m/1234/000001/+'])).toEqual([]);
    const idx = (await retainedUnder(broker.url, ['rid/v1/index/m/1234/000001']))[0]!;
    expect(verifyIndex(idx.payload, a.root.trust, { now: clock, scope: 'm/1234/000001' }).index.entries).toEqual([]);
  });
});
