/**
 * `robot-id health` (the Docker HEALTHCHECK) against a real agent process and a real broker:
 * healthy while the broker confirms heartbeats; unhealthy (exit 1) once nothing has been
 * confirmed for longer than healthMultiple x heartbeatIntervalMs after the broker is killed;
 * healthy again when it is back; unreachable (exit 3) when the agent is gone.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, type Proc } from '../helpers/agent-process.js';
import type { TestUnit } from '../helpers/pki.js';
import { eventually, json, robotId, waitForAgent, type CliResult } from '../helpers/technician.js';
import { useWorld } from '../helpers/world.js';

const HEARTBEAT_MS = 200;
const MULTIPLE = 4;
const world = useWorld('health-', { pki: true });
let unit: TestUnit;
let agent: Proc;
let socket: string;

interface Verdict {
  healthy: boolean;
  reason?: string;
  lastConfirmedAt?: number;
  sinceProgressMs: number;
  limitMs: number;
}

const health = (): Promise<CliResult> => robotId(['health', '--agent', socket, '--json']);

beforeAll(async () => {
  unit = await world.pki.provision();
  socket = join(unit.stateDir, 'agent.sock');
  agent = startAgentProcess(world.tmp, {
    stateDir: unit.stateDir,
    hardwareIdSource: { file: unit.hardwareIdFile },
    brokerUrl: world.broker.url,
    heartbeatIntervalMs: HEARTBEAT_MS,
    healthMultiple: MULTIPLE,
    reconnectMinMs: 100,
    reconnectMaxMs: 500,
    logLevel: 'warn',
  });
  await waitForAgent(socket);
}, 60_000);

describe('robot-id health', () => {
  it('is healthy once the broker confirms heartbeats', async () => {
    const v = await eventually('a confirmed heartbeat', async () => {
      const r = await health();
      const body = json<Verdict>(r);
      return r.status === 0 && body.lastConfirmedAt !== undefined ? body : undefined;
    });
    expect(v).toMatchObject({ healthy: true, limitMs: HEARTBEAT_MS * MULTIPLE });
    const readable = await robotId(['health', '--agent', socket]);
    expect(readable.status).toBe(0);
    expect(readable.stdout.split('\n')[0]).toBe('healthy');
  });

  it('turns unhealthy when the broker has been gone longer than the configured time, and recovers', async () => {
    const { broker } = world;
    await broker.kill('SIGKILL');
    const bad = await eventually('health to fail', async () => {
      const r = await health();
      return r.status === 1 ? json<Verdict>(r) : undefined;
    });
    expect(bad.healthy).toBe(false);
    // It failed only because the configured window passed without a confirmation.
    expect(bad.sinceProgressMs).toBeGreaterThan(bad.limitMs);
    expect(bad.reason).toMatch(/no heartbeat acknowledged and no receipt/);
    const readable = await robotId(['health', '--agent', socket]);
    expect(readable.status).toBe(1);
    expect(readable.stdout).toMatch(/^unhealthy: no heartbeat acknowledged and no receipt/);
    const status = json(await robotId(['status', '--agent', socket, '--json']));
    expect(status.health).toMatchObject({ healthy: false });

    await broker.start();
    await eventually('health to recover', async () => ((await health()).status === 0 ? true : undefined), 30_000);
  });

  it('exits 3 when the agent cannot be reached', async () => {
    await agent.stop();
    const r = await health();
    expect(r.status).toBe(3);
    expect(json<{ error: { code: string } }>(r).error.code).toBe('AGENT_UNREACHABLE');
  });
});
