/**
 * `robot-id broker user|acl|import` against the real mosquitto: the files the commands write
 * are the broker's whole configuration of logins and permissions. A platform service logs in
 * with the password file `broker user` wrote (through `--broker-password-file`, as the platform
 * commands do), units with the logins `broker import` took from the registry; a rotated
 * password locks the old one out; anything else is refused. With the platform's revocations
 * (the index state `robot-id revoke` keeps), import removes the logins of revoked units.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustStore, kidHex, readBrokerCredentials, unitTopic, verifyIdentityRecord } from '../../sdk/index.js';
import { brokerKind, startBroker, type TestBroker } from '../helpers/broker.js';
import { cli } from '../helpers/agent-process.js';
import { makePki, testCode, type Pki } from '../helpers/pki.js';

const hasMosquitto = brokerKind() === 'mosquitto';
let tmp: string;
let pki: Pki;
let broker: TestBroker | undefined;
const clients: MqttClient[] = [];

const file = (name: string) => join(tmp, name);
const passwordOf = (f: string) => readFileSync(f, 'utf8').split('\n')[0]!;

async function login(username: string | undefined, password: string | undefined): Promise<MqttClient> {
  const c = await connectAsync(broker!.url, { clientId: `bc-${clients.length}`, username, password, reconnectPeriod: 0, connectTimeout: 5000 });
  clients.push(c);
  return c;
}

function provision(n: number, registry = 'registry.jsonl'): { code: string; stateDir: string } {
  const code = testCode();
  const stateDir = file(`unit-${n}`);
  const r = cli(['provision', '--enterprise', pki.enterprise.dir, '--code', code, '--model-name', 'M', '--hardware-id', `hw-${n}`, '--state-dir', stateDir, '--registry', file(registry)]);
  expect(r.status, r.stderr).toBe(0);
  return { code, stateDir };
}

beforeAll(async () => {
  if (!hasMosquitto) return;
  tmp = mkdtempSync(join(tmpdir(), 'rid-broker-cli-'));
  pki = await makePki(join(tmp, 'pki'));
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await broker?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!hasMosquitto)('robot-id broker', () => {
  it('user, acl and import make a working mosquitto configuration; a rotated password locks the old one out', async () => {
    const a = provision(1);
    const b = provision(2);
    // A registration without a login; unit A's genuine registration carrying B's login; a
    // forged registration (no valid identity record) claiming a login for a made-up code.
    const [regA, regB] = readFileSync(file('registry.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { code: string; identity: string; brokerPasswd: string });
    appendFileSync(file('registry.jsonl'), JSON.stringify({ code: regA!.code, identity: regA!.identity }) + '\n');
    appendFileSync(file('registry.jsonl'), JSON.stringify({ ...regA, brokerPasswd: regB!.brokerPasswd }) + '\n');
    const forged = testCode();
    appendFileSync(file('registry.jsonl'), JSON.stringify({ code: forged, identity: 'AA==', brokerPasswd: regB!.brokerPasswd.replace(regB!.code, forged) }) + '\n');

    const imported = cli(['broker', 'import', '--registry', file('registry.jsonl'), '--trust', join(pki.root.dir, 'trust.json'), '--passwd', file('passwd'), '--json']);
    expect(imported.status, imported.stderr).toBe(1); // two refused, the genuine ones imported
    expect(JSON.parse(imported.stdout)).toEqual({
      imported: 2,
      withoutLogin: 1,
      revoked: [],
      removed: [],
      problems: [
        expect.stringMatching(new RegExp(`registry\\.jsonl:4: expected brokerPasswd "${a.code}:\\$7\\$\\.\\.\\." \\(the verified unit's own code\\)`)),
        expect.stringMatching(/registry\.jsonl:5: identity record refused \(TRUST_MALFORMED: /),
      ],
    });
    expect(readFileSync(file('passwd'), 'utf8')).not.toContain(forged);

    const user = cli(['broker', 'user', 'platform-ingest', '--passwd', file('passwd'), '--out', file('ingest.password'), '--json']);
    expect(user.status, user.stderr).toBe(0);
    expect(user.stdout).not.toContain(passwordOf(file('ingest.password')));
    expect(statSync(file('ingest.password')).mode & 0o777).toBe(0o600);
    expect(cli(['broker', 'acl', '--out', file('acl')]).status).toBe(0);
    const lines = readFileSync(file('passwd'), 'utf8').trim().split('\n');
    expect(lines.map((l) => l.slice(0, l.indexOf(':'))).sort()).toEqual([a.code, b.code, 'platform-ingest'].sort());

    broker = await startBroker({ auth: { passwordFile: file('passwd'), aclFile: file('acl') } });
    // The platform service with its password file; a unit with its own login.
    const ingest = await login('platform-ingest', passwordOf(file('ingest.password')));
    await ingest.subscribeAsync('rid/v1/u/#', { qos: 1 });
    const got: string[] = [];
    ingest.on('message', (t) => got.push(t));
    const unitA = await login(a.code, readBrokerCredentials(join(a.stateDir, 'broker.json')).password);
    await unitA.publishAsync(unitTopic(a.code, 'hb'), Buffer.from('own'), { qos: 1 });
    await unitA.publishAsync(unitTopic(b.code, 'hb'), Buffer.from('in b name'), { qos: 1 }); // denied by the ACL
    const deadline = Date.now() + 5000;
    while (!got.includes(unitTopic(a.code, 'hb')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual([unitTopic(a.code, 'hb')]);
    await expect(login('platform-ingest', 'wrong')).rejects.toThrow(/Not authorized|Bad user name or password/i);

    // Rotation: a new password for the same user; after a reload the old one is refused.
    const old = passwordOf(file('ingest.password'));
    expect(cli(['broker', 'user', 'platform-ingest', '--passwd', file('passwd'), '--out', file('ingest.password')]).status).toBe(0);
    expect(readFileSync(file('passwd'), 'utf8').trim().split('\n')).toHaveLength(3);
    await broker.kill('SIGTERM');
    await broker.start(); // mosquitto reads the password file again
    await expect(login('platform-ingest', old)).rejects.toThrow(/Not authorized|Bad user name or password/i);
    await login('platform-ingest', passwordOf(file('ingest.password')));
  }, 60_000);

  it('import with the platform\'s revocations removes the logins of revoked units, by code and by device key', async () => {
    const c = provision(3, 'registry-r.jsonl');
    const d = provision(4, 'registry-r.jsonl');
    const e = provision(5, 'registry-r.jsonl');
    const trust = join(pki.root.dir, 'trust.json');
    const importArgs = ['broker', 'import', '--registry', file('registry-r.jsonl'), '--trust', trust, '--passwd', file('passwd-r'), '--json'];
    expect(cli(importArgs).status).toBe(0);
    expect(cli(['broker', 'user', 'platform-recall', '--passwd', file('passwd-r'), '--out', file('recall.password')]).status).toBe(0);
    expect(cli(['broker', 'acl', '--out', file('acl-r')]).status).toBe(0);
    const own = await startBroker({ auth: { passwordFile: file('passwd-r'), aclFile: file('acl-r') } });
    try {
      const unitLogin = (u: { code: string; stateDir: string }) => connectAsync(own.url, { clientId: `r-${u.code}`, username: u.code, password: readBrokerCredentials(join(u.stateDir, 'broker.json')).password, reconnectPeriod: 0, connectTimeout: 5000 });
      await (await unitLogin(c)).endAsync(true);

      // The platform revokes C's code and D's device key, as an operator would.
      const regs = readFileSync(file('registry-r.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { code: string; identity: string; brokerPasswd: string });
      const [regC, regD, regE] = [c, d, e].map((u) => regs.find((r) => r.code === u.code)!);
      const kid = kidHex(verifyIdentityRecord(new Uint8Array(Buffer.from(regD.identity, 'base64')), TrustStore.load(trust)).deviceKid);
      const state = file('index-state');
      const revoke = cli(['revoke', '--key', pki.platform.dir, '--state', state, '--code', c.code, '--kid', kid, '--broker', own.url, '--broker-user', 'platform-recall', '--broker-password-file', file('recall.password'), '--json']);
      expect(revoke.status, revoke.stderr).toBe(0);

      // A registration pairing C's genuine (revoked) record with E's code and login must not
      // take E's login away: only the code C's record names is revoked.
      appendFileSync(file('registry-r.jsonl'), JSON.stringify({ code: e.code, identity: regC!.identity, brokerPasswd: regE!.brokerPasswd }) + '\n');

      // The index state revoke keeps is what --revocations reads.
      const again = cli([...importArgs, '--revocations', join(state, 'state.json')]);
      expect(again.status, again.stderr).toBe(1);
      expect(JSON.parse(again.stdout)).toEqual({
        imported: 1,
        withoutLogin: 0,
        revoked: [c.code, d.code].sort(),
        removed: [c.code, d.code],
        problems: [expect.stringMatching(new RegExp(`registry-r\\.jsonl:4: expected brokerPasswd "${c.code}:`))],
      });
      const users = readFileSync(file('passwd-r'), 'utf8').trim().split('\n').map((l) => l.slice(0, l.indexOf(':')));
      expect(users.sort()).toEqual([e.code, 'platform-recall'].sort());

      await own.kill('SIGTERM');
      await own.start(); // mosquitto reads the password file again
      await expect(unitLogin(c)).rejects.toThrow(/Not authorized|Bad user name or password/i);
      await expect(unitLogin(d)).rejects.toThrow(/Not authorized|Bad user name or password/i);
      await (await unitLogin(e)).endAsync(true);
    } finally {
      await own.stop();
    }
  }, 60_000);

  it('bad names and missing options are usage errors (2); nothing is written', () => {
    const bad = cli(['broker', 'user', 'ingest', '--passwd', file('p2'), '--out', file('o2')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/expected a platform user name platform-<a-z0-9->, got "ingest"/);
    expect(cli(['broker', 'acl', '--out', file('acl2'), '--recall', 'Platform-X']).status).toBe(2);
    expect(cli(['broker', 'import', '--registry', file('registry.jsonl'), '--passwd', file('p3')]).status).toBe(2); // no --trust
    writeFileSync(file('revoked.json'), '{"codes": "not a list"}');
    const badList = cli(['broker', 'import', '--registry', file('registry.jsonl'), '--trust', join(pki.root.dir, 'trust.json'), '--passwd', file('p3'), '--revocations', file('revoked.json')]);
    expect(badList.status).toBe(2);
    expect(badList.stderr).toMatch(/--revocations .*revoked\.json: codes: expected an array of strings/);
    const notJson = cli(['broker', 'import', '--registry', file('registry.jsonl'), '--trust', join(pki.root.dir, 'trust.json'), '--passwd', file('p3'), '--revocations', file('registry.jsonl')]);
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toMatch(/expected a JSON revocation list or index state/);
    expect(() => statSync(file('p3'))).toThrow();
    expect(() => statSync(file('p2'))).toThrow();
    expect(() => statSync(file('acl2'))).toThrow();
  });
});
