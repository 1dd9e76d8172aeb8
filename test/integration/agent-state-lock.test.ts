/**
 * One process per state directory: a second agent (a real process) on a directory an agent
 * holds is refused with status 17 naming the holder and touches nothing; `order apply` is
 * refused the same way; after the holder is SIGKILLed the kernel has released the lock and
 * the next agent starts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { signOrder } from '../../sdk/index.js';
import { BUNDLE, agentStatus, cli, startAgentProcess, stopAll } from '../helpers/agent-process.js';
import { makePki, type Pki } from '../helpers/pki.js';
import { until } from '../helpers/ingest-recorder.js';

let dir: string;
let pki: Pki;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-state-lock-'));
  pki = await makePki(dir);
});
afterEach(() => stopAll());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runAgentToExit(config: Record<string, unknown>): Promise<{ status: number | null; stderr: string }> {
  const file = join(dir, `second-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [BUNDLE, 'agent', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, stderr })));
}

it('refuses a second agent and order apply while one runs; a SIGKILLed holder releases the lock', async () => {
  const unit = await pki.provision();
  const config = { stateDir: unit.stateDir, hardwareIdSource: { file: unit.hardwareIdFile }, logLevel: 'warn' };
  const socket = join(unit.stateDir, 'agent.sock');
  const first = startAgentProcess(dir, config);
  await until(() => existsSync(socket), 'the first agent is up', 30_000);
  const socketInode = statSync(socket).ino;
  const logBefore = readFileSync(join(unit.stateDir, 'events.log'));

  const second = await runAgentToExit(config);
  expect(second.status).toBe(17);
  expect(second.stderr).toContain(`in use by agent (pid ${first.child.pid}`);
  expect(second.stderr).not.toMatch(/\n\s+at /); // one line, no stack trace
  // The first agent's socket and files are untouched, and it still answers.
  expect(statSync(socket).ino).toBe(socketInode);
  expect(readFileSync(join(unit.stateDir, 'events.log')).equals(logBefore)).toBe(true);
  expect(agentStatus(socket).code).toBe(unit.code);

  // order apply opens the same state: refused the same way, with its typed code.
  const now = Math.floor(Date.now() / 1000);
  const order = await signOrder(pki.platform.signer, pki.platform.certificate!, { code: unit.code, transition: 'decommissioned', orderId: randomBytes(16), issuedAt: now, notAfter: now + 3600 });
  const orderFile = join(dir, 'decommission.order');
  writeFileSync(orderFile, order);
  const applied = cli(['order', 'apply', '--order', orderFile, '--state-dir', unit.stateDir, '--json']);
  expect(applied.status).toBe(1);
  expect(JSON.parse(applied.stdout).error.code).toBe('START_STATE_LOCKED');

  // SIGKILL: no clean-up runs, yet the kernel has released the name.
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const third = startAgentProcess(dir, config);
  await until(() => {
    try {
      return agentStatus(socket).code === unit.code;
    } catch {
      return false;
    }
  }, 'an agent starts after the holder died', 30_000);
  expect(third.child.exitCode).toBeNull();
}, 120_000);
