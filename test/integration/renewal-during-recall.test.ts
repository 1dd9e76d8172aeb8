/**
 * An enterprise key renewed during a live stop recall (docs/key-handling.md §"Key renewal"):
 * the enterprise renews its key with `enterprise certify --renew` (the real bundle); the
 * platform lists the old kid as superseded at T; the root policy's overlap window is 600 s.
 * The stop recall the old key co-signed before T stays in force; during the overlap a unit
 * accepts new notices co-signed by either key; after it, only by the new one. A real recall
 * handler over a real durable outbox and store, its clock moved by the test.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_OVERLAP_S, DEFAULT_THRESHOLDS, IndexError, Revocations, kidHex, loadAuthority, overlapOf, signIndex, signPolicy, verifyIndex, type Authority } from '../../sdk/index.js';
import { cli } from '../helpers/agent-process.js';
import { MODEL_A, ENT, makeRecallPki, noticeInput, signWith, startRobot, type RecallPki, type Robot } from '../helpers/recall-fixtures.js';

let pki: RecallPki;
let robot: Robot;
let renewed: Authority;
let revocations = Revocations.none;
const OVERLAP_S = 600;

beforeAll(async () => {
  pki = await makeRecallPki();
  const policyFile = join(pki.dir, 'policy-overlap.cose');
  writeFileSync(policyFile, await signPolicy(pki.root.signer, { country: '86', version: 1, issuedAt: pki.now, thresholds: { ...DEFAULT_THRESHOLDS }, overlapS: OVERLAP_S }));
  robot = await startRobot(pki, pki.units.a, { policyFile, extra: { revocations: () => revocations } });
}, 60_000);
afterAll(async () => {
  await robot?.close();
  pki?.cleanup();
});

it('the live stop recall stays in force; both keys count during the overlap, only the new one after it', async () => {
  const stop = (revision: number, issuedAt: number, ...by: Authority[]) =>
    signWith(noticeInput(pki, pki.platformA, { recallId: 'R-STOP-RENEW', revision, action: 'stop', issuedAt, notBefore: issuedAt, target: { enterprise: ENT, model: MODEL_A } }), pki.platformA, ...by);
  const result = async (bytes: Uint8Array) => {
    const r = await robot.handler.handleNotice(bytes, 'test');
    return r.result === 'rejected' ? r.error.code : r.result;
  };
  expect(robot.handler.overlapS()).toBe(OVERLAP_S);

  // A stop recall co-signed by the platform and the enterprise's current key: in force.
  expect(await result(await stop(1, pki.now, pki.ent))).toBe('accepted');
  expect(robot.handler.status().strongestAction).toBe('stop');

  // The enterprise renews its key: same subject and roles, a new kid.
  const out = join(pki.dir, 'ent-renewed');
  const r = cli(['enterprise', 'certify', '--root', pki.root.dir, '--renew', pki.ent.dir, '--out', out, '--json']);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  const answer = JSON.parse(r.stdout) as { subject: string; roles: string[]; kid: string; supersedes: string };
  expect(answer.supersedes).toBe(kidHex(pki.ent.signer.kid));
  expect(answer.subject).toBe(ENT);
  expect(answer.roles).toEqual(pki.ent.meta.roles);
  renewed = loadAuthority(out);
  expect(answer.kid).toBe(kidHex(renewed.signer.kid));
  expect(answer.kid).not.toBe(answer.supersedes);

  // The platform marks the old key superseded at T.
  const T = pki.now + 100;
  revocations = new Revocations({ keys: [{ kid: answer.supersedes, reason: 'superseded', at: T }] });

  // During the overlap: the held recall is still in force, and revisions co-signed by either key count.
  robot.clock.now = T + 10;
  expect(robot.handler.status().strongestAction).toBe('stop');
  expect(await result(await stop(2, T + 10, pki.ent))).toBe('accepted');
  robot.clock.now = T + 20;
  expect(await result(await stop(3, T + 20, renewed))).toBe('accepted');

  // After it: only the new key. The old key's new signature no longer counts, so the notice
  // falls below the stop threshold; the recall in force stays as it was.
  robot.clock.now = T + OVERLAP_S + 5;
  expect(await result(await stop(4, T + OVERLAP_S + 5, pki.ent))).toBe('RECALL_REVOKED');
  expect(robot.handler.status().strongestAction).toBe('stop');
  expect(robot.handler.activeRecalls()).toEqual([expect.objectContaining({ recallId: 'R-STOP-RENEW', revision: 3, action: 'stop' })]);
  expect(await result(await stop(4, T + OVERLAP_S + 5, renewed))).toBe('accepted');
});

it('a policy without label 6 gives the documented default window', () => {
  expect(overlapOf(undefined)).toBe(DEFAULT_OVERLAP_S);
  expect(DEFAULT_OVERLAP_S).toBe(7 * 86400);
  const t = 1_000_000;
  const kid = kidHex(pki.ent.signer.kid);
  const r = new Revocations({ keys: [{ kid, reason: 'superseded', at: t }] });
  // The list alone knows no policy: no window; with one, superseded keys only, never a compromise or a retirement.
  expect(r.isKeyRevoked(pki.ent.signer.kid, t)).toBe(true);
  expect(r.withOverlap(60).isKeyRevoked(pki.ent.signer.kid, t + 59)).toBe(false);
  expect(r.withOverlap(60).isKeyRevoked(pki.ent.signer.kid, t + 60)).toBe(true);
  expect(new Revocations({ keys: [{ kid, reason: 'retired', at: t }] }).withOverlap(60).isKeyRevoked(pki.ent.signer.kid, t + 1)).toBe(true);
  expect(new Revocations({ keys: [{ kid, reason: 'keyCompromise', at: t }] }).withOverlap(60).isKeyRevoked(pki.ent.signer.kid, t - 1)).toBe(true);
});

it('an index signer renewed with platform certify --renew switches without a gap', async () => {
  const out = join(pki.dir, 'index-renewed');
  expect(cli(['platform', 'certify', '--root', pki.root.dir, '--renew', pki.indexOnly.dir, '--role', 'index', '--out', out]).status).toBe(2);
  const r = cli(['platform', 'certify', '--root', pki.root.dir, '--renew', pki.indexOnly.dir, '--out', out, '--json']);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  const answer = JSON.parse(r.stdout) as { subject: string; roles: string[]; supersedes: string };
  expect(answer).toMatchObject({ subject: pki.indexOnly.meta.subject, roles: pki.indexOnly.meta.roles, supersedes: kidHex(pki.indexOnly.signer.kid) });
  const next = loadAuthority(out);
  const T = pki.now + 100;
  // What the unit's index verifier is handed: the held revocations with the policy's window.
  const held = new Revocations({ keys: [{ kid: answer.supersedes, reason: 'superseded', at: T }] }).withOverlap(OVERLAP_S);
  const index = (by: Authority, issuedAt: number) =>
    signIndex({ scope: 'm/1234/567890', version: issuedAt, issuedAt, expiresAt: issuedAt + 3600, entries: [], revocations: { keys: [], codes: [] } }, by.signer, by.certificate!);
  const judge = async (by: Authority, at: number): Promise<string> => {
    try {
      verifyIndex(await index(by, at), pki.root.trust, { now: at, scope: 'm/1234/567890', country: '86', revocations: held });
      return 'accepted';
    } catch (err) {
      if (err instanceof IndexError) return err.code;
      throw err;
    }
  };
  expect(await judge(pki.indexOnly, T + 10)).toBe('accepted');
  expect(await judge(next, T + 10)).toBe('accepted');
  expect(await judge(pki.indexOnly, T + OVERLAP_S)).toBe('INDEX_UNTRUSTED');
  expect(await judge(next, T + OVERLAP_S)).toBe('accepted');
});
