// A real SIGKILL of the agent (the bundle) during a burst of submissions over its socket:
// after a restart, every event the agent acknowledged is in the log with the hash it reported,
// and the chain is sound.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { entryHash, toHex } from '../../sdk/index.js';
import { callAgent, startAgent } from '../../agent/index.js';
import { makePki, quietLogger, type Pki } from '../helpers/pki.js';

let dir: string;
let pki: Pki;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-agent-kill-'));
  pki = await makePki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps every acknowledged event through SIGKILL mid-burst', async () => {
  const unit = await pki.provision();
  const config = join(dir, 'agent.json');
  writeFileSync(config, JSON.stringify({ stateDir: unit.stateDir, hardwareIdSource: { file: unit.hardwareIdFile }, logLevel: 'warn' }));
  const child = spawn(process.execPath, ['dist/robot-id.cjs', 'agent', '--config', config], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
  const socketPath = join(unit.stateDir, 'agent.sock');
  for (let i = 0; i < 300 && !existsSync(socketPath); i++) await new Promise((r) => setTimeout(r, 50));
  expect(existsSync(socketPath)).toBe(true);

  const acked = new Map<number, string>();
  let failures = 0;
  let killed = false;
  const worker = async (w: number): Promise<void> => {
    // Submitters go on until the dead agent fails them: a group commit answers all of them in
    // one tick, so stopping at the kill would leave no request in flight.
    for (let i = 0; ; i++) {
      try {
        const r = await callAgent<{ seq: number; hash: string }>({ socketPath }, 'POST', '/v1/events', { kind: 'maintenance', note: `w${w} #${i}` }, 5000);
        if (r.status === 201) acked.set(r.body.seq, r.body.hash);
        if (acked.size >= 400 && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      } catch {
        failures++;
        if (killed) return;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
  expect(await exited).toBe('SIGKILL');
  expect(acked.size).toBeGreaterThanOrEqual(400);
  // Requests were in flight when the agent died.
  expect(failures).toBeGreaterThan(0);

  // Restart in-process on the same state directory.
  const agent = await startAgent(unit.config(), { logger: quietLogger() });
  try {
    expect(agent.eventLog.breaks).toEqual([]);
    const store = agent.eventLog.store;
    for (const [seq, hash] of acked) {
      const bytes = store.get(seq);
      expect(bytes, `acknowledged seq ${seq}`).toBeDefined();
      expect(toHex(entryHash(bytes!))).toBe(hash);
    }
    expect(agent.eventLog.head.seq).toBeGreaterThanOrEqual(Math.max(...acked.keys()));
    // No checkpoint covered the burst (one is written every 4 MiB): the whole chain was checked.
    expect(agent.status().recovery.entriesScanned).toBe(agent.eventLog.head.seq);
    // The log goes on.
    const next = await agent.submitEvent({ kind: 'fault', note: 'after the kill' });
    expect(next.seq).toBe(agent.eventLog.head.seq);
  } finally {
    await agent.close();
  }
  // A clean stop leaves a checkpoint at the head: the next start checks no entry again.
  expect(existsSync(join(unit.stateDir, 'events.checkpoint.json'))).toBe(true);
  const again = await startAgent(unit.config(), { logger: quietLogger() });
  try {
    expect(again.status().recovery.entriesScanned).toBe(0);
    expect(again.eventLog.breaks).toEqual([]);
    expect(again.eventLog.head.seq).toBeGreaterThan(400);
  } finally {
    await again.close();
  }
});
