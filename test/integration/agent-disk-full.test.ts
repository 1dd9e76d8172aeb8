/**
 * A full disk degrades the agent, it does not stop the robot's identity. The state directory
 * is a 2 MiB tmpfs (mounted by the test; root only): once it is full, events are refused with
 * EVENT_LOG_FULL (HTTP 507), heartbeats go on and say `storage: "full"`, nothing half-written is
 * left behind, and once space is freed everything resumes without a restart, the chain unbroken.
 * An agent started on a full disk starts and degrades the same way.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { callAgent, startAgent } from '../../agent/index.js';
import { GENESIS_HASH, entryHash, eventKind, openSign1, toHex } from '../../sdk/index.js';
import { startBroker } from '../helpers/broker.js';
import { emptyRecord, startIngest, until } from '../helpers/ingest-recorder.js';
import { makePki, quietLogger } from '../helpers/pki.js';

const isRoot = process.getuid?.() === 0;
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** Fills the file system at `dir` with one file until it refuses more. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let i = 0; i < 10_000; i++) writeFileSync(filler, chunk, { flag: 'a' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  return filler;
}

function leftovers(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.new'));
}

function chainIsSound(entries: { seq: number; bytes: Uint8Array }[]): void {
  let prev: Uint8Array = GENESIS_HASH;
  for (const [i, e] of entries.entries()) {
    expect(e.seq).toBe(i + 1);
    expect(toHex(openSign1(eventKind, e.bytes).value.prevHash)).toBe(toHex(prev));
    prev = entryHash(e.bytes);
  }
}

it.skipIf(!isRoot)('a full state directory refuses events, keeps heartbeats, and resumes by itself when space returns', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rid-disk-full-'));
  cleanup.push(() => rmSync(tmp, { recursive: true, force: true }));
  const broker = await startBroker();
  cleanup.push(() => broker.stop());
  const pki = await makePki(join(tmp, 'pki'));
  const unit = await pki.provision();
  // The unit's state on its own small file system.
  const provisioned = join(tmp, 'provisioned');
  cpSync(unit.stateDir, provisioned, { recursive: true });
  rmSync(unit.stateDir, { recursive: true });
  mkdirSync(unit.stateDir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', unit.stateDir]);
  cleanup.push(() => void execFileSync('umount', ['-l', unit.stateDir]));
  cpSync(provisioned, unit.stateDir, { recursive: true });

  const seen = emptyRecord();
  const ingest = await startIngest(pki, [unit], broker.url, join(tmp, 'ingest'), { into: seen });
  cleanup.push(() => ingest.close());
  const config = unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 200, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 300 });
  const agent = await startAgent(config, { logger: quietLogger() });
  cleanup.push(() => agent.close());
  const socketPath = join(unit.stateDir, 'agent.sock');
  for (let i = 1; i <= 3; i++) expect((await callAgent({ socketPath }, 'POST', '/v1/events', { kind: 'maintenance', note: `before ${i}` })).status).toBe(201);
  expect(agent.status().storage).toBe('ok');

  const filler = fill(unit.stateDir);
  // The log's last page may still have room for an entry or two; then the disk is full.
  let accepted = 3;
  let refused = await callAgent<{ seq: number; error: { code: string; message: string } }>({ socketPath }, 'POST', '/v1/events', { kind: 'maintenance', note: 'x'.repeat(1000) });
  for (let i = 0; i < 8 && refused.status === 201; i++) {
    accepted = refused.body.seq;
    refused = await callAgent({ socketPath }, 'POST', '/v1/events', { kind: 'maintenance', note: 'x'.repeat(1000) });
  }
  expect(refused.status).toBe(507);
  expect(refused.body.error.code).toBe('EVENT_LOG_FULL');
  expect(refused.body.error.message).toContain('file system is full');
  expect(agent.status().storage).toBe('full');
  // Identity goes on: heartbeats keep coming, verified by the platform, saying so.
  const beatsBefore = seen.messages.filter((m) => m.kind === 'heartbeat').length;
  await until(() => seen.messages.some((m) => m.kind === 'heartbeat' && (m.value as { storage?: string }).storage === 'full'), 'a heartbeat saying storage full');
  expect(seen.messages.filter((m) => m.kind === 'heartbeat').length).toBeGreaterThan(beatsBefore);
  expect(agent.stopRequested).toBeInstanceOf(Promise);
  // The outbox cursor is written off the event loop: a write in flight holds its `.new` for a
  // moment, and a refused one removes it. What must not happen is a `.new` that stays.
  await until(() => leftovers(unit.stateDir).length === 0, 'no .new left behind');

  // Space returns: the next submission succeeds, its seq follows the last durable one.
  rmSync(filler);
  await agent.storage.retryAll();
  const after = await callAgent<{ seq: number }>({ socketPath }, 'POST', '/v1/events', { kind: 'maintenance', note: 'after' });
  expect(after.status).toBe(201);
  expect(after.body.seq).toBe(accepted + 1);
  await agent.storage.retryAll();
  expect(agent.status().storage).toBe('ok');
  chainIsSound(agent.eventLog.read(0, 100));
  await until(() => agent.outbox.confirmed('event') === accepted + 1, 'the platform confirmed everything');
  await agent.close();
  cleanup.pop();

  // Started on a full disk: it starts, degrades, and resumes.
  const filler2 = fill(unit.stateDir);
  const again = await startAgent(config, { logger: quietLogger() });
  cleanup.push(() => again.close());
  expect(again.status().storage).toBe('full');
  expect(again.bootCount).toBeGreaterThan(1_000_000_000); // time-derived: never repeats a stored count
  let refusedAtStart: unknown;
  for (let i = 0; i < 8 && !refusedAtStart; i++) {
    try {
      await again.submitEvent({ kind: 'maintenance', note: 'x'.repeat(1000) });
    } catch (err) {
      refusedAtStart = err;
    }
  }
  expect(refusedAtStart).toMatchObject({ code: 'EVENT_LOG_FULL' });
  const headWhileFull = again.eventLog.head.seq;
  await until(() => seen.messages.some((m) => m.kind === 'heartbeat' && m.boot === again.bootCount), 'heartbeats from the agent started on a full disk');
  rmSync(filler2);
  await again.storage.retryAll();
  expect((await again.submitEvent({ kind: 'maintenance', note: 'space again' })).seq).toBe(headWhileFull + 1);
  await again.storage.retryAll();
  expect(again.status().storage).toBe('ok');
  await until(() => leftovers(unit.stateDir).length === 0, 'no .new left behind');
  chainIsSound(again.eventLog.read(0, 100));
}, 120_000);
