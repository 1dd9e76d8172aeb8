/**
 * The unit's two rekey steps over a running (or offline-opened) agent, shared by the local API
 * (routes/rekey.ts) and `robot-id rekey request|install --offline`:
 *   request: make (or reuse) the new key and sign a request with it and the current key;
 *   install: verify the enterprise's new record against the current one and the new key, then
 *            stage it (the commit point). The next start installs it and announces it.
 */
import { RekeyError, bytesEqual, checkLabelFor, isTerminal, kidHex, signRekeyRequest, verifyNextRecord, type VerifiedIdentity } from '../../sdk/index.js';
import type { Agent } from '../agent.js';
import { nextKey, readNextKey, readPrevKey, stageRecord } from './files.js';

export interface RekeyRequested {
  request: Uint8Array;
  newKid: string;
  /** False when a key made by an earlier request was reused. */
  created: boolean;
}

export async function requestRekey(agent: Agent, alg?: number): Promise<RekeyRequested> {
  const { signer, created } = nextKey(agent.config.stateDir, alg ?? agent.identity.deviceAlg);
  if (alg !== undefined && signer.alg !== alg) {
    throw new RekeyError('REKEY_MALFORMED', `a new key of another algorithm (${signer.alg}) is already waiting in device.key.next; install or remove it first`);
  }
  const r = agent.identity.record;
  const request = await signRekeyRequest({ bytes: agent.identity.bytes, code: r.code, hardwareBinding: r.hardwareBinding }, agent.signer, signer, agent.time.nowSeconds());
  return { request, newKid: kidHex(signer.kid), created };
}

export function stageRekey(agent: Agent, record: Uint8Array, label?: Uint8Array): VerifiedIdentity {
  const dir = agent.config.stateDir;
  if (isTerminal(agent.lifecycle.state)) throw new RekeyError('REKEY_NOT_PENDING', `unit is ${agent.lifecycle.state}: its key is not replaced`);
  if (readPrevKey(dir)) throw new RekeyError('REKEY_NOT_PENDING', 'the previous rekey is not announced yet; restart the agent first');
  const next = verifyNextRecord(agent.identity, record, agent.trust);
  const key = readNextKey(dir);
  if (!key) throw new RekeyError('REKEY_NOT_PENDING', 'no new key waiting (device.key.next): run the request step first');
  if (!bytesEqual(key.publicKey, next.record.devicePublicKey) || key.alg !== next.deviceAlg) {
    throw new RekeyError('REKEY_NOT_PENDING', `the new record binds key ${kidHex(next.deviceKid)}, not the waiting key ${kidHex(key.kid)}`);
  }
  if (label) checkLabelFor(next, label);
  stageRecord(dir, record, label);
  return next;
}
