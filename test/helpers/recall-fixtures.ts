/**
 * Real keys and real files for recall tests: a root, platform keys with and without the recall
 * role (two keys for one subject), two enterprises, a platform key whose certificate has
 * lapsed, provisioned units of two models and of another enterprise, and a robot-side recall
 * handler over a real durable outbox in a temporary state directory.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import {
  ENTERPRISE_DEFAULT_ROLES,
  PROTOCOL_VERSION,
  ROLES,
  STATE_FILES,
  certify,
  cosignRecall,
  initRoot,
  provisionUnit,
  COSE_ALG_EDDSA,
  COSE_ALG_SM2_SM3,
  loadSigner,
  signRecall,
  type Authority,
  type Provisioned,
  type RecallInput,
  type Role,
  type Signer,
} from '../../sdk/index.js';
import { DurableOutbox } from '../../agent/outbox/durable-outbox.js';
import { FramedLog } from '../../agent/storage/index.js';
import { RecallHandler, type RecallActionConfig, type RecallHandlerDeps } from '../../agent/recall/index.js';

export const ENT = '1234';
export const OTHER_ENT = '5678';
export const MODEL_A = '567890';
export const MODEL_B = '111111';
export const serial = (n: number) => String(n).padStart(17, '0');
export const codeOf = (ent: string, model: string, n: number) => `86${ent}${model}${serial(n)}`;

export interface RecallPki {
  dir: string;
  /** Seconds; certificates are valid from a minute before it for five years. */
  now: number;
  root: Authority;
  platformA: Authority;
  platformA2: Authority;
  platformB: Authority;
  platformC: Authority;
  indexOnly: Authority;
  ent: Authority;
  otherEnt: Authority;
  /** A platform recall key whose certificate ran from now-10d to now-9d. */
  lapsed: Authority;
  units: { a: Provisioned; a2: Provisioned; b: Provisioned; other: Provisioned };
  cleanup(): void;
}

/** The suites the recall tests run under: every key Ed25519, every key SM2, or a mix of both. */
export const RECALL_WORLDS = ['ed25519', 'sm2', 'mixed'] as const;
export type RecallWorld = (typeof RECALL_WORLDS)[number];

/**
 * `world`: 'ed25519' (the default), 'sm2' (every key SM2), or 'mixed': an SM2 root, platform A
 * and the enterprise on SM2, platforms B and C and the other enterprise on EdDSA, unit a on
 * EdDSA under the SM2 enterprise and every other unit on SM2.
 */
