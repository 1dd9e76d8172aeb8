/**
 * The unit's side of a device rekey, in process with real files and keys (docs/key-handling.md
 * §"Device rekey"): a crash at every step of the install leaves a unit that starts, with the
 * old key before the commit point and the new one after it; the `rekeyed` event is appended
 * once, co-signed by the old key, whose file is then destroyed; Ed25519 and SM2 device keys.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAgent, requestRekey, startAgent, type Agent } from '../../agent/index.js';
import { rollForward, stageRecord } from '../../agent/rekey/files.js';
import { COSE_ALG_EDDSA, COSE_ALG_SM2_SM3, entryHash, eventKind, issueRekeyedRecord, openSign1, toHex, verifyRekeyedEvent, verifyUnitMessage } from '../../sdk/index.js';
import { makePki, quietLogger, type Pki, type TestUnit } from '../helpers/pki.js';

let tmp: string;
let pki: Pki;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rid-rekey-crash-'));
  pki = await makePki(tmp);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const open = (unit: TestUnit): Promise<Agent> => startAgent(unit.config(), { logger: quietLogger(), modules: [] });

/** Records a few events, asks for a rekey and has the enterprise issue the record. */
async function prepared(alg: number): Promise<{ unit: TestUnit; record: Uint8Array; label: Uint8Array }> {
  const unit = await pki.provision(undefined, { alg });
  const agent = await open(unit);
  try {
    for (const note of ['a', 'b']) await agent.submitEvent({ kind: 'maintenance', note });
    const { request } = await requestRekey(agent);
    const issued = await issueRekeyedRecord({ enterprise: pki.enterprise, request });
    return { unit, record: issued.bytes, label: issued.label };
  } finally {
    await agent.close();
  }
}

/** The unit's log: every entry verifies under the record in force at its place, one chain. */
function checkChain(agent: Agent, first: TestUnit['identity']): { rekeyedAt: number[] } {
  let identity = first;
  let prev: Uint8Array = new Uint8Array(32);
  const rekeyedAt: number[] = [];
  for (const e of agent.eventLog.read(0, 1000)) {
    const v = openSign1(eventKind, e.bytes);
    expect(toHex(v.value.prevHash)).toBe(toHex(prev));
    if (v.value.kind === 'rekeyed') {
      identity = verifyRekeyedEvent(e.bytes, identity, agent.trust).next;
      rekeyedAt.push(e.seq);
    } else verifyUnitMessage(eventKind, e.bytes, identity);
    prev = entryHash(e.bytes);
  }
  return { rekeyedAt };
}

