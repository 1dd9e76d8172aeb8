/**
 * The recall attack suite (docs/threat-model.md §"Recall attacks"). One test per
 * attack. Each is delivered to a running handler over real keys and real files and must be
 * rejected with its typed reason; the recall store must be byte-identical afterwards; only
 * validly signed rejections (scope, threshold, time, target) are acknowledged; and a valid
 * notice delivered right after is still accepted.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CONTENT_TYPES,
  GENESIS_HASH,
  RECALL_MAX_BYTES,
  Revocations,
  Tag,
  COSE_ALG_EDDSA,
  COSE_ALG_SM2_SM3,
  algSigner,
  certify,
  generateAlgKeyPair,
  cosignRecall,
  decodeCbor,
  defineKind,
  encodeCbor,
  initRoot,
  kidHex,
  provisionUnit,
  recallSchema,
  seedSigner,
  signEvent,
  signHeartbeat,
  signObjectMulti,
  signRecall,
  verifyRecallNotice,
  ROLES,
  type CborValue,
  type Provisioned,
} from '../../sdk/index.js';
import type { NoticeResult } from '../../agent/recall/index.js';
import { HOSTILE, hostileVariants } from '../helpers/hostile.js';
import { ENT, MODEL_A, MODEL_B, RECALL_WORLDS, codeOf, deviceSigner, makeRecallPki, noticeInput, signWith, snapshotDir, startRobot, type RecallPki, type Robot } from '../helpers/recall-fixtures.js';

let pki: RecallPki;
let revoked = new Revocations();

let n = 0;
let unit: Provisioned;
let robot: Robot;
const fresh = (model: string) =>
  provisionUnit({ enterprise: pki.ent, code: codeOf(ENT, model, 500 + ++n), modelName: model, hardwareId: `hw-${n}`, stateDir: join(pki.dir, 'attack', String(n)) });

beforeEach(async () => {
  revoked = new Revocations();
  unit = await fresh(MODEL_A);
  robot = await startRobot(pki, unit, { extra: { revocations: () => revoked } });
});
afterEach(() => robot.close());

const me = () => unit.identity.code.code;
const mine = (over = {}) => noticeInput(pki, pki.platformA, { target: { codes: [me()] }, ...over });

/**
 * Delivers `bytes`, expects the typed reason, no change to the store, an ack only when
 * `acked`, and a handler that still accepts a valid notice afterwards.
 */
async function expectRejected(r: Robot, bytes: Uint8Array, code: string, acked: boolean): Promise<void> {
  const before = snapshotDir(r.recallDir);
  const ackHead = r.outbox.head('ack');
  const res: NoticeResult = await r.handler.handleNotice(bytes, 'attacker');
  expect(res.result).toBe('rejected');
  expect(res.result === 'rejected' && res.error.code).toBe(code);
  expect(res.result === 'rejected' && res.acknowledged).toBe(acked);
  expect(snapshotDir(r.recallDir)).toEqual(before);
  expect(r.outbox.head('ack')).toBe(ackHead + (acked ? 1 : 0));
  await stillWorks(r);
}

let okCount = 0;
async function stillWorks(r: Robot): Promise<void> {
  const ok = await signWith(noticeInput(pki, pki.platformA, { recallId: `OK-${++okCount}`, target: { codes: [r.unit.identity.code.code] } }), pki.platformA);
  expect((await r.handler.handleNotice(ok, 'platform')).result).toBe('accepted');
}

