// `robot-id agent` as the real bundle: a clean start and stop, and each start-up refusal with
// its own exit status and one clear line (docs/operations.md §"Exit statuses").
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_FILES } from '../../sdk/index.js';
import { startAgent } from '../../agent/index.js';
import { makePki, quietLogger, type Pki, type TestUnit } from '../helpers/pki.js';

const BUNDLE = 'dist/robot-id.cjs';
let dir: string;
let pki: Pki;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-agent-start-'));
  pki = await makePki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(unit: TestUnit, extra: Record<string, unknown> = {}): string {
  const file = join(unit.stateDir, '..', `agent-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ stateDir: unit.stateDir, hardwareIdSource: { file: unit.hardwareIdFile }, logLevel: 'warn', ...extra }));
  return file;
}

function runAgent(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [BUNDLE, 'agent', ...args], { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH ?? '', ...env } });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH ?? '', ...env } });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function expectRefusal(r: { status: number | null; stderr: string }, status: number, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(status);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^robot-id agent: refused: /);
  expect(lines[0]).toMatch(pattern);
}

async function waitFor(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('robot-id agent (bundle)', () => {
  it('starts, takes an event through `robot-id event add` (ROBOT_ID_STATE_DIR is enough), stops on SIGTERM with 0', async () => {
    const unit = await pki.provision();
    const child = spawn(process.execPath, [BUNDLE, 'agent', '--config', writeConfig(unit)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = exited(child);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await waitFor(() => existsSync(join(unit.stateDir, 'agent.sock')) || child.exitCode !== null, 'the agent socket');
    expect(child.exitCode, stderr).toBeNull();
    const env = { ROBOT_ID_STATE_DIR: unit.stateDir };
    const a = cli(['event', 'add', '--kind', 'maintenance', '--note', 'filters changed'], env);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout.trim()).toBe('1');
    const b = cli(['event', 'add', '--kind', 'part-replaced', '--technician', 'T-42', '--json'], env);
    expect(JSON.parse(b.stdout)).toMatchObject({ seq: 2 });
    const bad = cli(['event', 'add', '--kind', 'teleported', '--json'], env);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).error.code).toBe('EVENT_INVALID');
    child.kill('SIGTERM');
    expect(await done).toBe(0);
    expect(existsSync(join(unit.stateDir, 'agent.sock'))).toBe(false);
    const gone = cli(['event', 'add', '--kind', 'maintenance'], env);
    expect(gone.status).toBe(3);
    expect(gone.stderr).toMatch(/AGENT_UNREACHABLE/);
  });

  it('10: no valid identity record (unprovisioned directory; record not under the trust store)', async () => {
    const empty = join(dir, 'empty-state');
    expectRefusal(runAgent(['--state-dir', empty]), 10, /no valid identity record: .*layout\.json/);
    const unit = await pki.provision();
    const other = await makePki(join(dir, 'other-pki'));
    other.root.trust.save(join(dir, 'other-trust.json'));
    expectRefusal(runAgent(['--config', writeConfig(unit, { trustStore: join(dir, 'other-trust.json') })]), 10, /TRUST_UNKNOWN_ROOT/);
  });

  it('11: the device key is not the one the record certifies', async () => {
    const unit = await pki.provision();
    const other = await pki.provision();
    copyFileSync(join(other.stateDir, STATE_FILES.deviceKey), join(unit.stateDir, STATE_FILES.deviceKey));
    expectRefusal(runAgent(['--config', writeConfig(unit)]), 11, /device key .* is not the key the identity record/);
  });

  it('12: the hardware identifier does not match the binding (and an unreadable source)', async () => {
    const unit = await pki.provision();
    writeFileSync(unit.hardwareIdFile, 'another-machine\n');
    expectRefusal(runAgent(['--config', writeConfig(unit)]), 12, /hardware binding mismatch/);
    expectRefusal(runAgent(['--config', writeConfig(unit, { hardwareIdSource: { file: join(dir, 'nope') } })]), 12, /hardware identifier unreadable/);
  });

  it('12 with a command source: the hardware id comes from a program', async () => {
    const unit = await pki.provision();
    const ok = writeConfig(unit, { hardwareIdSource: { command: '/bin/cat', args: [unit.hardwareIdFile] }, brokerUrl: undefined });
    const child = spawn(process.execPath, [BUNDLE, 'agent', '--config', ok], { stdio: 'ignore' });
    const done = exited(child);
    await waitFor(() => existsSync(join(unit.stateDir, 'agent.sock')) || child.exitCode !== null, 'the agent socket');
    child.kill('SIGTERM');
    expect(await done).toBe(0);
    expectRefusal(runAgent(['--config', writeConfig(unit, { hardwareIdSource: { command: '/bin/echo', args: ['wrong'] } })]), 12, /hardware binding mismatch/);
  });

  it('14: configuration invalid, every bad key reported in the one line', async () => {
    const unit = await pki.provision();
    const r = runAgent(['--config', writeConfig(unit, { heartbeatIntervalMs: 'soon', maxLogBytes: 10, colour: 'blue' })], { ROBOT_ID_API_TCP_PORT: '99999' });
    expectRefusal(r, 14, /CONFIG_INVALID|configuration invalid/);
    for (const key of ['heartbeatIntervalMs', 'maxLogBytes', 'colour', 'apiTcpPort']) expect(r.stderr).toContain(key);
  });

  it('15: the time floor is unreadable', async () => {
    const unit = await pki.provision();
    writeFileSync(join(unit.stateDir, 'time-floor.json'), '{"floorMs": "yesterday"}');
    expectRefusal(runAgent(['--config', writeConfig(unit)]), 15, /time floor/);
  });

  it('15: refuseClockBehindMs set and the clock far behind the floor', async () => {
    const unit = await pki.provision();
    writeFileSync(join(unit.stateDir, 'time-floor.json'), JSON.stringify({ floorMs: Date.now() + 10 * 86400_000 }));
    expectRefusal(runAgent(['--config', writeConfig(unit, { refuseClockBehindMs: 86400_000 })]), 15, /behind the time floor/);
  });

  it('16 decommissioned and 13 scrapped, once everything was delivered', async () => {
    const unit = await pki.provision();
    const orders = join(dir, 'orders');
    for (const t of ['decommissioned', 'scrapped']) {
      const r = cli(['order', 'sign', '--code', unit.code, '--transition', t, '--key', join(pki.dir, t === 'scrapped' ? 'platform' : 'enterprise'), '--out', `${orders}-${t}.cose`]);
      expect(r.status, r.stderr).toBe(0);
    }
    const agent = await startAgent(unit.config({ registration: 'waived' }), { logger: quietLogger() });
    const { readFileSync, existsSync } = await import('node:fs');
    await agent.submitEvent({ kind: 'commissioned' });
    await agent.submitEvent({ kind: 'decommissioned', order: new Uint8Array(readFileSync(`${orders}-decommissioned.cose`)) });
    // Undelivered events keep a terminal unit running (draining) until the platform confirms them.
    expect(agent.status().draining).toBe(true);
    const stop = agent.stopRequested;
    await agent.outbox.confirm('event', agent.outbox.head('event'));
    expect(await stop).toMatchObject({ exitStatus: 16 });
    await agent.close();
    expectRefusal(runAgent(['--config', writeConfig(unit)]), 16, /decommissioned/);

    // A decommissioned unit's agent does not run: the scrap order is applied offline, and the
    // next start delivers it (draining) before stopping with 13.
    const applied = cli(['order', 'apply', '--order', `${orders}-scrapped.cose`, '--config', writeConfig(unit), '--json']);
    expect(applied.status, applied.stderr + applied.stdout).toBe(0);
    // The command's answer only: no log line of the agent's (the state change) mixed into it.
    expect(applied.stderr).not.toContain('"level"');
    expect(JSON.parse(applied.stdout)).toMatchObject({ seq: 3, kind: 'scrapped', lifecycle: 'scrapped' });
    const again = cli(['order', 'apply', '--order', `${orders}-scrapped.cose`, '--config', writeConfig(unit)]);
    expect(again.status).not.toBe(0);
    const agent2 = await startAgent(unit.config(), { logger: quietLogger() });
    expect(agent2.status()).toMatchObject({ lifecycle: 'scrapped', draining: true, outbox: { depth: 1 } });
    expect(existsSync(join(unit.stateDir, 'device.key'))).toBe(true);
    await agent2.outbox.confirm('event', agent2.outbox.head('event'));
    expect(await agent2.stopRequested).toMatchObject({ exitStatus: 13 });
    await agent2.close();
    // The final scrapped event confirmed, the identity ends: the device key is gone.
    expect(existsSync(join(unit.stateDir, 'device.key'))).toBe(false);
    const unit2 = unit;
    expectRefusal(runAgent(['--config', writeConfig(unit2)]), 13, /scrapped and its device key destroyed; it never returns to service/);
    // Losing the event log does not bring it back: the lifecycle marker remembers.
    rmSync(join(unit2.stateDir, 'events.log'));
    expectRefusal(runAgent(['--config', writeConfig(unit2)]), 13, /scrapped/);
  });
});