describe.each([
  ['Ed25519', COSE_ALG_EDDSA],
  ['SM2', COSE_ALG_SM2_SM3],
])('%s device key', (_n, alg) => {
  it('installed through the local API: staged, then installed and announced at the next start', async () => {
    const { unit, record } = await prepared(alg);
    let agent = await open(unit);
    const r = await callAgent<{ restarting: boolean }>({ socketPath: agent.config.socketPath }, 'POST', '/v1/rekey/install', { record: Buffer.from(record).toString('base64') });
    expect(r.status).toBe(202);
    expect(await agent.stopRequested).toMatchObject({ exitStatus: 18 });
    // Events in flight until the stop are signed by the old key, before the announcement.
    await agent.submitEvent({ kind: 'maintenance', note: 'in flight' });
    await agent.close();
    agent = await open(unit);
    try {
      expect(agent.identity.record.recordVersion).toBe(2);
      expect(agent.signer.alg).toBe(alg);
      await agent.submitEvent({ kind: 'maintenance', note: 'after' });
      expect(checkChain(agent, unit.identity).rekeyedAt).toEqual([4]);
      // The technician's view of the log checks every entry, those of the old key included.
      const page = await callAgent<{ chain: { verified: boolean; problem?: string }; events: { kind: string }[] }>({ socketPath: agent.config.socketPath }, 'GET', '/v1/events?after=0');
      expect(page.body.chain).toEqual({ verified: true });
      expect(page.body.events.map((e) => e.kind)).toEqual(['maintenance', 'maintenance', 'maintenance', 'rekeyed', 'maintenance']);
      expect(existsSync(join(unit.stateDir, 'identity.v1.cose'))).toBe(true);
      expect(existsSync(join(unit.stateDir, 'device.key.prev'))).toBe(false);
      expect(existsSync(join(unit.stateDir, 'device.key.next'))).toBe(false);
      // A second install of the same record is stale now.
      const again = await callAgent<{ error: { code: string } }>({ socketPath: agent.config.socketPath }, 'POST', '/v1/rekey/install', { record: Buffer.from(record).toString('base64') });
      expect(again.body.error.code).toBe('REKEY_STALE');
    } finally {
      await agent.close();
    }
  });

  it.each(['afterPrevKey', 'afterNextKey', 'afterRecord'] as const)('a crash %s: the next start finishes the install and announces it once', async (point) => {
    const { unit, record } = await prepared(alg);
    stageRecord(unit.stateDir, record);
    expect(() => rollForward(unit.stateDir, { [point]: () => { throw new Error(`crash ${point}`); } })).toThrow(/crash/);
    const agent = await open(unit);
    try {
      expect(agent.identity.record.recordVersion).toBe(2);
      expect(checkChain(agent, unit.identity).rekeyedAt).toEqual([3]);
    } finally {
      await agent.close();
    }
    // A crash after the announcement was durable and before the old key was destroyed: the
    // next start sees the announcement at the head, does not repeat it, and destroys the key.
    copyFileSync(join(unit.stateDir, 'device.key'), join(unit.stateDir, 'device.key.prev'));
    const again = await open(unit);
    try {
      expect(checkChain(again, unit.identity).rekeyedAt).toEqual([3]);
      expect(existsSync(join(unit.stateDir, 'device.key.prev'))).toBe(false);
    } finally {
      await again.close();
    }
  });

  it('a crash before the commit point: the old key and record go on, and the request can be repeated', async () => {
    const { unit } = await prepared(alg);
    const agent = await open(unit);
    try {
      expect(agent.identity.record.recordVersion).toBe(1);
      expect(existsSync(join(unit.stateDir, 'device.key.next'))).toBe(true);
      const again = await requestRekey(agent);
      expect(again.created).toBe(false);
      expect(checkChain(agent, unit.identity).rekeyedAt).toEqual([]);
    } finally {
      await agent.close();
    }
  });

  it('refuses a record for another key than the waiting one, or none waiting', async () => {
    const { unit, record } = await prepared(alg);
    const other = await prepared(alg);
    const agent = await open(unit);
    try {
      const post = (rec: Uint8Array) => callAgent<{ error: { code: string } }>({ socketPath: agent.config.socketPath }, 'POST', '/v1/rekey/install', { record: Buffer.from(rec).toString('base64') });
      expect((await post(other.record)).body.error.code).toBe('REKEY_WRONG_UNIT');
      // A label of another unit (or key) with the right record: refused, nothing staged.
      const withLabel = await callAgent<{ error: { code: string } }>({ socketPath: agent.config.socketPath }, 'POST', '/v1/rekey/install', { record: Buffer.from(record).toString('base64'), label: Buffer.from(other.label).toString('base64') });
      expect(withLabel.body.error.code).toBe('REKEY_RECORD_INVALID');
      expect(existsSync(join(unit.stateDir, 'identity.next.cose'))).toBe(false);
      rmSync(join(unit.stateDir, 'device.key.next'));
      expect((await post(record)).body.error.code).toBe('REKEY_NOT_PENDING');
      expect((await callAgent<{ error: { code: string } }>({ socketPath: agent.config.socketPath }, 'POST', '/v1/rekey/install', { record: 'not base64!' })).status).toBe(400);
    } finally {
      await agent.close();
    }
  });
});
