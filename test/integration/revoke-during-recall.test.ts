/**
 * Revoking a key never silently cancels a recall it signed. A stop recall co-signed by the
 * platform and enterprise 1234 is in force; revoking the enterprise key as compromised is
 * refused (the recall would fall below its threshold) until the recall is re-issued as a new
 * revision co-signed by a replacement enterprise key; then the revocation goes through, and a
 * unit that was offline all along comes back, ends at `stop` and is counted applied by
 * `recall status`. A retired (not compromised) key keeps the signatures it made before its
 * revocation time. Real mosquitto, the real bundle for every platform command, a real agent.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/index.js';
import { ROLES, certify, cosignRecall, kidHex, provisionUnit, signRecall, type Authority, type RecallInput } from '../../sdk/index.js';
import { cli } from '../helpers/agent-process.js';
import { emptyRecord, startIngest, until } from '../helpers/ingest-recorder.js';
import { quietLogger, testCode, type TestUnit, writeRegistry } from '../helpers/pki.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld('rid-revoke-recall-', { pki: true });
let replacement: Authority;
let unit: TestUnit;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  const { tmp, pki } = world;
  // The enterprise's replacement key: same subject, certified by the root.
  replacement = await certify({ root: pki.root, dir: join(tmp, 'pki', 'enterprise-2'), subjectKind: 'enterprise', subject: '1234', name: 'Test Robotics (new key)', roles: [ROLES.recallIssue, ROLES.identityIssue] });
  unit = await pki.provision();
}, 60_000);

function notice(revision: number): RecallInput {
  const code = unit.identity.code;
  return {
    recallId: 'R-STOP-7',
    revision,
    campaignId: 'CAMP-7',
    issuer: world.pki.platform.meta.subject,
    issuedAt: now() - 30,
    notBefore: now() - 30,
    notAfter: now() + 86400,
    action: 'stop',
    reason: 'hip actuator brake may fail',
    remedy: 'replace the brake',
    target: { enterprise: code.enterprise, model: code.model },
    status: 'active',
  };
}

async function signed(revision: number, enterprise: Authority, file: string): Promise<string> {
  const { platform } = world.pki;
  const one = await signRecall(notice(revision), platform.signer, platform.certificate!);
  writeFileSync(file, await cosignRecall(one, enterprise.signer, enterprise.certificate!));
  return file;
}

const state = () => world.p('index-state');
const platformCli = (...args: string[]) => cli([...args, '--broker', world.broker.url, '--key', world.pki.platform.dir, '--state', state(), '--json']);

it('refuses a revocation that would cancel a stop recall, until it is re-issued; an offline unit then ends at stop, counted applied', async () => {
  const { tmp, broker, pki } = world;
  const first = platformCli('recall', 'publish', await signed(1, pki.enterprise, join(tmp, 'r1.cose')));
  expect(first.status, first.stderr + first.stdout).toBe(0);
  const oldKid = kidHex(await keyIdOf(pki.enterprise));

  // Compromise of the enterprise key: the stop recall would drop to one signer of two.
  const refused = platformCli('revoke', '--kid', oldKid);
  expect(refused.status).toBe(1);
  expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'INDEX_WEAKENS_RECALLS' });
  expect(JSON.parse(refused.stdout).error.message).toContain('R-STOP-7 revision 1');

  // Re-issued as revision 2, co-signed by the replacement key; now the revocation goes through.
  const second = platformCli('recall', 'publish', await signed(2, replacement, join(tmp, 'r2.cose')));
  expect(second.status, second.stderr + second.stdout).toBe(0);
  const revoked = platformCli('revoke', '--kid', oldKid);
  expect(revoked.status, revoked.stderr + revoked.stdout).toBe(0);
  expect(JSON.parse(revoked.stdout)).toMatchObject({ changed: true, weakened: [] });

  // The platform's ingest, and the unit that was offline throughout, coming back.
  const seen = emptyRecord();
  const ingest = await startIngest(pki, [unit], broker.url, join(tmp, 'ingest'), { into: seen });
  world.cleanup(() => ingest.close());
  const agent: Agent = await startAgent(unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 300, recallAction: { file: join(tmp, 'run', 'recall-state.json') } }), { logger: quietLogger() });
  world.cleanup(() => agent.close());
  type Recalls = { recalls: { strongestAction?: string; active?: { recallId: string; revision: number }[] } };
  await until(() => JSON.stringify((agent.status() as unknown as Recalls).recalls).includes('"R-STOP-7"') && JSON.stringify(agent.status()).includes('"stop"'), 'the returning unit holds the stop recall', 30_000);
  await until(() => seen.messages.some((m) => m.kind === 'ack' && (m.value as { status: string; recallId: string }).recallId === 'R-STOP-7' && (m.value as { status: string }).status === 'applied'), 'an applied ack stored by the platform', 30_000);

  // What recall status reads from the ingest's store must be on disk: flush what it holds.
  await ingest.ingest.flush();
  const registry = join(tmp, 'registry.jsonl');
  writeRegistry(registry, [unit]);
  const status = cli(['recall', 'status', 'CAMP-7', '--broker', broker.url, '--trust', join(pki.root.dir, 'trust.json'), '--registry', registry, '--ingest', join(tmp, 'ingest'), '--wait', '5', '--json']);
  expect(status.status, status.stderr + status.stdout).toBe(0);
  expect(JSON.parse(status.stdout).counts).toMatchObject({ applied: 1, pending: 0 });
}, 120_000);

it('a retired key keeps the signatures it made before its revocation time: no recall is weakened', async () => {
  const { tmp, pki } = world;
  const other = await certify({ root: pki.root, dir: join(tmp, 'pki', 'enterprise-3'), subjectKind: 'enterprise', subject: '1234', name: 'Test Robotics (third key)', roles: [ROLES.recallIssue] });
  const r3 = platformCli('recall', 'publish', await signed(3, other, join(tmp, 'r3.cose')));
  expect(r3.status, r3.stderr + r3.stdout).toBe(0);
  const kid = kidHex(await keyIdOf(other));
  // Retired from now on: revision 3 was signed before, so it keeps counting.
  const retired = platformCli('revoke', '--kid', kid, '--reason', 'retired');
  expect(retired.status, retired.stderr + retired.stdout).toBe(0);
  expect(JSON.parse(retired.stdout).weakened).toEqual([]);
  // As a compromise it would have been refused.
  const compromised = platformCli('revoke', '--kid', kid, '--reason', 'keyCompromise');
  expect(compromised.status).toBe(1);
  expect(JSON.parse(compromised.stdout).error.code).toBe('INDEX_WEAKENS_RECALLS');
  // The operator may insist: the output names what it weakened.
  const insisted = platformCli('revoke', '--kid', kid, '--reason', 'keyCompromise', '--weaken-recalls');
  expect(insisted.status, insisted.stderr + insisted.stdout).toBe(0);
  expect(JSON.parse(insisted.stdout).weakened).toEqual([{ recallId: 'R-STOP-7', revision: 3, reason: 'RECALL_REVOKED' }]);
}, 60_000);

it("an enterprise key retired at T: records it issued before T still verify, later ones do not (the platform's verify)", async () => {
  const { tmp, pki } = world;
  const ent = await certify({ root: pki.root, dir: join(tmp, 'pki', 'enterprise-4'), subjectKind: 'enterprise', subject: '1234', name: 'Test Robotics (fourth key)', roles: [ROLES.identityIssue], notBefore: now() - 7200 });
  const T = now() - 600;
  const before = await provisionUnit({ enterprise: ent, code: testCode(7001), modelName: 'H', hardwareId: 'hw-7001', stateDir: join(tmp, 'u-before'), now: T - 60 });
  const after = await provisionUnit({ enterprise: ent, code: testCode(7002), modelName: 'H', hardwareId: 'hw-7002', stateDir: join(tmp, 'u-after'), now: T + 60 });
  const list = join(tmp, 'retired.json');
  const kid = kidHex(await keyIdOf(ent));
  writeFileSync(list, JSON.stringify({ keys: [kid], codes: [], details: [{ kid, reason: 'retired', at: T }] }));
  const trust = join(pki.root.dir, 'trust.json');
  expect(cli(['verify', before.stateDir, '--trust', trust, '--revocations', list, '--json']).status).toBe(0);
  const late = cli(['verify', after.stateDir, '--trust', trust, '--revocations', list, '--json']);
  expect(late.status).toBe(1);
  expect(JSON.parse(late.stdout).error.code).toBe('TRUST_REVOKED');
});

async function keyIdOf(a: Authority): Promise<Uint8Array> {
  const { keyId } = await import('../../sdk/index.js');
  return keyId(a.signer.publicKey);
}
