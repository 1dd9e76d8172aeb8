/**
 * A throwaway PKI for tests, made with the real SDK: a root (country 86), an enterprise
 * (1234, identity/recall/order roles), a platform key (order, recall, receipt, index, registration roles),
 * and `provision()` to make provisioned units with a hardware-id file, ready for the agent.
 *
 *   const pki = await makePki(tmp);
 *   const unit = await pki.provision();
 *   const agent = await startAgent(unit.config({ heartbeatIntervalMs: 500 }), { logger: quietLogger() });
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { ENTERPRISE_DEFAULT_ROLES, ROLES, certify, initRoot, provisionUnit, type Authority, type VerifiedIdentity } from '../../sdk/index.js';
import { loadConfig, type AgentConfig } from '../../agent/index.js';
import type { ConfigInput } from '../../agent/config/index.js';

export const TEST_ENTERPRISE = '1234';
export const TEST_MODEL = '567890';

export interface TestUnit {
  code: string;
  stateDir: string;
  /** The file the unit's hardware identifier is read from (hardwareIdSource). */
  hardwareIdFile: string;
  hardwareId: string;
  identity: VerifiedIdentity;
  /** A validated agent configuration for this unit (no environment read); socket in stateDir. */
  config(overrides?: ConfigInput): Readonly<AgentConfig>;
}

export interface Pki {
  dir: string;
  root: Authority;
  enterprise: Authority;
  platform: Authority;
  /** Provisions one unit; default code 86 1234 567890 + a fresh 17-digit serial. */
  provision(code?: string, options?: { modelName?: string; hardwareId?: string; alg?: number }): Promise<TestUnit>;
}

/**
 * Key algorithms (COSE alg) of the test PKI: `alg` for every key, or one per authority; a unit's
 * device key follows `device` (default: `alg`) unless provision() names one.
 */
export interface PkiOptions {
  alg?: number;
  root?: number;
  enterprise?: number;
  platform?: number;
  device?: number;
}

let serial = 0;

export function testCode(n?: number): string {
  const s = n ?? (Date.now() % 1e9) * 100 + (serial++ % 100);
  return `86${TEST_ENTERPRISE}${TEST_MODEL}${String(s).padStart(17, '0')}`;
}

export async function makePki(dir: string, options: PkiOptions = {}): Promise<Pki> {
  mkdirSync(dir, { recursive: true });
  const alg = (which: 'root' | 'enterprise' | 'platform' | 'device'): number | undefined => options[which] ?? options.alg;
  const root = initRoot({ dir: join(dir, 'root'), country: '86', alg: alg('root') });
  const enterprise = await certify({ root, dir: join(dir, 'enterprise'), subjectKind: 'enterprise', subject: TEST_ENTERPRISE, name: 'Test Robotics', roles: [...ENTERPRISE_DEFAULT_ROLES], alg: alg('enterprise') });
  const platform = await certify({
    root,
    alg: alg('platform'),
    dir: join(dir, 'platform'),
    subjectKind: 'platform',
    subject: 'test-platform',
    name: 'test-platform',
    roles: [ROLES.orderIssue, ROLES.recallIssue, ROLES.receiptSign, ROLES.indexSign, ROLES.registrationIssue],
  });
  let units = 0;
  return {
    dir,
    root,
    enterprise,
    platform,
    async provision(code = testCode(), unitOptions = {}) {
      const options: { modelName?: string; hardwareId?: string; alg?: number } = unitOptions;
      const unitDir = join(dir, `unit-${++units}`);
      const stateDir = join(unitDir, 'state');
      const hardwareId = options.hardwareId ?? randomBytes(16).toString('hex');
      const hardwareIdFile = join(unitDir, 'machine-id');
      mkdirSync(unitDir, { recursive: true });
      writeFileSync(hardwareIdFile, hardwareId + '\n');
      const p = await provisionUnit({ enterprise, code, modelName: options.modelName ?? 'Test Humanoid', hardwareId, stateDir, alg: options.alg ?? alg('device') });
      return {
        code: p.identity.code.code,
        stateDir,
        hardwareIdFile,
        hardwareId,
        identity: p.identity,
        config: (overrides = {}) => loadConfig({ env: {}, overrides: { stateDir, hardwareIdSource: { file: hardwareIdFile }, logLevel: 'silent', ...overrides } }),
      };
    },
  };
}

/** A logger that writes nowhere (or collects JSON lines into `lines` when given). */
export function quietLogger(lines?: object[]): Logger {
  if (!lines) return pino({ level: 'silent' });
  return pino({ level: 'trace' }, { write: (s: string) => void lines.push(JSON.parse(s) as object) });
}

/** Writes a registry file (`--registry`: one JSON line per unit, its code and identity record in base64). */
export function writeRegistry(file: string, units: readonly TestUnit[]): void {
  writeFileSync(file, units.map((u) => JSON.stringify({ code: u.code, identity: Buffer.from(u.identity.bytes).toString('base64') })).join('\n') + '\n');
}
