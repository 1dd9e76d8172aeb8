/**
 * The fleet simulation runs end to end against the test broker: 20 robots with the agent's
 * real link, presence, outbox, receipts, recall sync and recall handler, one model-scope
 * recall, and every unit's acknowledgement verified by the ingest and counted 'applied' by the
 * campaign status. Correctness only: timings are printed by the simulation, never asserted.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { useWorld } from '../helpers/world.js';

const world = useWorld('fleet-sim-smoke-');

function runSim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/fleet-sim/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

it('20 simulated robots each verify, apply and acknowledge one recall, counted by the campaign status', async () => {
  const { broker, tmp: stateRoot } = world;
  const { code, stdout, stderr } = await runSim(['--robots', '20', '--workers', '2', '--broker', broker.url, '--state-root', stateRoot, '--ack-timeout-s', '60', '--json', '--quiet']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    robots: number;
    workers: number;
    acknowledged: number;
    campaignApplied: number;
    robotVerified?: { count: number };
    ackApplied?: { count: number };
  };
  expect(result).toMatchObject({ robots: 20, workers: 2, acknowledged: 20, campaignApplied: 20 });
  expect(result.robotVerified?.count).toBe(20);
  expect(result.ackApplied?.count).toBe(20);
  // Every robot's state dir and every worker are gone: the simulation cleans up after itself.
  expect(readdirSync(stateRoot)).toEqual([]);
}, 120_000);
