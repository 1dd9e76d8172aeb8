/**
 * Recall delivery end to end, with real processes: mosquitto, three agents (`robot-id agent`),
 * the platform's republisher (`robot-id recall republish --watch`), `recall publish`,
 * `revoke` and `recall status`, and a fleet ingest storing the signed acks.
 *
 * A stop-operation recall for a model (two co-signers) goes out while one robot is off; the
 * broker is SIGKILLed and comes back empty; the robot that was off comes back; all three apply
 * the recall and `recall status` shows three applied, none pending. A forged recall published
 * at the same time is acknowledged by no one. A rolled-back and an expired index are reported
 * by the robots; after the enterprise key is revoked, its new notices are refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ROLES,
  certify,
  cosignRecall,
  initRoot,
  kidHex,
  signIndex,
  signRecall,
  type Authority,
  type RecallAck,
  type RecallInput,
} from '../../sdk/index.js';
import { type TestUnit, writeRegistry } from '../helpers/pki.js';
import { record, startIngest, type Recorded } from '../helpers/ingest-recorder.js';
import { agentStatus, cli, startAgentProcess, startProc, stopAll, type Proc } from '../helpers/agent-process.js';
import { until } from '../helpers/mqtt-collect.js';
import type { IngestConnection } from '../../platform/index.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld('rid-e2e-', { pki: true });
let second: Authority;
let units: TestUnit[];
let ingest: IngestConnection;
let seen: Recorded;
let registry: string;
let attacker: MqttClient;
const agents = new Map<string, Proc>();
world.cleanup(async () => {
  await stopAll();
  await attacker?.endAsync(true);
  await ingest?.close();
});
const now = () => Math.floor(Date.now() / 1000);

function agentConfig(u: TestUnit): Record<string, unknown> {
  return {
    stateDir: u.stateDir,
    hardwareIdSource: { file: u.hardwareIdFile },
    brokerUrl: world.broker.url,
    heartbeatIntervalMs: 500,
    reconnectMinMs: 50,
    reconnectMaxMs: 400,
    resendIntervalMs: 400,
    recallIndexMaxAgeMs: 60_000,
    logLevel: 'info',
    // Applying the recall: the first two robots run a program (no shell) that reads the notice
    // JSON and succeeds; the third keeps its enforcement state in a file (the built-in action).
    recallAction:
      u === units[2]
        ? { file: stateFileOf(u) }
        : { command: process.execPath, args: ['-e', "process.stdin.resume();process.stdin.on('end',()=>process.exit(0))"], timeoutMs: 10_000 },
  };
}

function stateFileOf(u: TestUnit): string {
  return join(world.tmp, 'run', u.code, 'recall-state.json');
}

function startUnit(u: TestUnit): void {
  agents.set(u.code, startAgentProcess(world.tmp, agentConfig(u)));
}

function acks(recallId?: string): RecallAck[] {
  return seen.messages.filter((m) => m.kind === 'ack').map((m) => m.value as RecallAck).filter((a) => recallId === undefined || a.recallId === recallId);
}

function applied(code: string, recallId: string): boolean {
  return acks(recallId).some((a) => a.code === code && a.status === 'applied');
}

function notice(over: Partial<RecallInput>): RecallInput {
  return {
    recallId: 'R-STOP-1',
    revision: 1,
    campaignId: 'CAMP-1',
    issuer: world.pki.platform.meta.subject,
    issuedAt: now() - 30,
    notBefore: now() - 30,
    notAfter: now() + 86400,
    action: 'stop',
    reason: 'joint 4 actuator overheats under load',
    remedy: 'replace the joint 4 actuator',
    target: { enterprise: '1234', model: '567890' },
    status: 'active',
    ...over,
  };
}

function publish(file: string): { status: number | null; stdout: string; stderr: string } {
  const { tmp, broker, pki } = world;
  return cli(['recall', 'publish', file, '--broker', broker.url, '--key', pki.platform.dir, '--state', join(tmp, 'index-state'), '--json']);
}

function indexSection(code: string): { rejected: { byCode: Record<string, number> }; stale: boolean; indexes: { scope: string; version: number }[] } {
  return agentStatus(join(units.find((u) => u.code === code)!.stateDir, 'agent.sock')).recallIndex as never;
}

beforeAll(async () => {
  const { tmp, broker, pki } = world;
  second = await certify({ root: pki.root, dir: join(tmp, 'pki', 'recall-b'), subjectKind: 'platform', subject: 'recall-b', name: 'recall-b', roles: [ROLES.recallIssue] });
  units = [await pki.provision(), await pki.provision(), await pki.provision()];
  registry = join(tmp, 'registry.jsonl');
  writeRegistry(registry, units);
  ingest = await startIngest(pki, units, broker.url, join(tmp, 'ingest'));
  seen = record(ingest);
  attacker = await connectAsync(broker.url, { clientId: 'attacker', reconnectPeriod: 200 });
  attacker.on('error', () => undefined);
}, 60_000);

describe('recall delivery end to end', () => {
  it('three robots, one offline, broker amnesia: all apply the recall; status shows three applied; the forgery is acknowledged by no one', async () => {
    const { tmp, broker, pki } = world;
    const [u1, u2, u3] = units as [TestUnit, TestUnit, TestUnit];
    startUnit(u1);
    startUnit(u2);
    await until(() => [u1, u2].every((u) => seen.online.some((p) => p.code === u.code)), 'two robots online', 30_000);

    // The platform's republisher: republishes the whole retained set on every (re)connect.
    const republisher = startProc(['recall', 'republish', '--watch', '--broker', broker.url, '--key', pki.platform.dir, '--state', join(tmp, 'index-state'), '--json']);
    await until(() => republisher.lines().some((l) => l.includes('"republished"')), 'republisher connected', 30_000);

    // Two co-signers for stop-operation: the platform recall key and a second platform key.
    const signed = await cosignRecall(await signRecall(notice({}), pki.platform.signer, pki.platform.certificate!), second.signer, second.certificate!);
    const file = join(tmp, 'stop.cose');
    writeFileSync(file, signed);

    // A forgery: a root no robot trusts, "certifying" the same names, published straight to the broker.
    const fake = initRoot({ dir: join(tmp, 'fake-root'), country: '86' });
    const fakeA = await certify({ root: fake, dir: join(tmp, 'fake-a'), subjectKind: 'platform', subject: pki.platform.meta.subject, name: 'x', roles: [ROLES.recallIssue] });
    const fakeB = await certify({ root: fake, dir: join(tmp, 'fake-b'), subjectKind: 'platform', subject: 'recall-b', name: 'x', roles: [ROLES.recallIssue] });
    const forged = await cosignRecall(await signRecall(notice({ recallId: 'R-FORGED', campaignId: 'CAMP-1' }), fakeA.signer, fakeA.certificate!), fakeB.signer, fakeB.certificate!);
    await attacker.publishAsync('rid/v1/recall/m/1234/567890/R-FORGED', Buffer.from(forged), { qos: 1, retain: true });

    const r = publish(file);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ recallId: 'R-STOP-1', changed: true, scopes: ['m/1234/567890'] });
    // The platform refuses to publish the forgery itself.
    const forgedFile = join(tmp, 'forged.cose');
    writeFileSync(forgedFile, forged);
    expect(publish(forgedFile).status).not.toBe(0);

    await until(() => applied(u1.code, 'R-STOP-1') && applied(u2.code, 'R-STOP-1'), 'two robots applied', 30_000);

    // Broker amnesia: SIGKILL, restarted empty. The republisher restores the retained set.
    const republishedBefore = republisher.lines().filter((l) => l.includes('"republished"')).length;
    await broker.kill('SIGKILL');
    await broker.start();
    await until(() => republisher.lines().filter((l) => l.includes('"republished"')).length > republishedBefore, 'republished after the restart', 30_000);

    // The robot that was off comes back and finds the recall; its state file says stop.
    startUnit(u3);
    await until(() => applied(u3.code, 'R-STOP-1'), 'third robot applied', 30_000);
    expect(JSON.parse(readFileSync(stateFileOf(u3), 'utf8'))).toMatchObject({ unit: u3.code, strongestAction: 'stop', activeRecalls: [{ recallId: 'R-STOP-1', action: 'stop' }] });

    // Status reads the ingest's store: wait until the ingest has durably stored (and receipted) every applied ack.
    for (const u of units) {
      const seq = acks('R-STOP-1').find((a) => a.code === u.code && a.status === 'applied')!.seq;
      await until(() => seen.receipts.some((rc) => rc.code === u.code && rc.ack >= seq), `ack ${u.code}#${seq} stored`, 20_000);
    }
    const status = cli(['recall', 'status', 'CAMP-1', '--broker', broker.url, '--trust', join(pki.root.dir, 'trust.json'), '--registry', registry, '--ingest', join(tmp, 'ingest'), '--wait', '5', '--json']);
    expect(status.status, status.stderr + status.stdout).toBe(0);
    const body = JSON.parse(status.stdout) as { counts: Record<string, number>; codes: Record<string, string[]>; notices: { recallId: string }[] };
    expect(body.counts).toEqual({ pending: 0, verified: 0, applied: 3, failed: 0, rejected: 0, revoked: 0 });
    expect(body.codes.applied.sort()).toEqual(units.map((u) => u.code).sort());
    expect(body.notices.map((n) => n.recallId)).toEqual(['R-STOP-1']);

    // The forgery changed nothing and nobody acknowledged it.
    expect(acks('R-FORGED')).toEqual([]);
    for (const u of units) {
      const s = agentStatus(join(u.stateDir, 'agent.sock')) as { recalls: { activeRecalls: { recallId: string }[]; counters: { unacknowledged: Record<string, number> } } };
      expect(s.recalls.activeRecalls.map((a) => a.recallId)).toEqual(['R-STOP-1']);
    }
    expect(acks().every((a) => a.recallId === 'R-STOP-1')).toBe(true);
    // Heartbeats carry the recall fields: the active recall, not cut off, not revoked.
    type Hb = { activeRecalls?: string[]; recallIndexStale?: boolean; revoked?: boolean };
    await until(
      () =>
        seen.messages.some((m) => {
          const h = m.value as Hb;
          return m.kind === 'heartbeat' && m.code === u3.code && h.activeRecalls?.includes('R-STOP-1') && h.recallIndexStale === false && h.revoked === false;
        }),
      `a heartbeat of ${u3.code} with the recall fields (rejected: ${JSON.stringify(seen.rejected.slice(-3))})`,
      15_000,
    );
  }, 180_000);

  it('robots detect and report a rolled-back index and an expired one', async () => {
    const { tmp, broker, pki } = world;
    const [u1] = units as [TestUnit];
    const before = indexSection(u1.code);
    const model = before.indexes.find((i) => i.scope === 'm/1234/567890')!;
    // An older version of the model index, correctly signed (an attacker replays it).
    const old = await signIndex(
      { scope: 'm/1234/567890', version: model.version - 1, issuedAt: now() - 60, expiresAt: now() + 3600, entries: [], revocations: { keys: [], codes: [] } },
      pki.platform.signer,
      pki.platform.certificate!,
    );
    await attacker.publishAsync('rid/v1/index/m/1234/567890', Buffer.from(old), { qos: 1, retain: true });
    // A newer-looking country index, correctly signed, but past its expiry.
    const expired = await signIndex(
      { scope: 'c/86', version: 1_000_000, issuedAt: now() - 50, expiresAt: now() - 5, entries: [], revocations: { keys: [], codes: [] } },
      pki.platform.signer,
      pki.platform.certificate!,
    );
    await attacker.publishAsync('rid/v1/index/c/86', Buffer.from(expired), { qos: 1, retain: true });
    for (const u of units) {
      await until(() => {
        const s = indexSection(u.code);
        return (s.rejected.byCode.INDEX_ROLLBACK ?? 0) >= 1 && (s.rejected.byCode.INDEX_EXPIRED ?? 0) >= 1 && s;
      }, `rollback and expiry reported by ${u.code}`, 20_000);
    }
    // The held marks did not move.
    expect(indexSection(u1.code).indexes.find((i) => i.scope === 'm/1234/567890')!.version).toBe(model.version);
    expect(cli(['recall', 'republish', '--broker', broker.url, '--key', pki.platform.dir, '--state', join(tmp, 'index-state')]).status).toBe(0);
  }, 60_000);

  it("a revoked enterprise key's new notices are rejected", async () => {
    const { tmp, broker, pki } = world;
    const kid = kidHex(pki.enterprise.signer.kid);
    const r = cli(['revoke', '--key', pki.platform.dir, '--state', join(tmp, 'index-state'), '--kid', kid, '--broker', broker.url, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const version = (JSON.parse(readFileSync(join(tmp, 'index-state', 'state.json'), 'utf8')) as { scopes: Record<string, { version: number }> }).scopes['c/86']!.version;
    for (const u of units) {
      await until(() => {
        const s = agentStatus(join(u.stateDir, 'agent.sock')) as { recallIndex: { indexes: { scope: string; version: number }[] } };
        return s.recallIndex.indexes.find((i) => i.scope === 'c/86')!.version === version && s;
      }, 'revocation received', 20_000);
    }
    // A notify-level notice by the now-revoked enterprise key, published by an attacker with broker access.
    const bad = await signRecall(
      notice({ recallId: 'R-AFTER-REVOKE', campaignId: 'CAMP-2', action: 'notify', issuer: '1234' }),
      pki.enterprise.signer,
      pki.enterprise.certificate!,
    );
    await attacker.publishAsync('rid/v1/recall/m/1234/567890/R-AFTER-REVOKE', Buffer.from(bad), { qos: 1, retain: true });
    for (const u of units) {
      await until(() => {
        const s = agentStatus(join(u.stateDir, 'agent.sock')) as { recalls: { counters: { unacknowledged: Record<string, number> } } };
        return (s.recalls.counters.unacknowledged.RECALL_REVOKED ?? 0) >= 1 && s;
      }, `RECALL_REVOKED counted by ${u.code}`, 20_000);
    }
    expect(acks('R-AFTER-REVOKE')).toEqual([]);
    // The platform will not publish it either.
    const f = join(tmp, 'after-revoke.cose');
    writeFileSync(f, bad);
    expect(publish(f).status).not.toBe(0);
  }, 60_000);
});
