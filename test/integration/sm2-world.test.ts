/**
 * An SM2 world end to end over mosquitto, made with the real CLI (`--alg sm2` on root init,
 * enterprise certify, platform certify and provision): the real agent process and the real
 * ingest process (`fleet watch`); heartbeats, events and receipts; a stop-operation recall
 * signed by the SM2 enterprise and co-signed by an EdDSA platform key, applied and acknowledged,
 * and counted by `recall status`; an attestation; an EdDSA heartbeat under the unit's SM2 kid
 * refused by the ingest as an algorithm substitution; then the unit's lifecycle under SM2
 * orders: registered, commissioned, scrapped (the agent stops, the key is destroyed), recycled
 * by an SM2 recycler, and `fleet history` verifying every entry.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { expect, it } from 'vitest';
import { COSE_ALG_EDDSA, algSigner, generateAlgKeyPair, signHeartbeat, unitTopic, type Signer } from '../../sdk/index.js';
import { agentStatus, cli, ok, okJson, startAgentProcess, startProc, ingestListening } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld('rid-sm2-world-');

type Line = { code?: string; kind: string; verified: boolean; reason?: string };
const p = (f: string): string => world.p(f);

it('SM2 keys everywhere: agent, ingest, receipts, a mixed-algorithm recall, recall status, attestation, orders, scrapping, recycling, history', async () => {
  const { tmp, broker } = world;
  const code = '86123456789000000000000000042';
  expect(okJson(cli(['root', 'init', '--country', '86', '--out', p('root'), '--alg', 'sm2', '--json']))).toMatchObject({ alg: 'sm2' });
  const trust = join(p('root'), 'trust.json');
  expect(JSON.parse(readFileSync(trust, 'utf8')).roots[0]).toMatchObject({ country: '86', alg: 'sm2' });
  expect(okJson(cli(['enterprise', 'certify', '--root', p('root'), '--enterprise', '1234', '--name', 'SM2 Robotics', '--out', p('ent'), '--alg', 'sm2', '--json']))).toMatchObject({ alg: 'sm2' });
  expect(okJson(cli(['platform', 'certify', '--root', p('root'), '--role', 'recall,index,receipt,order,registration', '--name', 'platform', '--out', p('plat'), '--alg', 'sm2', '--json']))).toMatchObject({ alg: 'sm2' });
  // The co-signer keeps EdDSA: co-signers of one recall may differ in algorithm.
  expect(okJson(cli(['platform', 'certify', '--root', p('root'), '--role', 'recall', '--name', 'regulator', '--out', p('cosigner'), '--json']))).toMatchObject({ alg: 'ed25519' });
  const registry = p('registry.jsonl');
  const stateDir = p('unit');
  writeFileSync(p('machine-id'), 'hw-sm2-42\n');
  expect(okJson(cli(['provision', '--enterprise', p('ent'), '--code', code, '--model-name', 'H-SM2', '--hardware-id', 'hw-sm2-42', '--state-dir', stateDir, '--registry', registry, '--alg', 'sm2', '--json']))).toMatchObject({ code, deviceAlg: 'sm2' });
  expect(readFileSync(join(stateDir, 'device.key'), 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
  expect(okJson(cli(['verify', stateDir, '--trust', trust, '--json']))).toMatchObject({ valid: true, code, deviceAlg: 'sm2' });

  const ingestDir = p('ingest');
  const indexState = p('index-state');
  const watch = startProc(['fleet', 'watch', '--broker', broker.url, '--trust', trust, '--registry', registry, '--state', ingestDir, '--receipt-key', p('plat'), '--client-id', 'sm2-ingest', '--json']);
  const lines = (): Line[] => watch.lines().flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Line] : []));
  await ingestListening(broker.url, () => watch.lines());
  const recallState = p('recall-state.json');
  const agentProc = startAgentProcess(tmp, {
    stateDir, hardwareIdSource: { file: p('machine-id') }, brokerUrl: broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 300, logLevel: 'info',
    recallAction: { file: recallState },
  });
  const socket = join(stateDir, 'agent.sock');
  await until(() => lines().some((l) => l.code === code && l.kind === 'heartbeat' && l.verified), `an SM2 heartbeat verified by the ingest (${watch.lines().slice(-3).join(' | ')})`, 30_000);
  await until(() => lines().some((l) => l.code === code && l.kind === 'birth' && l.verified), `a verified birth (${[...new Set(lines().map((l) => l.kind))].join(', ')})`, 5_000);

  // Events signed with the SM2 device key (on the event loop: no signing thread for SM2), receipted by the SM2 platform key.
  ok(cli(['maintenance', 'add', '--technician', 'T-1', '--kind', 'part-replaced', '--note', 'SM2 knee', '--agent', socket]));
  await until(() => lines().some((l) => l.code === code && l.kind === 'event' && l.verified), 'the event verified by the ingest', 30_000);
  await until(() => (agentStatus(socket) as { outbox?: { depth?: number } }).outbox?.depth === 0, 'the outbox emptied by SM2 receipts', 30_000);

  // A stop-operation recall: the SM2 enterprise signs, the EdDSA regulator co-signs.
  writeFileSync(p('notice.json'), JSON.stringify({
    recallId: 'R-SM2-1', revision: 1, campaignId: 'C-SM2', notAfter: Math.floor(Date.now() / 1000) + 30 * 86400, action: 'stop',
    reason: 'Hip actuator may overheat', remedy: 'Update actuator firmware', target: { enterprise: '1234', model: '567890' },
  }));
  ok(cli(['recall', 'sign', '--notice', p('notice.json'), '--key', p('ent'), '--out', p('recall.cose')]));
  ok(cli(['recall', 'cosign', p('recall.cose'), '--key', p('cosigner')]));
  ok(cli(['recall', 'verify', p('recall.cose'), '--trust', trust, '--code', code]));
  ok(cli(['recall', 'publish', p('recall.cose'), '--broker', broker.url, '--key', p('plat'), '--state', indexState]));
  await until(() => lines().some((l) => l.code === code && l.kind === 'ack' && l.verified), `the ack verified by the ingest (${lines().filter((l) => l.kind !== 'heartbeat').map((l) => JSON.stringify(l)).join(' | ')})`, 30_000);
  await until(() => readFileSync(recallState, 'utf8').includes('"strongestAction":"stop"') || readFileSync(recallState, 'utf8').includes('"strongestAction": "stop"'), 'the recall state file says stop', 10_000);
  await until(() => (agentStatus(socket) as { outbox?: { depth?: number } }).outbox?.depth === 0, 'the ack receipted', 30_000);
  const status = okJson(cli(['recall', 'status', 'C-SM2', '--broker', broker.url, '--trust', trust, '--registry', registry, '--ingest', ingestDir, '--wait', '5', '--json']));
  expect(status.counts).toMatchObject({ applied: 1, rejected: 0, failed: 0 });

  // A technician's attestation: the SM2 device key signs the laptop's nonce.
  expect(ok(cli(['attest', '--agent', socket, '--trust', trust, '--code', code]))).toMatch(/attested: 86-1234-567890-/);

  // Substitution on the wire: an EdDSA heartbeat naming the SM2 device key's kid.
  const kid = new Uint8Array(Buffer.from(JSON.parse(readFileSync(registry, 'utf8').trim().split('\n')[0]!).deviceKid as string, 'hex'));
  const ed = algSigner(generateAlgKeyPair(COSE_ALG_EDDSA));
  const posing: Signer = { alg: ed.alg, kid, publicKey: ed.publicKey, sign: (m) => ed.sign(m) };
  const now = Math.floor(Date.now() / 1000);
  const forged = await signHeartbeat(posing, {
    code, boot: 1, counter: 1, time: now, uptimeS: 0, state: 'in_service', agentVersion: 'x', firmwareVersion: 'y', outboxDepth: 0, logSeq: 0, logHash: new Uint8Array(32), nextDueBy: now + 60,
  });
  const attacker = await connectAsync(broker.url, { clientId: 'attacker', reconnectPeriod: 0 });
  try {
    await until(() => {
      void attacker.publishAsync(unitTopic(code, 'hb'), Buffer.from(forged), { qos: 1 });
      return lines().some((l) => l.code === code && l.verified === false && l.reason === 'MSG_ALG_MISMATCH');
    }, 'the substitution refused as MSG_ALG_MISMATCH', 20_000);
  } finally {
    await attacker.endAsync();
  }

  // The lifecycle under SM2 orders: a platform registration, commissioning, an enterprise scrap order.
  const stored = (kind: string) => lines().some((l) => l.code === code && l.kind === 'event' && l.verified && (l as { eventKind?: string }).eventKind === kind);
  ok(cli(['order', 'sign', '--transition', 'registered', '--code', code, '--operator', 'operator-1', '--region', '310115', '--key', p('plat'), '--out', p('reg.cose')]));
  ok(cli(['event', 'add', '--kind', 'registered', '--order', p('reg.cose'), '--socket', socket]));
  ok(cli(['event', 'add', '--kind', 'commissioned', '--socket', socket]));
  await until(() => stored('registered') && stored('commissioned'), 'registered and commissioned stored by the ingest', 30_000);
  ok(cli(['order', 'sign', '--transition', 'scrapped', '--code', code, '--key', p('ent'), '--reason', 'end of life', '--out', p('scrap.cose')]));
  ok(cli(['event', 'add', '--kind', 'scrapped', '--order', p('scrap.cose'), '--socket', socket]));
  await until(() => agentProc.child.exitCode !== null, 'the agent to stop after the scrap', 30_000);
  expect(agentProc.child.exitCode).toBe(13);
  expect(existsSync(join(stateDir, 'device.key'))).toBe(false);
  // Its last word, signed with the SM2 key before the key was destroyed.
  await until(() => lines().some((l) => l.code === code && (l.kind === 'death' || l.kind === 'offline') && l.verified), `a verified death or offline message (${[...new Set(lines().map((l) => l.kind))].join(', ')})`, 15_000);
  expect(stored('scrapped')).toBe(true);
  expect(okJson(cli(['platform', 'certify', '--root', p('root'), '--role', 'recycling', '--name', 'Recycler', '--out', p('recycler'), '--alg', 'sm2', '--json']))).toMatchObject({ alg: 'sm2' });
  ok(cli(['recycle', 'confirm', '--code', code, '--key', p('recycler'), '--out', p('recycled.cose')]));
  ok(cli(['fleet', 'recycled', p('recycled.cose'), '--state', ingestDir, '--trust', trust, '--registry', registry]));
  const h = okJson(cli(['fleet', 'history', code, '--state', ingestDir, '--trust', trust, '--registry', registry, '--json'])) as { state: string; recycled: boolean; problems: number; entries: { what: string; verified: boolean }[] };
  expect(h).toMatchObject({ state: 'scrapped', recycled: true, problems: 0 });
  expect(h.entries.every((e) => e.verified)).toBe(true);
  for (const what of ['manufactured', 'part-replaced', 'recall-ack', 'registered', 'commissioned', 'scrapped', 'recycled']) expect(h.entries.map((e) => e.what)).toContain(what);
}, 180_000);