// The whole suite runs in an Ed25519 world, an SM2 world and a mixed one (recall-fixtures.ts).
describe.each(RECALL_WORLDS)('keys: %s', (world) => {
  beforeAll(async () => {
    pki = await makeRecallPki(world);
  });
  afterAll(() => pki.cleanup());

  describe('recall attacks', () => {
    it('forged signature: a genuine certificate attached to a signature by another key', async () => {
      const attacker = seedSigner(new Uint8Array(randomBytes(32)));
      const bytes = await signRecall(mine({ action: 'stop' }), attacker, pki.platformA.certificate!);
      await expectRejected(robot, bytes, 'RECALL_BAD_SIGNATURE', false);
    });

    it('algorithm substitution: a signature and a co-signature in the other suite under genuine certificates', async () => {
      // Each forger names the certified key's kid but signs in the algorithm its certificate does not pin.
      const posing = (a: typeof pki.platformA) => {
        const alien = algSigner(generateAlgKeyPair(a.signer.alg === COSE_ALG_EDDSA ? COSE_ALG_SM2_SM3 : COSE_ALG_EDDSA));
        return { alg: alien.alg, kid: a.signer.kid, publicKey: alien.publicKey, sign: (m: Uint8Array) => alien.sign(m) };
      };
      const forged = await signRecall(mine({ action: 'stop' }), posing(pki.platformA), pki.platformA.certificate!);
      await expectRejected(robot, forged, 'RECALL_BAD_SIGNATURE', false);
      const genuine = await signWith(mine({ action: 'stop' }), pki.platformA);
      const cosigned = await cosignRecall(genuine, posing(pki.platformB), pki.platformB.certificate!);
      await expectRejected(robot, cosigned, 'RECALL_BAD_SIGNATURE', false);
      // The reason underneath is the pinning rule, not a failed signature check.
      for (const bytes of [forged, cosigned]) {
        let cause: unknown;
        try {
          verifyRecallNotice(bytes, { trust: pki.root.trust, now: pki.now + 60 });
        } catch (err) {
          cause = (err as Error).cause;
        }
        expect((cause as { code?: string } | undefined)?.code).toBe('TRUST_ALG_MISMATCH');
      }
    });

    it('forged signature: signature bytes replaced on a genuine notice', async () => {
      const tag = decodeCbor(await signWith(mine(), pki.platformA), { maxBytes: RECALL_MAX_BYTES }) as Tag;
      const [p, u, payload, sigs] = tag.value as CborValue[];
      const [sp, su] = (sigs as CborValue[][])[0]!;
      const forged = encodeCbor(new Tag([p!, u!, payload!, [[sp!, su!, new Uint8Array(randomBytes(64))]]], 98));
      await expectRejected(robot, forged, 'RECALL_BAD_SIGNATURE', false);
    });

    it('forged signature: a key certified by a root the robot does not trust', async () => {
      const rogueRoot = initRoot({ dir: join(pki.dir, `rogue-${n}`), country: '86' });
      const rogue = await certify({ root: rogueRoot, dir: join(pki.dir, `rogue-${n}`, 'p'), subjectKind: 'platform', subject: 'regulator-a', name: 'x', roles: [ROLES.recallIssue] });
      await expectRejected(robot, await signWith(noticeInput(pki, rogue, { target: { codes: [me()] } }), rogue), 'RECALL_BAD_SIGNATURE', false);
    });

    it('a key without the recall role', async () => {
      const bytes = await signWith(noticeInput(pki, pki.indexOnly, { target: { codes: [me()] } }), pki.indexOnly);
      await expectRejected(robot, bytes, 'RECALL_ROLE', false);
    });

    it('an enterprise key targeting another enterprise', async () => {
      const bytes = await signWith(noticeInput(pki, pki.otherEnt, { target: { enterprise: ENT, model: MODEL_A } }), pki.otherEnt);
      await expectRejected(robot, bytes, 'RECALL_SCOPE', true);
    });

    it('an enterprise key issuing a country-wide recall', async () => {
      const bytes = await signWith(noticeInput(pki, pki.ent, { target: { country: '86' } }), pki.ent);
      await expectRejected(robot, bytes, 'RECALL_SCOPE', true);
    });

    it('an enterprise revising (resolving) a recall the regulator issued', async () => {
      expect((await robot.handler.handleNotice(await signWith(mine(), pki.platformA))).result).toBe('accepted');
      const lift = await signWith(noticeInput(pki, pki.ent, { revision: 2, status: 'resolved', target: { codes: [me()] } }), pki.ent);
      await expectRejected(robot, lift, 'RECALL_SCOPE', true);
      expect(robot.handler.activeRecallIds()).toContain('R-2025-001');
    });

    it('a replayed notice: the held revision again, even re-wrapped with another signature, changes nothing and is not acknowledged', async () => {
      const bytes = await signWith(mine(), pki.platformA);
      expect((await robot.handler.handleNotice(bytes)).result).toBe('accepted');
      await robot.handler.idle();
      robot = await reopen(robot);
      for (const replay of [bytes, await cosignRecall(bytes, pki.platformB.signer, pki.platformB.certificate!)]) {
        const before = snapshotDir(robot.recallDir);
        const head = robot.outbox.head('ack');
        expect(await robot.handler.handleNotice(replay, 'attacker')).toMatchObject({ result: 'duplicate', reason: 'RECALL_REPLAYED' });
        expect(snapshotDir(robot.recallDir)).toEqual(before);
        expect(robot.outbox.head('ack')).toBe(head);
      }
      await stillWorks(robot);
    });

    it('an older revision (rollback)', async () => {
      const r1 = await signWith(mine({ revision: 1, action: 'restrict' }), pki.platformA);
      const r2 = await signWith(mine({ revision: 2, action: 'restrict', status: 'resolved' }), pki.platformA);
      expect((await robot.handler.handleNotice(r2)).result).toBe('accepted');
      await expectRejected(robot, r1, 'RECALL_ROLLBACK', false);
      expect(robot.handler.activeRecallIds()).not.toContain('R-2025-001');
    });

    it('expired', async () => {
      const bytes = await signWith(mine({ notAfter: pki.now + 86400 }), pki.platformA);
      robot.clock.now = pki.now + 2 * 86400;
      await expectRejected(robot, bytes, 'RECALL_EXPIRED', true);
    });

    it('not yet valid', async () => {
      const bytes = await signWith(mine({ notBefore: pki.now + 86400, notAfter: pki.now + 30 * 86400 }), pki.platformA);
      await expectRejected(robot, bytes, 'RECALL_NOT_YET_VALID', true);
    });

    it('a notice for model A delivered to model B (mix-and-match), by model, serial range or code', async () => {
      const unitB = await fresh(MODEL_B);
      const robotB = await startRobot(pki, unitB);
      try {
        const serialB = unitB.identity.code.serial;
        await expectRejected(robotB, await signWith(noticeInput(pki, pki.ent, { target: { enterprise: ENT, model: MODEL_A } }), pki.ent), 'RECALL_TARGET', true);
        const range = { enterprise: ENT, model: MODEL_A, serialFrom: serialB, serialTo: serialB };
        await expectRejected(robotB, await signWith(noticeInput(pki, pki.ent, { recallId: 'R-range', target: range }), pki.ent), 'RECALL_TARGET', true);
        await expectRejected(robotB, await signWith(noticeInput(pki, pki.ent, { recallId: 'R-codes', target: { codes: [me()] } }), pki.ent), 'RECALL_TARGET', true);
      } finally {
        await robotB.close();
      }
    });

    it.each(['heartbeat', 'event', 'identity record', 'COSE_Sign of another kind'])('a %s presented as a recall (wrong object kind)', async (kind) => {
      const device = deviceSigner(unit);
      const bytes =
        kind === 'heartbeat'
          ? await signHeartbeat(device, {
              code: me(),
              boot: 1,
              counter: 1,
              time: pki.now,
              uptimeS: 1,
              state: 'in_service',
              agentVersion: '0',
              firmwareVersion: '0',
              outboxDepth: 0,
              logSeq: 0,
              logHash: GENESIS_HASH,
              nextDueBy: pki.now + 60,
            })
          : kind === 'event'
            ? await signEvent(device, { code: me(), seq: 1, prevHash: GENESIS_HASH, time: pki.now, kind: 'maintenance' })
            : kind === 'identity record'
              ? unit.identity.bytes
              : await signObjectMulti(
                  defineKind({ name: 'order', contentType: CONTENT_TYPES.order, schema: recallSchema, maxBytes: RECALL_MAX_BYTES }),
                  { v: 1, ...mine() },
                  pki.platformA.signer,
                  pki.platformA.certificate,
                );
      await expectRejected(robot, bytes, 'RECALL_WRONG_KIND', false);
    });

    it('stop with fewer signatures than the threshold', async () => {
      await expectRejected(robot, await signWith(mine({ action: 'stop' }), pki.platformA), 'RECALL_THRESHOLD', true);
    });

    it('stop with one signer counted twice: two keys of one subject, or one signature copied', async () => {
      await expectRejected(robot, await signWith(mine({ action: 'stop' }), pki.platformA, pki.platformA2), 'RECALL_THRESHOLD', true);
      const tag = decodeCbor(await signWith(mine({ action: 'stop', recallId: 'R-copy' }), pki.platformA), { maxBytes: RECALL_MAX_BYTES }) as Tag;
      const [p, u, payload, sigs] = tag.value as CborValue[];
      const copied = encodeCbor(new Tag([p!, u!, payload!, [(sigs as CborValue[])[0]!, (sigs as CborValue[])[0]!]], 98));
      await expectRejected(robot, copied, 'RECALL_THRESHOLD', true);
    });

    it('oversized payload', async () => {
      const tag = decodeCbor(await signWith(mine(), pki.platformA), { maxBytes: RECALL_MAX_BYTES }) as Tag;
      const [p, , payload, sigs] = tag.value as CborValue[];
      const padded = encodeCbor(new Tag([p!, new Map<number, CborValue>([[-65538, new Uint8Array(RECALL_MAX_BYTES)]]), payload!, sigs!], 98));
      expect(padded.length).toBeGreaterThan(RECALL_MAX_BYTES);
      await expectRejected(robot, padded, 'RECALL_TOO_LARGE', false);
    });

    it('truncated and garbage bytes', async () => {
      const valid = await signWith(mine(), pki.platformA);
      for (const cut of [0, 1, 2, 10, valid.length >> 1, valid.length - 1]) await expectRejected(robot, valid.slice(0, cut), 'RECALL_MALFORMED', false);
      await expectRejected(robot, new Uint8Array(randomBytes(600)), 'RECALL_MALFORMED', false);
      for (const h of [...HOSTILE, ...hostileVariants(valid)]) {
        const res = await robot.handler.handleNotice(h.bytes, 'attacker');
        expect(res.result === 'rejected' && ['RECALL_MALFORMED', 'RECALL_TOO_LARGE', 'RECALL_WRONG_KIND'].includes(res.error.code), `${h.kind}: ${h.name}`).toBe(true);
        expect(res.result === 'rejected' && res.acknowledged).toBe(false);
      }
      await stillWorks(robot);
    });

    it('duplicate delivery: accepted once, quietly ignored after', async () => {
      const bytes = await signWith(mine(), pki.platformA);
      const results = await Promise.all([1, 2, 3].map(() => robot.handler.handleNotice(bytes, 'broker')));
      expect(results.map((r) => r.result).sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
      await robot.handler.idle();
      expect(robot.outbox.head('ack')).toBe(1); // one 'verified', no action configured
      expect(robot.logs.filter((l) => l.msg === 'recall accepted')).toHaveLength(1);
      expect(robot.logs.filter((l) => l.level === 40)).toHaveLength(0); // duplicates are not warnings
    });

    it('a notice signed after its signer certificate expired', async () => {
      const bytes = await signWith(noticeInput(pki, pki.lapsed, { target: { codes: [me()] } }), pki.lapsed);
      await expectRejected(robot, bytes, 'RECALL_CERT_EXPIRED', false);
    });

    it('a notice from a revoked key', async () => {
      revoked = new Revocations({ keys: [kidHex(pki.platformB.signer.kid)] });
      await expectRejected(robot, await signWith(noticeInput(pki, pki.platformB, { target: { codes: [me()] } }), pki.platformB), 'RECALL_REVOKED', false);
    });

    it('a forged broadcast is counted and logged at a limited rate, never acknowledged', async () => {
      const attacker = seedSigner(new Uint8Array(randomBytes(32)));
      for (let i = 0; i < 50; i++) {
        await robot.handler.handleNotice(await signRecall(mine({ recallId: `F-${i}`, action: 'stop' }), attacker, pki.platformA.certificate!), 'attacker');
      }
      expect(robot.handler.status().counters.unacknowledged.RECALL_BAD_SIGNATURE).toBe(50);
      expect(robot.logs.filter((l) => l.msg === 'recall notice refused')).toHaveLength(1);
      expect(robot.outbox.head('ack')).toBe(0);
    });
  });

  async function reopen(r: Robot): Promise<Robot> {
    await r.close();
    return startRobot(pki, r.unit, { extra: { revocations: () => revoked } });
  }
});
