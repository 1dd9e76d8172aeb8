/**
 * Broker authentication and topic permissions with the real mosquitto and the files the
 * project generates (docs/broker.md): logins issued by `robot-id provision --broker-passwd`,
 * the generated ACL. A unit cannot publish in another unit's name or on platform topics, cannot
 * clear a retained recall, cannot read another unit's receipts; anonymous clients are refused.
 * Observers with full read access see none of the forbidden publishes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../../agent/index.js';
import {
  brokerCredentials,
  mosquittoPasswordLine,
  readBrokerCredentials,
  recallTopic,
  indexTopic,
  unitTopic,
  upsertPasswordLine,
  writeMosquittoAcl,
  type BrokerCredentials,
} from '../../sdk/index.js';
import { brokerKind, startBroker, type TestBroker } from '../helpers/broker.js';
import { makePki, quietLogger, testCode, type Pki, type TestUnit } from '../helpers/pki.js';
import { emptyRecord, startIngest, until } from '../helpers/ingest-recorder.js';
import { repoRoot } from '../helpers/binary.js';

const hasMosquitto = brokerKind() === 'mosquitto';
let tmp: string;
let broker: TestBroker;
let pki: Pki;
let unitA: TestUnit;
let codeB: string;
let credsA: BrokerCredentials;
let credsB: BrokerCredentials;
const ingestUser = brokerCredentials('platform-ingest');
const recallUser = brokerCredentials('platform-recall');
const clients: MqttClient[] = [];

async function login(creds: BrokerCredentials | undefined, extra: IClientOptions = {}): Promise<MqttClient> {
  const c = await connectAsync(broker.url, { clientId: `t-${clients.length}-${creds?.username ?? 'anon'}`.slice(0, 60), reconnectPeriod: 0, ...creds, ...extra });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  if (!hasMosquitto) return;
  tmp = mkdtempSync(join(tmpdir(), 'rid-acl-'));
  pki = await makePki(join(tmp, 'pki'));
  const passwd = join(tmp, 'passwd');
  const acl = join(tmp, 'acl');
  // Unit A through the library, unit B through the CLI with --broker-passwd.
  unitA = await pki.provision();
  credsA = readBrokerCredentials(join(unitA.stateDir, 'broker.json'));
  const regA = JSON.parse(readFileSync(join(unitA.stateDir, 'registration.json'), 'utf8')) as { brokerPasswd: string };
  upsertPasswordLine(passwd, regA.brokerPasswd);
  codeB = testCode();
  const stateB = join(tmp, 'unit-b');
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, 'dist/robot-id.cjs'), 'provision', '--enterprise', pki.enterprise.dir, '--code', codeB, '--model-name', 'B', '--hardware-id', 'hw-b', '--state-dir', stateB, '--broker-passwd', passwd],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  credsB = readBrokerCredentials(join(stateB, 'broker.json'));
  upsertPasswordLine(passwd, mosquittoPasswordLine(ingestUser));
  upsertPasswordLine(passwd, mosquittoPasswordLine(recallUser));
  writeMosquittoAcl(acl, [
    { username: ingestUser.username, role: 'ingest' },
    { username: recallUser.username, role: 'recall' },
  ]);
  broker = await startBroker({ auth: { passwordFile: passwd, aclFile: acl } });
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await broker?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!hasMosquitto)('mosquitto with the generated password file and ACL', () => {
  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(login(undefined)).rejects.toThrow(/Not authorized|Connection refused/i);
    await expect(login({ username: credsA.username, password: credsB.password })).rejects.toThrow(/Not authorized|Connection refused|Bad username/i);
    await expect(login({ username: unitA.code, password: '' })).rejects.toThrow();
  });

  it('confines a unit to its own topics', async () => {
    const watchUnits = await login(ingestUser);
    const watchPlatform = await login(recallUser);
    const got: string[] = [];
    for (const w of [watchUnits, watchPlatform]) w.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await watchUnits.subscribeAsync('rid/v1/u/#', { qos: 1 });
    await watchPlatform.subscribeAsync(['rid/v1/recall/#', 'rid/v1/index/#'], { qos: 1 });

    const a = await login(credsA);
    const forbidden = [
      unitTopic(codeB, 'hb'),
      unitTopic(codeB, 'evt'),
      unitTopic(codeB, 'identity'),
      unitTopic(codeB, 'death'),
      unitTopic(unitA.code, 'receipt'),
      unitTopic(codeB, 'receipt'),
      recallTopic({ kind: 'unit', code: unitA.code }, 'r1'),
      recallTopic({ kind: 'country', country: '86' }, 'r1'),
      indexTopic({ kind: 'country', country: '86' }),
      'rid/v1/other',
      'anything/else',
    ];
    for (const t of forbidden) await a.publishAsync(t, 'forged', { qos: 1, retain: t.includes('/recall/') || t.includes('/index/') });
    // A's own channels are allowed; the marker goes last on the same connection (ordered).
    await a.publishAsync(unitTopic(unitA.code, 'evt'), 'own', { qos: 1 });
    await a.publishAsync(unitTopic(unitA.code, 'hb'), 'marker', { qos: 1 });
    await until(() => got.some((g) => g.endsWith('marker')), 'the marker');
    expect(got).toEqual([`${unitTopic(unitA.code, 'evt')} own`, `${unitTopic(unitA.code, 'hb')} marker`]);
  });

  it('keeps retained recalls out of units’ reach and receipts private', async () => {
    const recall = await login(recallUser);
    const t = recallTopic({ kind: 'country', country: '86' }, 'keep-me');
    await recall.publishAsync(t, 'notice', { qos: 1, retain: true });
    const a = await login(credsA);
    await a.publishAsync(t, '', { qos: 1, retain: true }); // an attempt to clear it
    const fresh = await login(recallUser);
    const retained = new Promise<string>((resolve) => fresh.on('message', (_t, p) => resolve(p.toString())));
    await fresh.subscribeAsync(t, { qos: 1 });
    expect(await retained).toBe('notice');

    // Units read recalls, and their own receipts only. (mosquitto 2.0 may grant the SUBSCRIBE
    // and filter each message on delivery, so the test looks at what is delivered.)
    await a.subscribeAsync([unitTopic(codeB, 'receipt'), unitTopic(unitA.code, 'receipt'), t], { qos: 1 });
    const ingest = await login(ingestUser);
    const mine = new Promise<string>((resolve) => a.on('message', (topic, p) => topic.endsWith('/receipt') && resolve(`${topic} ${p.toString()}`)));
    await ingest.publishAsync(unitTopic(codeB, 'receipt'), 'for b', { qos: 1 });
    await ingest.publishAsync(unitTopic(unitA.code, 'receipt'), 'for a', { qos: 1 });
    expect(await mine).toBe(`${unitTopic(unitA.code, 'receipt')} for a`);
  });

  it('lets a provisioned agent log in with broker.json and reach the ingest', async () => {
    const seen = emptyRecord();
    const ingest = await startIngest(pki, [unitA], broker.url, join(tmp, 'ingest'), { ...ingestUser, into: seen });
    const agent = await startAgent(unitA.config({ brokerUrl: broker.url, reconnectMinMs: 50, reconnectMaxMs: 400 }), { logger: quietLogger() });
    try {
      await agent.submitEvent({ kind: 'maintenance' });
      await until(() => agent.outbox.depth() === 0, 'the event confirmed through the authenticated broker');
      expect(seen.messages.map((m) => m.kind)).toEqual(expect.arrayContaining(['identity', 'birth', 'event']));
    } finally {
      await agent.close();
      await ingest.close();
    }
  });
});
