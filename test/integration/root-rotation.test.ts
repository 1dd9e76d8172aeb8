/**
 * Root rotation end to end over mosquitto, with the real CLI and the real agent process: a unit
 * provisioned under root v1 is offline while the platform rotates v1 -> v2 -> v3 (`root rotate`)
 * and publishes both statements in the country index (`rotation publish`) beside a recall
 * signed by a platform key certified under v3. Started again, the unit walks the chain,
 * persists its trust store, reports root version 3 in its heartbeats and status, applies the
 * recall and still attests its identity (its record, issued under v1, judged at issue time).
 * A later country index carrying a new-key-only statement, a rollback to another v2 and a
 * skipped version is still taken; those statements are refused with their reasons. A restart
 * keeps v3. Run once with Ed25519 roots and once with SM2 roots.
 */
import { FilesPublisherStore } from '../../platform/store/files/publisher-files.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import {
  readExisting,
  algFromName,
  countryScope,
  heartbeatKind,
  indexTopic,
  loadAuthority,
  openSign1,
  parseScopePath,
  signIndex,
  unitTopic,
  verifyIndex,
  type Heartbeat,
} from '../../sdk/index.js';
import { agentStatus, cli, ok, okJson, startAgentProcess, type CliRun, type Proc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { freshSigner, rootEntry, signStatement, statementFor } from '../helpers/rotation.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld('rid-root-rotation-');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface TrustSection {
  rootVersion: number;
  rejected: { total: number; byCode: Record<string, number> };
  expiry: { items: { kind: string; daysLeft: number }[] };
}
const trustOf = (socket: string) => (agentStatus(socket) as { trust?: TrustSection }).trust;