export async function makeRecallPki(world: RecallWorld = 'ed25519'): Promise<RecallPki> {
  const dir = mkdtempSync(join(tmpdir(), 'rid-recall-'));
  const now = Math.floor(Date.now() / 1000);
  const SM2 = COSE_ALG_SM2_SM3;
  const ED = COSE_ALG_EDDSA;
  const pick = (mixed: number): number => (world === 'ed25519' ? ED : world === 'sm2' ? SM2 : mixed);
  const root = initRoot({ dir: join(dir, 'root'), country: '86', alg: pick(SM2) });
  const platform = (name: string, subject: string, roles: Role[], extra: { notBefore?: number; validitySeconds?: number; alg?: number } = {}) =>
    certify({ root, dir: join(dir, name), subjectKind: 'platform', subject, name: subject, roles, ...extra });
  const enterprise = (code: string, alg: number) =>
    certify({ root, dir: join(dir, `ent-${code}`), subjectKind: 'enterprise', subject: code, name: `Maker ${code}`, roles: [...ENTERPRISE_DEFAULT_ROLES], alg });
  const ent = await enterprise(ENT, pick(SM2));
  const otherEnt = await enterprise(OTHER_ENT, pick(ED));
  const unit = (e: Authority, code: string, name: string, alg = pick(SM2)) =>
    provisionUnit({ enterprise: e, code, modelName: `Model ${code.slice(6, 12)}`, hardwareId: `hw-${name}`, stateDir: join(dir, 'units', name), alg });
  return {
    dir,
    now,
    root,
    platformA: await platform('platform-a', 'regulator-a', [ROLES.recallIssue], { alg: pick(SM2) }),
    platformA2: await platform('platform-a2', 'regulator-a', [ROLES.recallIssue], { alg: pick(ED) }),
    platformB: await platform('platform-b', 'regulator-b', [ROLES.recallIssue], { alg: pick(ED) }),
    platformC: await platform('platform-c', 'regulator-c', [ROLES.recallIssue], { alg: pick(ED) }),
    indexOnly: await platform('platform-index', 'index-service', [ROLES.indexSign], { alg: pick(SM2) }),
    lapsed: await platform('platform-lapsed', 'regulator-old', [ROLES.recallIssue], { notBefore: now - 10 * 86400, validitySeconds: 86400, alg: pick(SM2) }),
    ent,
    otherEnt,
    units: {
      a: await unit(ent, codeOf(ENT, MODEL_A, 1), 'a', pick(ED)),
      a2: await unit(ent, codeOf(ENT, MODEL_A, 2), 'a2'),
      b: await unit(ent, codeOf(ENT, MODEL_B, 1), 'b'),
      other: await unit(otherEnt, codeOf(OTHER_ENT, MODEL_A, 1), 'other'),
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A notice for model A of ENT, valid 30 days from `now`; override any field. */
export function noticeInput(pki: RecallPki, issuer: Authority, over: Partial<RecallInput> = {}): RecallInput {
  return {
    recallId: 'R-2025-001',
    revision: 1,
    campaignId: 'C-2025-01',
    issuer: issuer.meta.subject,
    issuedAt: pki.now,
    notBefore: pki.now,
    notAfter: pki.now + 30 * 86400,
    action: 'notify',
    reason: 'Hip actuator may overheat under sustained load',
    remedy: 'Replace actuator firmware at an authorised service centre',
    target: { enterprise: ENT, model: MODEL_A },
    status: 'active',
    ...over,
  };
}

/** Signs with the first authority and co-signs with the rest. */
export async function signWith(input: RecallInput, ...signers: Authority[]): Promise<Uint8Array> {
  let bytes = await signRecall(input, signers[0]!.signer, signers[0]!.certificate!);
  for (const a of signers.slice(1)) bytes = await cosignRecall(bytes, a.signer, a.certificate!);
  return bytes;
}

export function deviceSigner(unit: Provisioned): Signer {
  return loadSigner(join(unit.stateDir, STATE_FILES.deviceKey));
}

export interface Robot {
  handler: RecallHandler;
  outbox: DurableOutbox;
  recallDir: string;
  /** The agent clock the handler sees (seconds); tests move it. */
  clock: { now: number };
  logs: Record<string, unknown>[];
  unit: Provisioned;
  close(): Promise<void>;
}

export interface RobotOptions {
  action?: RecallActionConfig;
  policyFile?: string;
  now?: number;
  extra?: Partial<RecallHandlerDeps>;
}

/** A robot-side recall handler for `unit` over a real durable outbox in its state directory. */
export async function startRobot(pki: RecallPki, unit: Provisioned, opts: RobotOptions = {}): Promise<Robot> {
  const state = unit.stateDir;
  mkdirSync(join(state, 'outbox'), { recursive: true });
  const log = (name: string) =>
    FramedLog.open({ path: join(state, 'outbox', `${name}.log`), quarantineDir: join(state, 'outbox', 'quarantine'), maxBytes: 1 << 20, reserveBytes: 16 << 10, what: name });
  const logs = { event: await log('event'), ack: await log('ack') };
  const outbox = new DurableOutbox(logs, join(state, 'outbox', 'outbox.json'));
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ level: 'debug', base: { code: unit.identity.code.code } }, sink).child({ module: 'recall' });
  const clock = { now: opts.now ?? pki.now };
  const handler = RecallHandler.open({
    identity: unit.identity,
    trust: pki.root.trust,
    device: deviceSigner(unit),
    now: () => clock.now,
    acks: outbox,
    dir: join(state, 'recalls'),
    action: opts.action,
    log: logger,
    policyFile: opts.policyFile,
    ...opts.extra,
  });
  await handler.start();
  return {
    handler,
    outbox,
    recallDir: join(state, 'recalls'),
    clock,
    logs: lines,
    unit,
    async close() {
      await handler.idle();
      await logs.event.close();
      await logs.ack.close();
    },
  };
}

/** Every file under `dir` with its bytes, for "nothing on the robot changed" assertions. */
export function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

export { PROTOCOL_VERSION };
