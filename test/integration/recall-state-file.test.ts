/**
 * The built-in recall action: the unit's enforcement state in one JSON file, written by the
 * agent itself (no program), with real keys, a real durable outbox and real files.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { provisionUnit, verifyRecallAck } from '../../sdk/index.js';
import { STATE_FILE_FORMAT, type EnforcementState } from '../../agent/recall/index.js';
import { MODEL_A, ENT, codeOf, makeRecallPki, noticeInput, signWith, startRobot, type RecallPki, type Robot } from '../helpers/recall-fixtures.js';

let pki: RecallPki;
beforeAll(async () => {
  pki = await makeRecallPki();
});
afterAll(() => pki.cleanup());

let robots: Robot[] = [];
afterEach(async () => {
  for (const r of robots) await r.close();
  robots = [];
});

let n = 0;
async function robot(file: string, unit?: Robot['unit']): Promise<Robot> {
  n++;
  unit ??= await provisionUnit({ enterprise: pki.ent, code: codeOf(ENT, MODEL_A, 300 + n), modelName: 'Model A', hardwareId: `hw-sf-${n}`, stateDir: join(pki.dir, 'sf', String(n)) });
  const r = await startRobot(pki, unit, { action: { file } });
  robots.push(r);
  return r;
}

async function reboot(r: Robot, file: string): Promise<Robot> {
  await r.close();
  robots = robots.filter((x) => x !== r);
  return robot(file, r.unit);
}

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as EnforcementState;
const ackStatuses = (r: Robot) => r.outbox.pending('ack', 0, 1000).map((e) => verifyRecallAck(e.bytes, r.unit.identity).value).map((a) => [a.status, a.reason]);

describe('recall state file', () => {
  it('is written at start with nothing in force, then holds the strongest active recall once accepted', async () => {
    const file = join(pki.dir, 'run-1', 'recall-state.json');
    const r = await robot(file);
    const me = r.unit.identity.code.code;
    expect(read(file)).toMatchObject({ v: STATE_FILE_FORMAT, unit: me, strongestAction: null, activeRecalls: [], cause: { trigger: 'boot' } });
    expect(statSync(file).mode & 0o777).toBe(0o644);

    const notify = await signWith(noticeInput(pki, pki.platformA, { recallId: 'R-N', target: { codes: [me] } }), pki.platformA);
    const res = await r.handler.handleNotice(notify);
    expect(res.result === 'accepted' && (await res.applied)).toMatchObject({ status: 'applied', exitCode: null, signal: null, trigger: 'accepted' });
    expect(read(file)).toMatchObject({ strongestAction: 'notify', activeRecalls: [{ recallId: 'R-N', revision: 1, action: 'notify' }], cause: { trigger: 'accepted', recallId: 'R-N', revision: 1, state: 'active' } });

    const stop = await signWith(noticeInput(pki, pki.platformA, { recallId: 'R-S', action: 'stop', target: { codes: [me] } }), pki.platformA, pki.platformB);
    expect((await r.handler.handleNotice(stop)).result).toBe('accepted');
    await r.handler.idle();
    const state = read(file);
    expect(state.strongestAction).toBe('stop');
    expect(state.activeRecalls.map((a) => [a.recallId, a.action])).toEqual([
      ['R-S', 'stop'],
      ['R-N', 'notify'],
    ]);
    // Written inline: the outcome is each notice's only acknowledgement.
    expect(ackStatuses(r)).toEqual([
      ['applied', undefined],
      ['applied', undefined],
    ]);
    expect(JSON.parse(readFileSync(join(r.recallDir, 'recalls.json'), 'utf8')).recalls).toEqual(
      expect.arrayContaining([expect.objectContaining({ recallId: 'R-S', acked: 'applied', outcome: expect.objectContaining({ status: 'applied' }) })]),
    );
    expect(existsSync(`${file}.new`)).toBe(false);
  });

  it('a resolution lifts the stop in the file', async () => {
    const file = join(pki.dir, 'run-2', 'recall-state.json');
    const r = await robot(file);
    const me = r.unit.identity.code.code;
    const base = { action: 'stop' as const, target: { codes: [me] } };
    expect((await r.handler.handleNotice(await signWith(noticeInput(pki, pki.platformA, base), pki.platformA, pki.platformB))).result).toBe('accepted');
    await r.handler.idle();
    expect(read(file).strongestAction).toBe('stop');
    const resolved = await signWith(noticeInput(pki, pki.platformA, { ...base, revision: 2, status: 'resolved', resolvedCodes: [me] }), pki.platformA, pki.platformB);
    expect((await r.handler.handleNotice(resolved)).result).toBe('accepted');
    await r.handler.idle();
    expect(read(file)).toMatchObject({ strongestAction: null, activeRecalls: [], cause: { recallId: 'R-2025-001', revision: 2, state: 'resolved' } });
  });

  it('after a reboot that emptied /run the file is back before anything else, and an unchanged outcome is not acknowledged again', async () => {
    const file = join(pki.dir, 'run-3', 'recall-state.json');
    let r = await robot(file);
    const stop = await signWith(noticeInput(pki, pki.platformA, { action: 'stop', target: { codes: [r.unit.identity.code.code] } }), pki.platformA, pki.platformB);
    expect((await r.handler.handleNotice(stop)).result).toBe('accepted');
    await r.handler.idle();
    rmSync(join(pki.dir, 'run-3'), { recursive: true });
    r = await reboot(r, file);
    await r.handler.idle();
    expect(read(file)).toMatchObject({ strongestAction: 'stop', cause: { trigger: 'boot', recallId: 'R-2025-001' } });
    expect(ackStatuses(r).map(([s]) => s)).toEqual(['applied']);
  });

  it('a crash between storing the notice and acknowledging it: the next start writes the file and acknowledges once', async () => {
    const file = join(pki.dir, 'run-5', 'recall-state.json');
    const first = await robot(file);
    await first.close();
    robots = [];
    // The ack append never happens: the power went after the notice was stored and the file written.
    const failing = { appendAck: () => Promise.reject(new Error('power cut')) };
    const crashed = await startRobot(pki, first.unit, { action: { file }, extra: { acks: failing } });
    const stop = await signWith(noticeInput(pki, pki.platformA, { action: 'stop', target: { codes: [first.unit.identity.code.code] } }), pki.platformA, pki.platformB);
    expect((await crashed.handler.handleNotice(stop)).result).toBe('accepted');
    await crashed.close();
    rmSync(file);
    const r = await robot(file, first.unit);
    await r.handler.idle();
    expect(read(file)).toMatchObject({ strongestAction: 'stop', cause: { trigger: 'boot' } });
    expect(ackStatuses(r).map(([s]) => s)).toEqual(['applied']);
  });

  it('a file that cannot be written is acknowledged as failed with ACTION_WRITE, and applied once it can', async () => {
    const blocker = join(pki.dir, 'run-4');
    writeFileSync(blocker, 'not a directory');
    const file = join(blocker, 'recall-state.json');
    let r = await robot(file);
    expect(r.logs).toContainEqual(expect.objectContaining({ msg: 'recall state file not written', err: expect.objectContaining({ code: 'ENOTDIR' }) }));
    const res = await r.handler.handleNotice(await signWith(noticeInput(pki, pki.platformA, { target: { codes: [r.unit.identity.code.code] } }), pki.platformA));
    expect(res.result === 'accepted' && (await res.applied)).toMatchObject({ status: 'failed', reason: 'ACTION_WRITE' });
    expect(r.handler.activeRecalls()).toEqual([expect.objectContaining({ outcome: 'failed' })]);
    rmSync(blocker);
    mkdirSync(blocker);
    r = await reboot(r, file);
    await r.handler.idle();
    expect(read(file).strongestAction).toBe('notify');
    expect(ackStatuses(r)).toEqual([
      ['failed', 'ACTION_WRITE'],
      ['applied', undefined],
    ]);
  });
});
