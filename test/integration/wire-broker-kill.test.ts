/**
 * The broker dies while thousands of events are in flight: SIGKILL (everything it held in
 * memory is lost) and SIGTERM. The outbox must be non-empty at the kill, the link must resend,
 * and the ingest must end with every accepted event stored exactly once (counted in its store
 * file, not just in its marks).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/index.js';
import { wireOf } from '../../agent/link/module.js';
import type { IngestConnection } from '../../platform/index.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { makePki, quietLogger } from '../helpers/pki.js';
import { record, startIngest, until } from '../helpers/ingest-recorder.js';
import { exactlyOnceProblems, storedCounts } from '../helpers/stored.js';

const N = 5000;
let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe.each(['SIGKILL', 'SIGTERM'] as const)('broker %s with events in flight', (signal) => {
  it('every accepted event reaches the ingest exactly once', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rid-kill-'));
    cleanup.push(async () => rmSync(tmp, { recursive: true, force: true }));
    const broker: TestBroker = await startBroker();
    cleanup.push(() => broker.stop());
    const pki = await makePki(join(tmp, 'pki'));
    const unit = await pki.provision();
    const ingestDir = join(tmp, 'ingest');
    const ingest: IngestConnection = await startIngest(pki, [unit], broker.url, ingestDir);
    cleanup.push(() => ingest.close());
    const seen = record(ingest);
    const agent: Agent = await startAgent(
      unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 1000, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 700 }),
      { logger: quietLogger() },
    );
    cleanup.push(() => agent.close());
    await until(() => wireOf(agent)?.link.connected === true, 'agent connected');

    // Submit in concurrent batches (group commit), without waiting for delivery.
    const submitting = (async () => {
      for (let i = 0; i < N; i += 500) {
        await Promise.all(Array.from({ length: Math.min(500, N - i) }, (_, j) => agent.submitEvent({ kind: 'maintenance', note: `e${i + j}` })));
      }
    })();
    await until(() => ingest.ingest.marksOf(unit.code).event >= 600 && agent.outbox.depth() >= 1000, 'some events stored, a thousand unconfirmed');
    const depthAtKill = agent.outbox.depth();
    const storedAtKill = ingest.ingest.marksOf(unit.code).event;
    await broker.kill(signal);
    await new Promise((r) => setTimeout(r, 300));
    await broker.start();
    await submitting;

    await until(() => agent.outbox.depth() === 0, 'outbox drained after the broker came back', 60_000);
    const wire = wireOf(agent)!;
    expect(depthAtKill).toBeGreaterThanOrEqual(1000);
    expect(storedAtKill).toBeLessThan(N);
    expect(wire.link.stats.connects).toBeGreaterThanOrEqual(2);
    expect(wire.sender.stats.resent).toBeGreaterThan(0);
    expect(agent.outbox.confirmed('event')).toBe(N);

    await ingest.ingest.flush();
    expect(ingest.ingest.marksOf(unit.code).event).toBe(N);
    expect(exactlyOnceProblems(storedCounts(ingestDir, unit.code, 'event'), N)).toEqual([]);
    const emitted = seen.messages.filter((m) => m.kind === 'event').map((m) => m.seq);
    expect(new Set(emitted).size).toBe(N);
    expect(emitted.length).toBe(N);
    expect(seen.chains).toEqual([]);
    expect(seen.rejected).toEqual([]);
  }, 90_000);
});
