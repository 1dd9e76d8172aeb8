/**
 * Device rekey (docs/protocol.md §"Device rekey", docs/threat-model.md §"Device rekey"): the
 * request signed by the new and the current key, the record the enterprise issues for it, and
 * the `rekeyed` event with the old key's handover. Each refusal is held to its typed reason,
 * with Ed25519 and SM2 device keys.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COSE_ALG_EDDSA,
  COSE_ALG_SM2_SM3,
  GENESIS_HASH,
  PROTOCOL_VERSION,
  addSignature,
  algSigner,
  encodePayload,
  encodeRekeyedData,
  entryHash,
  generateAlgKeyPair,
  issueRekeyedRecord,
  readAlgPrivateKeyFile,
  rekeyRequestKind,
  signEvent,
  signHandover,
  signIdentityRecord,
  signMulti,
  signRekeyRequest,
  verifyRekeyRequest,
  verifyRekeyedEvent,
  type RekeyRequest,
  type Signer,
} from '../../sdk/index.js';
import { makePki, testCode, type Pki, type TestUnit } from '../helpers/pki.js';

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return 'accepted';
}

describe.each([
  ['Ed25519', COSE_ALG_EDDSA],
  ['SM2', COSE_ALG_SM2_SM3],
])('device rekey with %s device keys', (_name, alg) => {
  let tmp: string;
  let pki: Pki;
  let unit: TestUnit;
  let oldKey: Signer;
  let newKey: Signer;
  let stranger: Signer;
  let request: Uint8Array;
  const now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rekey-attacks-'));
    pki = await makePki(tmp, { device: alg });
    unit = await pki.provision();
    oldKey = algSigner(readAlgPrivateKeyFile(join(unit.stateDir, 'device.key')));
    newKey = algSigner(generateAlgKeyPair(alg));
    stranger = algSigner(generateAlgKeyPair(alg));
    request = await signRekeyRequest({ bytes: unit.identity.bytes, code: unit.code, hardwareBinding: unit.identity.record.hardwareBinding }, oldKey, newKey, now);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** A request with any payload and any two signers. */
  async function forged(change: Partial<RekeyRequest>, first: Signer = newKey, second: Signer | null = oldKey): Promise<Uint8Array> {
    const value: RekeyRequest = {
      v: PROTOCOL_VERSION,
      code: unit.code,
      hardwareBinding: unit.identity.record.hardwareBinding,
      newPublicKey: newKey.publicKey,
      ...(alg === COSE_ALG_EDDSA ? {} : { newAlg: alg }),
      requestedAt: now,
      record: unit.identity.bytes,
      ...change,
    };
    const one = await signMulti(encodePayload(rekeyRequestKind, value), first, { contentType: rekeyRequestKind.contentType });
    return second ? addSignature(one, second, { maxBytes: 6144 }) : one;
  }

  it('accepts the request the unit makes', () => {
    const v = verifyRekeyRequest(request, pki.enterprise.trust);
    expect(v.current.code.code).toBe(unit.code);
    expect(v.newAlg).toBe(alg);
  });

  it('refuses requests by the wrong keys, for the wrong unit or hardware, or for the same key', async () => {
    const trust = pki.enterprise.trust;
    expect(reason(() => verifyRekeyRequest(new Uint8Array([1, 2, 3]), trust))).toBe('REKEY_MALFORMED');
    expect(reason(() => verifyRekeyRequest(requestOnlyNew, trust))).toBe('REKEY_MALFORMED');
    expect(reason(() => verifyRekeyRequest(swapped, trust))).toBe('REKEY_BAD_SIGNATURE');
    expect(reason(() => verifyRekeyRequest(byStranger, trust))).toBe('REKEY_BAD_SIGNATURE');
    expect(reason(() => verifyRekeyRequest(otherHardware, trust))).toBe('REKEY_HARDWARE_MISMATCH');
    expect(reason(() => verifyRekeyRequest(otherCode, trust))).toBe('REKEY_WRONG_UNIT');
    expect(reason(() => verifyRekeyRequest(sameKey, trust))).toBe('REKEY_SAME_KEY');
    expect(reason(() => verifyRekeyRequest(otherRecord, trust))).toBe('REKEY_WRONG_UNIT');
    const flipped = Uint8Array.from(request);
    flipped[flipped.length - 5]! ^= 1;
    expect(reason(() => verifyRekeyRequest(flipped, trust))).toBe('REKEY_BAD_SIGNATURE');
  });

  it('a flipped byte anywhere in the request is refused with a typed reason, never accepted', () => {
    const codes = new Set<string>();
    for (let i = 0; i < request.length; i += Math.max(1, Math.floor(request.length / 97))) {
      const bad = Uint8Array.from(request);
      bad[i]! ^= 0x40;
      const why = reason(() => verifyRekeyRequest(bad, pki.enterprise.trust));
      expect(why, `byte ${i}`).toMatch(/^REKEY_/);
      codes.add(why);
    }
    expect(codes.has('REKEY_BAD_SIGNATURE')).toBe(true);
  });

  let requestOnlyNew: Uint8Array;
  let swapped: Uint8Array;
  let byStranger: Uint8Array;
  let otherHardware: Uint8Array;
  let otherCode: Uint8Array;
  let sameKey: Uint8Array;
  let otherRecord: Uint8Array;
  beforeAll(async () => {
    requestOnlyNew = await forged({}, newKey, null);
    swapped = await forged({}, oldKey, newKey);
    byStranger = await forged({}, newKey, stranger);
    otherHardware = await forged({ hardwareBinding: new Uint8Array(32).fill(7) });
    otherCode = await forged({ code: testCode() });
    // addSignature refuses one kid twice, so the "new" key's place is taken by a stranger.
    sameKey = await forged({ newPublicKey: oldKey.publicKey }, oldKey, stranger);
    const other = await pki.provision(undefined, { alg });
    otherRecord = await forged({ record: other.identity.bytes });
  });

  describe('the record and its announcement', () => {
    let record: Uint8Array;
    let handoverHead: Uint8Array;
    let last: Uint8Array;
    beforeAll(async () => {
      const issued = await issueRekeyedRecord({ enterprise: pki.enterprise, request, now });
      record = issued.bytes;
      last = await signEvent(oldKey, { code: unit.code, seq: 1, prevHash: GENESIS_HASH, time: now, kind: 'maintenance' });
      handoverHead = entryHash(last);
    });

    async function announce(o: { record?: Uint8Array; handoverBy?: Signer; handoverHead?: Uint8Array; handoverRecord?: Uint8Array; eventBy?: Signer } = {}): Promise<Uint8Array> {
      const rec = o.record ?? record;
      const handover = await signHandover(o.handoverBy ?? oldKey, { code: unit.code, prevHash: o.handoverHead ?? handoverHead, record: o.handoverRecord ?? rec, time: now });
      return signEvent(o.eventBy ?? newKey, { code: unit.code, seq: 2, prevHash: handoverHead, time: now, kind: 'rekeyed', data: encodeRekeyedData({ record: rec, handover, ackSeq: 0 }) });
    }

    it('issues a record one version up, same code and hardware, binding the new key', async () => {
      const v = verifyRekeyedEvent(await announce(), unit.identity, pki.enterprise.trust);
      expect(v.next.record.recordVersion).toBe(unit.identity.record.recordVersion + 1);
      expect(v.next.record.hardwareBinding).toEqual(unit.identity.record.hardwareBinding);
      expect(v.next.record.devicePublicKey).toEqual(newKey.publicKey);
      expect(v.next.deviceAlg).toBe(alg);
    });

    it('refuses announcements the old key did not hand over, or that name another place or record', async () => {
      const trust = pki.enterprise.trust;
      const check = (b: Uint8Array): string => reason(() => verifyRekeyedEvent(b, unit.identity, trust));
      expect(check(await announce({ handoverBy: stranger }))).toBe('REKEY_BAD_SIGNATURE');
      expect(check(await announce({ handoverBy: newKey }))).toBe('REKEY_BAD_SIGNATURE');
      expect(check(await announce({ handoverHead: new Uint8Array(32).fill(9) }))).toBe('REKEY_HANDOVER_MISMATCH');
      expect(check(await announce({ handoverRecord: unit.identity.bytes }))).toBe('REKEY_HANDOVER_MISMATCH');
      // Signed by the old key (the new one never proved possession) or a stranger.
      expect(check(await announce({ eventBy: oldKey }))).toBe('MSG_BAD_SIGNATURE');
      expect(check(await announce({ eventBy: stranger }))).toBe('MSG_BAD_SIGNATURE');
      // An ordinary event is not an announcement.
      expect(check(last)).toBe('REKEY_MALFORMED');
      // A flipped byte anywhere: a typed refusal, never accepted.
      const good = await announce();
      for (let i = 0; i < good.length; i += Math.max(1, Math.floor(good.length / 97))) {
        const bad = Uint8Array.from(good);
        bad[i]! ^= 0x40;
        expect(check(bad), `byte ${i}`).toMatch(/^(REKEY_|MSG_)/);
      }
    });

    it('refuses a new record that does not count up, binds other hardware, or does not verify', async () => {
      const trust = pki.enterprise.trust;
      const check = (b: Uint8Array): string => reason(() => verifyRekeyedEvent(b, unit.identity, trust));
      const r = unit.identity.record;
      const sign = (change: object): Promise<Uint8Array> =>
        signIdentityRecord(pki.enterprise.signer, { ...r, devicePublicKey: newKey.publicKey, deviceAlg: alg, recordVersion: r.recordVersion + 1, ...change });
      expect(check(await announce({ record: await sign({ recordVersion: r.recordVersion }) }))).toBe('REKEY_STALE');
      expect(check(await announce({ record: await sign({ hardwareBinding: new Uint8Array(32).fill(3) }) }))).toBe('REKEY_HARDWARE_MISMATCH');
      const forgedRecord = await signIdentityRecord(stranger, { ...r, devicePublicKey: newKey.publicKey, deviceAlg: alg, recordVersion: r.recordVersion + 1 });
      expect(check(await announce({ record: forgedRecord }))).toBe('REKEY_RECORD_INVALID');
      expect(readFileSync(join(unit.stateDir, 'identity.cose'))).toEqual(Buffer.from(unit.identity.bytes));
    });
  });
});
