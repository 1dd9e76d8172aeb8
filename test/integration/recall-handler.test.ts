/**
 * The robot-side recall pipeline with real keys, a real durable outbox, real files and real
 * child processes as the local action.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { provisionUnit, signPolicy, verifyRecallAck, type RecallAck } from '../../sdk/index.js';
import { RECALL_STORE_FILES, type AckSink, type RecallActionConfig } from '../../agent/recall/index.js';
import { MODEL_A, ENT, codeOf, makeRecallPki, noticeInput, signWith, snapshotDir, startRobot, type RecallPki, type Robot } from '../helpers/recall-fixtures.js';

let pki: RecallPki;
let script: string;
beforeAll(async () => {
  pki = await makeRecallPki();
  // The local action: appends what it read on stdin to a file, then exits with the status in
  // a control file (0 when absent). Started without a shell, argv exactly as configured.
  script = join(pki.dir, 'action.cjs');
  writeFileSync(
    script,
    `const fs = require('fs');
     let input = '';
     process.stdin.on('data', (d) => (input += d)).on('end', () => {
       fs.appendFileSync(process.argv[2], input);
       const ctl = process.argv[3];
       const mode = fs.existsSync(ctl) ? fs.readFileSync(ctl, 'utf8').trim() : '0';
       if (mode === 'hang') setTimeout(() => {}, 60000);
       else process.exit(Number(mode));
     });`,
  );
});
afterAll(() => pki.cleanup());

let robots: Robot[] = [];
let n = 0;
let runsFile: string;
let controlFile: string;
let action: RecallActionConfig;
beforeEach(() => {
  n++;
  runsFile = join(pki.dir, `runs-${n}.jsonl`);
  controlFile = join(pki.dir, `control-${n}`);
  action = { command: process.execPath, args: [script, runsFile, controlFile], timeoutMs: 10_000 };
});
afterEach(async () => {
  for (const r of robots) await r.close();
  robots = [];
});

// Each test gets a fresh unit (state dir) so tests stay independent.
function freshUnit() {
  return provisionUnit({ enterprise: pki.ent, code: codeOf(ENT, MODEL_A, 100 + n), modelName: 'Model A', hardwareId: `hw-${n}`, stateDir: join(pki.dir, 'fresh', String(n)) });
}

async function robot(opts: Parameters<typeof startRobot>[2] = {}) {
  const r = await startRobot(pki, await freshUnit(), { action, ...opts });
  robots.push(r);
  return r;
}

async function reboot(r: Robot, opts: Parameters<typeof startRobot>[2] = {}) {
  await r.close();
  robots = robots.filter((x) => x !== r);
  const again = await startRobot(pki, r.unit, { action, ...opts });
  robots.push(again);
  return again;
}

function acks(r: Robot): RecallAck[] {
  return r.outbox.pending('ack', 0, 1000).map((e) => {
    const v = verifyRecallAck(e.bytes, r.unit.identity).value;
    expect(v.seq).toBe(e.seq);
    return v;
  });
}

const runs = () => (existsSync(runsFile) ? readFileSync(runsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : []);

describe('recall handler', () => {
  it('stores an accepted notice durably, acknowledges it, runs the action with the notice on stdin and records the outcome', async () => {
    const r = await robot();
    const bytes = await signWith(noticeInput(pki, pki.platformA, { target: { codes: [r.unit.identity.code.code] } }), pki.platformA);
    const res = await r.handler.handleNotice(bytes, 'test');
    expect(res.result).toBe('accepted');
    if (res.result !== 'accepted') return;
    const outcome = await res.applied;
    expect(outcome).toMatchObject({ status: 'applied', exitCode: 0, trigger: 'accepted' });
    const state = JSON.parse(readFileSync(join(r.recallDir, RECALL_STORE_FILES.state), 'utf8'));
    expect(state.recalls[0]).toMatchObject({ recallId: 'R-2025-001', revision: 1, state: 'active', acked: 'applied', outcome: { status: 'applied' } });
    expect(Buffer.from(readFileSync(join(r.recallDir, 'notices', `${state.recalls[0].sha256}.cose`))).equals(Buffer.from(bytes))).toBe(true);
    expect(acks(r).map((a) => [a.seq, a.status])).toEqual([
      [1, 'verified'],
      [2, 'applied'],
    ]);
    const [run] = runs();
    expect(run).toMatchObject({ unit: r.unit.identity.code.code, trigger: 'accepted', state: 'active', notice: { recallId: 'R-2025-001', action: 'notify' } });
    expect(r.handler.activeRecalls()).toEqual([expect.objectContaining({ recallId: 'R-2025-001', action: 'notify', outcome: 'applied' })]);
    expect(r.handler.status().strongestAction).toBe('notify');
  });

  it('a failing action is recorded and acknowledged as failed with its reason', async () => {
    writeFileSync(controlFile, '3');
    const r = await robot();
    const res = await r.handler.handleNotice(await signWith(noticeInput(pki, pki.platformA, { target: { codes: [r.unit.identity.code.code] } }), pki.platformA));
    expect(res.result === 'accepted' && (await res.applied)).toMatchObject({ status: 'failed', reason: 'ACTION_EXIT', exitCode: 3 });
    expect(acks(r).map((a) => [a.status, a.reason])).toEqual([
      ['verified', undefined],
      ['failed', 'ACTION_EXIT'],
    ]);
  });

  it('an action that outlives its timeout is killed and reported', async () => {
    writeFileSync(controlFile, 'hang');
    const r = await robot({ action: { ...action, timeoutMs: 300 } });
    const res = await r.handler.handleNotice(await signWith(noticeInput(pki, pki.platformA, { target: { codes: [r.unit.identity.code.code] } }), pki.platformA));
    expect(res.result === 'accepted' && (await res.applied)).toMatchObject({ status: 'failed', reason: 'ACTION_TIMEOUT', signal: 'SIGKILL' });
  });

  it('a program that cannot be started is reported as ACTION_SPAWN; no shell ever interprets the command', async () => {
    const r = await robot({ action: { command: `${pki.dir}/no-such-program; touch ${pki.dir}/pwned`, args: [], timeoutMs: 1000 } });
    const res = await r.handler.handleNotice(await signWith(noticeInput(pki, pki.platformA, { target: { codes: [r.unit.identity.code.code] } }), pki.platformA));
    expect(res.result === 'accepted' && (await res.applied)).toMatchObject({ status: 'failed', reason: 'ACTION_SPAWN' });
    expect(existsSync(`${pki.dir}/pwned`)).toBe(false);
  });

  it('without a configured action only "verified" is acknowledged', async () => {
    const r = await robot({ action: undefined });
    const res = await r.handler.handleNotice(await signWith(noticeInput(pki, pki.platformA, { target: { codes: [r.unit.identity.code.code] } }), pki.platformA));
    expect(res.result === 'accepted' && (await res.applied)).toBeUndefined();
    expect(acks(r).map((a) => a.status)).toEqual(['verified']);
  });

  it('active recalls survive a reboot: re-established, the action re-run, an unchanged outcome not acknowledged again', async () => {
    let r = await robot();
    const stop = await signWith(noticeInput(pki, pki.platformA, { action: 'stop', target: { codes: [r.unit.identity.code.code] } }), pki.platformA, pki.platformB);
    const res = await r.handler.handleNotice(stop);
    expect(res.result).toBe('accepted');
    await r.handler.idle();
    r = await reboot(r);
    await r.handler.idle();
    expect(r.handler.activeRecalls()).toEqual([expect.objectContaining({ recallId: 'R-2025-001', action: 'stop' })]);
    expect(runs().map((x) => x.trigger)).toEqual(['accepted', 'boot']);
    expect(acks(r).map((a) => a.status)).toEqual(['verified', 'applied']);
    // the duplicate from the retained topic after reconnecting changes nothing
    expect((await r.handler.handleNotice(stop)).result).toBe('duplicate');
    writeFileSync(controlFile, '1');
    r = await reboot(r);
    await r.handler.idle();
    expect(acks(r).map((a) => a.status)).toEqual(['verified', 'applied', 'failed']);
  });

  it('a resolving revision closes the recall for the listed units only', async () => {
    const r = await robot();
    const me = r.unit.identity.code.code;
    const someoneElse = codeOf(ENT, MODEL_A, 999);
    const base = { target: { enterprise: ENT, model: MODEL_A } };
    expect((await r.handler.handleNotice(await signWith(noticeInput(pki, pki.ent, base), pki.ent))).result).toBe('accepted');
    const partly = await signWith(noticeInput(pki, pki.ent, { ...base, revision: 2, status: 'resolved', resolvedCodes: [someoneElse] }), pki.ent);
    const res2 = await r.handler.handleNotice(partly);
    expect(res2.result === 'accepted' && res2.record.state).toBe('active');
    await r.handler.idle(); // else revision 3 supersedes 2 before its action starts, and 2 is skipped
    const mine = await signWith(noticeInput(pki, pki.ent, { ...base, revision: 3, status: 'resolved', resolvedCodes: [me] }), pki.ent);
    const res3 = await r.handler.handleNotice(mine);
    expect(res3.result === 'accepted' && res3.record.state).toBe('resolved');
    await r.handler.idle();
    expect(r.handler.activeRecalls()).toEqual([]);
    // the action learns of the resolution too (so it can lift a restriction)
    expect(runs().map((x) => x.state)).toEqual(['active', 'active', 'resolved']);
    // only the current revision's notice file is kept
    expect(Object.keys(snapshotDir(join(r.recallDir, 'notices')))).toHaveLength(1);
    const again = await reboot(r);
    await again.handler.idle();
    expect(runs()).toHaveLength(3); // a resolved recall is not re-run after a reboot
  });

  it('a validly signed notice rejected for its target is acknowledged once with the reason', async () => {
    const r = await robot();
    const other = await signWith(noticeInput(pki, pki.platformA, { target: { enterprise: ENT, model: '999999' } }), pki.platformA);
    const first = await r.handler.handleNotice(other);
    expect(first).toMatchObject({ result: 'rejected', acknowledged: true, error: { code: 'RECALL_TARGET' } });
    const second = await r.handler.handleNotice(other);
    expect(second).toMatchObject({ result: 'rejected', acknowledged: false });
    expect(acks(r).map((a) => [a.status, a.reason])).toEqual([['rejected', 'RECALL_TARGET']]);
  });

  it('a root-signed policy file raises the stop threshold; an older policy is refused', async () => {
    const policy3 = join(pki.dir, `policy-${n}.cose`);
    writeFileSync(policy3, await signPolicy(pki.root.signer, { country: '86', version: 5, issuedAt: pki.now, thresholds: { notify: 1, restrict: 1, stop: 3 } }));
    const r = await robot({ policyFile: policy3 });
    expect(r.handler.thresholds()).toEqual({ source: 'signed', version: 5, thresholds: { notify: 1, restrict: 1, stop: 3 } });
    const two = await signWith(noticeInput(pki, pki.platformA, { action: 'stop', target: { codes: [r.unit.identity.code.code] } }), pki.platformA, pki.platformB);
    expect(await r.handler.handleNotice(two)).toMatchObject({ result: 'rejected', error: { code: 'RECALL_THRESHOLD' } });
    const older = await signPolicy(pki.root.signer, { country: '86', version: 4, issuedAt: pki.now, thresholds: { notify: 1, restrict: 1, stop: 1 } });
    expect(() => r.handler.installPolicy(older)).toThrow(expect.objectContaining({ code: 'RECALL_POLICY' }));
    const again = await reboot(r, { policyFile: undefined });
    expect(again.handler.thresholds().version).toBe(5);
  });

  it('a crash between storing and acknowledging is repaired on the next start', async () => {
    const failing: AckSink = { appendAck: () => Promise.reject(new Error('disk gone')) };
    let r = await robot({ extra: { acks: failing } });
    const res = await r.handler.handleNotice(await signWith(noticeInput(pki, pki.platformA, { target: { codes: [r.unit.identity.code.code] } }), pki.platformA));
    expect(res.result).toBe('accepted');
    await r.handler.idle();
    expect(r.handler.store.get('R-2025-001')!.acked).toBeUndefined();
    expect(r.logs.some((l) => l.msg === 'recall acknowledgement not stored')).toBe(true);
    r = await reboot(r);
    await r.handler.idle();
    expect(acks(r).map((a) => a.status)).toEqual(['verified', 'applied']);
  });
});
