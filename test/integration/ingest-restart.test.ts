/**
 * The ingest is stopped and started again (same state dir, same persistent client id) while
 * a unit streams events: afterwards no event is stored twice, no gap is reported, and the
 * marks continue where they were.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent } from '../../agent/index.js';
import { FleetIngest } from '../../sdk/index.js';
import { startBroker } from '../helpers/broker.js';
import { makePki, quietLogger } from '../helpers/pki.js';
import { emptyRecord, startIngest, until } from '../helpers/ingest-recorder.js';
import { exactlyOnceProblems, storedCounts } from '../helpers/stored.js';
import { openFilesStore } from '../../platform/index.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('ingest restarted mid-stream', () => {
  it('stores nothing twice and reports no false gaps', async () => {
    const N = 3000;
    const tmp = mkdtempSync(join(tmpdir(), 'rid-ingest-restart-'));
    cleanup.push(async () => rmSync(tmp, { recursive: true, force: true }));
    const broker = await startBroker();
    cleanup.push(() => broker.stop());
    const pki = await makePki(join(tmp, 'pki'));
    const unit = await pki.provision();
    const dir = join(tmp, 'ingest');
    const seen = emptyRecord();
    const first = await startIngest(pki, [unit], broker.url, dir, { into: seen });
    const agent = await startAgent(unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 500 }), {
      logger: quietLogger(),
    });
    cleanup.push(() => agent.close());
    const submitting = (async () => {
      for (let i = 0; i < N; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => agent.submitEvent({ kind: 'fault', note: `f${i + j}` })));
      }
    })();

    await until(() => first.ingest.marksOf(unit.code).event >= 800, 'the first ingest stored some');
    await first.close();
    const storedByFirst = first.ingest.marksOf(unit.code).event;
    // The unit keeps publishing (and resending, with no receipts) while the ingest is away.
    await until(() => agent.outbox.head('event') >= storedByFirst + 500, 'events published while the ingest is down');
    // What a restarted ingest starts from: the marks it persisted, nothing more, nothing less.
    const probe = new FleetIngest({ trust: pki.root.trust, store: openFilesStore(dir) });
    expect(probe.marksOf(unit.code).event).toBe(storedByFirst);
    await probe.close();
    const second = await startIngest(pki, [unit], broker.url, dir, { into: seen });
    cleanup.push(() => second.close());

    await submitting;
    await until(() => agent.outbox.depth() === 0, 'outbox drained', 60_000);
    await second.ingest.flush();
    expect(storedByFirst).toBeLessThan(N);
    expect(second.ingest.marksOf(unit.code).event).toBe(N);
    expect(exactlyOnceProblems(storedCounts(dir, unit.code, 'event'), N)).toEqual([]);
    const emitted = seen.messages.filter((m) => m.kind === 'event').map((m) => m.seq);
    expect(emitted.length).toBe(N);
    expect(new Set(emitted).size).toBe(N);
    if (broker.kind === 'mosquitto') {
      // mosquitto queues for the ingest's persistent session while it is away: nothing is
      // missing, so no gap may be reported. (The aedes fallback did not deliver those messages
      // later, so a real hole opens there and the unit's resends fill it.)
      expect(seen.gaps).toEqual([]);
    }
    expect(seen.chains).toEqual([]);
    expect(seen.rejected.filter((r) => r.kind === 'event')).toEqual([]);
  }, 90_000);
});