describe.each(['ed25519', 'sm2'])('roots in %s', (alg) => {
  it('an offline unit walks v1 -> v2 -> v3, applies a recall signed under v3, still attests, refuses bad links, keeps v3', async () => {
    const { broker } = world;
    const dir = world.p(alg);
    const p = (f: string) => join(dir, f);
    const code = alg === 'sm2' ? '86123456789000000000000000077' : '86123456789000000000000000076';
    ok(cli(['root', 'init', '--country', '86', '--out', p('root-v1'), '--alg', alg]));
    ok(cli(['enterprise', 'certify', '--root', p('root-v1'), '--enterprise', '1234', '--name', 'Rotating Robotics', '--out', p('ent'), '--alg', alg]));
    writeFileSync(p('machine-id'), `hw-${alg}\n`);
    const stateDir = p('unit');
    ok(cli(['provision', '--enterprise', p('ent'), '--code', code, '--model-name', 'H-R', '--hardware-id', `hw-${alg}`, '--state-dir', stateDir, '--registry', p('registry.jsonl'), '--alg', alg]));
    const socket = join(stateDir, 'agent.sock');
    const config = {
      stateDir, hardwareIdSource: { file: p('machine-id') }, brokerUrl: broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, logLevel: 'info',
      recallAction: { file: p('recall-state.json') },
    };
    let agent: Proc = startAgentProcess(dir, config);
    await until(() => { try { return trustOf(socket)?.rootVersion === 1; } catch { return false; } }, 'the unit runs under root v1', 30_000);
    await agent.stop(); // offline from here until the chain is published

    // The records the unit holds were issued before the hand-over (the old root counts for
    // times strictly before the new root's notBefore).
    await sleep(1100);
    const v2 = okJson(cli(['root', 'rotate', '--root', p('root-v1'), '--out', p('root-v2'), '--json']));
    expect(v2).toMatchObject({ country: '86', version: 2, alg });
    const v3 = okJson(cli(['root', 'rotate', '--root', p('root-v2'), '--out', p('root-v3'), '--json']));
    expect(v3).toMatchObject({ version: 3, previousKid: v2.kid });
    // Each hand-over: the index key certified under the new root, then the statement published.
    ok(cli(['platform', 'certify', '--root', p('root-v2'), '--role', 'index', '--name', 'platform-v2', '--out', p('plat2'), '--alg', alg]));
    ok(cli(['platform', 'certify', '--root', p('root-v3'), '--role', 'recall,index,receipt', '--name', 'platform-v3', '--out', p('plat3'), '--alg', alg]));
    const state = p('index-state');
    const publish = (file: string, key: string) => cli(['rotation', 'publish', file, '--broker', broker.url, '--key', p(key), '--state', state, '--json']);
    const refusedWith = (r: CliRun) => {
      expect(r.status, r.stdout + r.stderr).toBe(1);
      return (JSON.parse(r.stdout) as { error: { code: string } }).error.code;
    };
    // The platform refuses a gap, and an index key units would no longer trust, before anything reaches the broker.
    expect(refusedWith(publish(p('root-v3/rotation.cose'), 'plat3'))).toBe('ROTATION_SKIPPED');
    expect(refusedWith(publish(p('root-v2/rotation.cose'), 'plat3'))).toBe('INDEX_UNTRUSTED');
    expect(JSON.parse(ok(publish(p('root-v2/rotation.cose'), 'plat2')))).toMatchObject({ version: 2, changed: true });
    expect(JSON.parse(ok(publish(p('root-v3/rotation.cose'), 'plat3')))).toMatchObject({ version: 3, changed: true });

    writeFileSync(p('notice.json'), JSON.stringify({
      recallId: `R-ROT-${alg}`, revision: 1, campaignId: 'C-ROT', notAfter: Math.floor(Date.now() / 1000) + 30 * 86400, action: 'notify',
      reason: 'Root rotated', remedy: 'None needed', target: { enterprise: '1234', model: '567890' },
    }));
    ok(cli(['recall', 'sign', '--notice', p('notice.json'), '--key', p('plat3'), '--out', p('recall.cose')]));
    ok(cli(['recall', 'publish', p('recall.cose'), '--broker', broker.url, '--key', p('plat3'), '--state', state]));

    // Heartbeats as the platform sees them.
    const watcher: MqttClient = await connectAsync(broker.url, { clientId: `rotation-watch-${alg}` });
    const beats: Heartbeat[] = [];
    watcher.on('message', (_t, payload) => beats.push(openSign1(heartbeatKind, new Uint8Array(payload)).value));
    await watcher.subscribeAsync(unitTopic(code, 'hb'), { qos: 1 });

    agent = startAgentProcess(dir, config);
    await until(() => { try { return trustOf(socket)?.rootVersion === 3; } catch { return false; } }, 'the unit walked to root v3', 30_000);
    await until(() => beats.some((b) => b.rootVersion === 3), 'a heartbeat reports rootVersion 3', 15_000);
    const beat = beats.find((b) => b.rootVersion === 3)!;
    expect(beat.certExpiry?.kind).toBe('enterprise'); // a 5-year certificate before a 20-year root
    expect(beat.certExpiry!.daysLeft).toBeGreaterThan(1700);
    const stored = JSON.parse(readFileSync(join(stateDir, 'trust.json'), 'utf8')) as { roots: { version?: number; supersededAt?: number; alg?: string }[] };
    expect(stored.roots.map((r) => r.version ?? 1)).toEqual([1, 2, 3]);
    expect(stored.roots.map((r) => r.supersededAt === undefined)).toEqual([false, false, true]);
    if (alg === 'sm2') expect(stored.roots.every((r) => r.alg === 'sm2')).toBe(true);
    await until(() => JSON.stringify((agentStatus(socket) as { recalls?: unknown }).recalls).includes(`R-ROT-${alg}`), 'the recall signed under v3 is in force', 20_000);
    // The unit proves its identity to a technician who holds only the newest trust store.
    expect(ok(cli(['attest', '--agent', socket, '--trust', p('root-v3/trust.json'), '--code', code]))).toMatch(/attested: 86-1234-567890-/);
    const text = ok(cli(['status', '--agent', socket]));
    expect(text).toMatch(/version 3/);
    expect(text).toMatch(/enterprise expires: +1234: \d+ days left/);

    // A newer country index (validly signed) carrying bad links beside the good chain.
    const v1 = loadAuthority(p('root-v1'));
    const v3root = loadAuthority(p('root-v3'));
    const newKeyOnly = freshSigner(algFromName(alg));
    const bad1 = await signStatement(statementFor(rootEntry(v3root), newKeyOnly), [newKeyOnly]);
    const other2 = freshSigner(algFromName(alg));
    const bad2 = await signStatement(statementFor(rootEntry(v1), other2), [v1.signer, other2]);
    const next5 = freshSigner(algFromName(alg));
    const bad3 = await signStatement(statementFor(rootEntry(v3root), next5, { version: 5 }), [v3root.signer, next5]);
    const plat3 = loadAuthority(p('plat3'));
    const held = (await readExisting(new FilesPublisherStore(state))).indexBytes(countryScope('86'));
    const now = Math.floor(Date.now() / 1000);
    const current = verifyIndex(held, plat3.trust, { now, scope: 'c/86' }).index;
    const index = await signIndex({ ...current, version: current.version + 100, issuedAt: now, expiresAt: now + 3600, rotations: [...current.rotations!, bad1, bad2, bad3] }, plat3.signer, plat3.certificate!);
    await watcher.publishAsync(indexTopic(parseScopePath('c/86')!), Buffer.from(index), { qos: 1, retain: true });
    await until(() => (trustOf(socket)?.rejected.total ?? 0) >= 3, 'the three bad statements refused', 20_000);
    const t = trustOf(socket)!;
    expect(t.rejected.byCode).toEqual({ ROTATION_SIGNATURE: 1, ROTATION_ROLLBACK: 1, ROTATION_SKIPPED: 1 });
    expect(t.rootVersion).toBe(3);
    // The index itself was taken: the bad links did not stop it.
    await until(() => JSON.stringify(agentStatus(socket)).includes(`"version":${current.version + 100}`), 'the index with bad links was still accepted', 20_000);
    expect(JSON.stringify((agentStatus(socket) as { recalls?: unknown }).recalls)).toContain(`R-ROT-${alg}`);

    // Restart: the persisted store still says v3, and the identity still verifies at start.
    await agent.stop();
    await watcher.endAsync();
    agent = startAgentProcess(dir, config);
    await until(() => { try { return trustOf(socket)?.rootVersion === 3; } catch { return false; } }, 'v3 after a restart', 30_000);
    await agent.stop();
  }, 180_000);
});
