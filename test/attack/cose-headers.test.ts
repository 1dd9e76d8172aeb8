/**
 * COSE headers as strictly as docs/protocol.md §"COSE" defines them: each bucket carries only
 * its own labels, `crit` is refused wherever it stands. Without this, anyone could change a
 * genuine notice's bytes (and so its hash) through its unprotected header without breaking a
 * signature, and a signer's protected header could carry a second content type. Each case is
 * delivered to a running robot's recall handler and to the SDK decoders, held to its reason.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CONTENT_TYPES,
  RECALL_MAX_BYTES,
  Tag,
  decodeCbor,
  openMulti,
  recallKind,
  decodeSign1,
  encodeCbor,
  eventKind,
  openSign1,
  provisionUnit,
  signEvent,
  sigStructure,
  sigStructure1,
  type CborValue,
  type Provisioned,
} from '../../sdk/index.js';
import type { NoticeResult } from '../../agent/recall/index.js';
import { cli } from '../helpers/agent-process.js';
import { ENT, MODEL_A, RECALL_WORLDS, codeOf, deviceSigner, makeRecallPki, noticeInput, signWith, startRobot, type RecallPki, type Robot } from '../helpers/recall-fixtures.js';

let pki: RecallPki;

let n = 0;
let unit: Provisioned;
let robot: Robot;
beforeEach(async () => {
  unit = await provisionUnit({ enterprise: pki.ent, code: codeOf(ENT, MODEL_A, 900 + ++n), modelName: MODEL_A, hardwareId: `hw-h${n}`, stateDir: join(pki.dir, 'headers', String(n)) });
  robot = await startRobot(pki, unit);
});
afterEach(() => robot.close());

const CRIT = 2;
const mine = () => noticeInput(pki, pki.platformA, { target: { codes: [unit.identity.code.code] } });

function parts(bytes: Uint8Array): { p: Uint8Array; u: Map<string | number, CborValue>; payload: Uint8Array; sigs: CborValue[][] } {
  const [p, u, payload, sigs] = (decodeCbor(bytes, { maxBytes: RECALL_MAX_BYTES }) as Tag).value as CborValue[];
  return { p: p as Uint8Array, u: u as Map<string | number, CborValue>, payload: payload as Uint8Array, sigs: sigs as CborValue[][] };
}

function multi(p: Uint8Array, u: Map<string | number, CborValue>, payload: Uint8Array, sigs: CborValue[][]): Uint8Array {
  return encodeCbor(new Tag([p, u, payload, sigs], 98));
}

async function expectRejected(bytes: Uint8Array, code: string): Promise<void> {
  const res: NoticeResult = await robot.handler.handleNotice(bytes, 'attacker');
  expect(res.result).toBe('rejected');
  expect(res.result === 'rejected' && res.error.code).toBe(code);
  expect(() => openMulti(recallKind, bytes)).toThrow(expect.objectContaining({ code: 'COSE_MALFORMED' }));
}

// Every case runs in an Ed25519 world, an SM2 world and a mixed one (recall-fixtures.ts).
describe.each(RECALL_WORLDS)('keys: %s', (world) => {
  beforeAll(async () => {
    pki = await makeRecallPki(world);
  });
  afterAll(() => pki.cleanup());

  describe('COSE header strictness (recall notices, COSE_Sign)', () => {
    it('crit in a signer unprotected header', async () => {
      const { p, u, payload, sigs } = parts(await signWith(mine(), pki.platformA));
      const [sp, su, sig] = sigs[0]!;
      const withCrit = new Map(su as Map<string | number, CborValue>).set(CRIT, [1]);
      await expectRejected(multi(p, u, payload, [[sp!, withCrit, sig!]]), 'RECALL_MALFORMED');
    });

    it('crit in the body unprotected header', async () => {
      const { p, payload, sigs } = parts(await signWith(mine(), pki.platformA));
      await expectRejected(multi(p, new Map<string | number, CborValue>([[CRIT, [1]]]), payload, sigs), 'RECALL_MALFORMED');
    });

    it('an undefined label in a signer unprotected header: the signature still holds, the bytes and hash change', async () => {
      const { p, u, payload, sigs } = parts(await signWith(mine(), pki.platformA));
      const [sp, su, sig] = sigs[0]!;
      const padded = new Map(su as Map<string | number, CborValue>).set(99, new Uint8Array(16));
      await expectRejected(multi(p, u, payload, [[sp!, padded, sig!]]), 'RECALL_MALFORMED');
    });

    it("the CLI's verifier (`robot-id recall verify`, the real bundle) refuses the same bytes with the same reason", async () => {
      const { p, u, payload, sigs } = parts(await signWith(mine(), pki.platformA));
      const [sp, su, sig] = sigs[0]!;
      const file = join(pki.dir, `crit-${n}.cose`);
      writeFileSync(file, multi(p, u, payload, [[sp!, new Map(su as Map<string | number, CborValue>).set(CRIT, [1]), sig!]]));
      const r = cli(['recall', 'verify', file, '--trust', join(pki.root.dir, 'trust.json'), '--json']);
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, error: { code: 'RECALL_MALFORMED' } });
    });

    it('anything in the body unprotected header', async () => {
      const { p, payload, sigs } = parts(await signWith(mine(), pki.platformA));
      await expectRejected(multi(p, new Map<string | number, CborValue>([[-65537, new Uint8Array(4)]]), payload, sigs), 'RECALL_MALFORMED');
    });

    it('a signer protected header carrying a content type (label 3), validly signed', async () => {
      const { p, u, payload, sigs } = parts(await signWith(mine(), pki.platformA));
      const [sp0, su] = sigs[0]!;
      const sp = new Map(decodeCbor(sp0 as Uint8Array, { maxBytes: 1024 }) as Map<string | number, CborValue>).set(3, CONTENT_TYPES.heartbeat);
      const spBytes = encodeCbor(new Map([...sp].sort((a, b) => Number(a[0]) - Number(b[0]))));
      const sig = await pki.platformA.signer.sign(sigStructure(p, spBytes, payload));
      await expectRejected(multi(p, u, payload, [[spBytes, su!, sig]]), 'RECALL_MALFORMED');
    });
  });

  describe('COSE header strictness (unit messages, COSE_Sign1)', () => {
    async function event(): Promise<Uint8Array> {
      return signEvent(deviceSigner(unit), { code: unit.identity.code.code, seq: 1, prevHash: new Uint8Array(32), time: pki.now, kind: 'maintenance' });
    }
    function rebuild(bytes: Uint8Array, change: (p: Uint8Array, u: Map<string | number, CborValue>) => [Uint8Array, Map<string | number, CborValue>]): [Uint8Array, Uint8Array, Uint8Array] {
      const [p, u, payload, sig] = (decodeCbor(bytes, { maxBytes: 4096 }) as Tag).value as [Uint8Array, Map<string | number, CborValue>, Uint8Array, Uint8Array];
      const [p2, u2] = change(p, u);
      return [encodeCbor(new Tag([p2, u2, payload, sig], 18)), p2, payload];
    }

    it('a genuine event is accepted as it is', async () => {
      expect(openSign1(eventKind, await event()).value.seq).toBe(1);
    });

    it.each([
      ['crit in the unprotected header', (u: Map<string | number, CborValue>) => new Map(u).set(CRIT, [1])],
      ['an undefined label in the unprotected header', (u: Map<string | number, CborValue>) => new Map(u).set(7, 'x')],
      ['a text label in the unprotected header', (u: Map<string | number, CborValue>) => new Map(u).set('note', 'x')],
    ])('%s', async (_name, change) => {
      const [bytes] = rebuild(await event(), (p, u) => [p, change(u)]);
      expect(() => openSign1(eventKind, bytes)).toThrow(expect.objectContaining({ code: 'COSE_MALFORMED' }));
    });

    it('an extra label in the protected header, validly signed', async () => {
      const genuine = await event();
      const [, p0, payload] = rebuild(genuine, (p, u) => [p, u]);
      const prot = new Map(decodeCbor(p0, { maxBytes: 1024 }) as Map<string | number, CborValue>).set(5, new Uint8Array(12));
      const p = encodeCbor(new Map([...prot].sort((a, b) => Number(a[0]) - Number(b[0]))));
      const sig = await deviceSigner(unit).sign(sigStructure1(p, payload));
      const bytes = encodeCbor(new Tag([p, new Map(), payload, sig], 18));
      expect(() => openSign1(eventKind, bytes)).toThrow(expect.objectContaining({ code: 'COSE_MALFORMED' }));
      // The generic COSE decoder (third-party examples, interop) still reads it: the rule is robot-id's.
      expect(decodeSign1(bytes, { maxBytes: 4096 }).protected.all.get(5)).toBeInstanceOf(Uint8Array);
    });
  });
});
