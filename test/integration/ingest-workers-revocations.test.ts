/**
 * A `robot-id fleet ingest` worker on PostgreSQL honours the platform's revocations and re-reads
 * them while it runs, as `fleet watch` does (test/integration/platform-revocations.test.ts):
 * `robot-id revoke --code X` (the real bundle) rewrites the index state the worker was given with
 * --revocations; the running worker then refuses X's messages `MSG_REVOKED`, never storing or
 * receipting them, while the other unit's are stored and receipted; a worker started afterwards
 * on the rewritten list refuses them from its start. Real mosquitto, real agents.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../platform/store/postgres/connect.js';
import { cli } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { refusedAfterRevocation, startWorker, storedEventSeqs, twoUnits } from '../helpers/revoked-worker.js';
import { useWorld } from '../helpers/world.js';

const available = await postgresAvailable();

describe.skipIf(!available)('robot-id fleet ingest --revocations', () => {
  const world = useWorld('rid-ingest-revocations-', { pki: true, database: true });
  it('a worker on PostgreSQL refuses a unit revoked while it runs: never stored, never receipted', async () => {
    const { tmp, broker, database, pki } = world;
    const { x, other, registry, startAgents } = await twoUnits(world);
    // The index state exists from the first revoke on: start from a list naming neither unit.
    const state = join(tmp, 'index-state');
    const stateFile = join(state, 'state.json');
    const first = cli(['revoke', '--code', '86-0000-000000-00000000000000000', '--key', pki.platform.dir, '--state', state, '--broker', broker.url, '--json']);
    expect(first.status, first.stderr + first.stdout).toBe(0);

    const trust = join(pki.root.dir, 'trust.json');
    const { proc: worker, lines } = await startWorker(['--broker', broker.url, '--trust', trust, '--db', database.url, '--group', 'g', '--registry', registry, '--receipt-key', pki.platform.dir, '--revocations', stateFile, '--json']);
    const [ax, aother] = await startAgents();
    await ax.submitEvent({ kind: 'maintenance', note: 'before' });
    await until(() => ax.outbox.confirmed('event') === 1, 'the event of X receipted before the revocation', 30_000);
    expect(lines().some((l) => l.code === x.code && l.reason === 'MSG_REVOKED')).toBe(false);

    const revoked = cli(['revoke', '--code', x.code, '--key', pki.platform.dir, '--state', state, '--broker', broker.url, '--json']);
    expect(revoked.status, revoked.stderr + revoked.stdout).toBe(0);
    // X's heartbeats (every 300 ms) show when the worker re-read the list.
    await until(() => lines().some((l) => l.code === x.code && l.reason === 'MSG_REVOKED'), `the worker reports X revoked (${worker.lines().slice(-5).join(' | ')})`, 30_000);

    await refusedAfterRevocation(ax, x.code, aother, lines);

    const db = await openDb(database.url);
    try {
      const seqs = (code: string): Promise<number[]> => storedEventSeqs(db, code);
      expect(await seqs(x.code)).toEqual([1]);
      expect(await seqs(other.code)).toEqual([1]);
      await worker.stop();

      // A new worker started on the rewritten list refuses X from its start: X's agent is still
      // resending the refused event, the other unit's next one is stored and receipted.
      const { proc: next, lines: nextLines } = await startWorker(['--broker', broker.url, '--trust', trust, '--db', database.url, '--group', 'g', '--registry', registry, '--receipt-key', pki.platform.dir, '--revocations', stateFile, '--json'], 'the new worker');
      await aother.submitEvent({ kind: 'maintenance', note: 'other again' });
      await until(() => aother.outbox.confirmed('event') === 2, "the other unit's second event receipted by the new worker", 30_000);
      await until(() => nextLines().some((l) => l.code === x.code && l.kind === 'event' && l.reason === 'MSG_REVOKED'), "X's event refused as revoked by the new worker", 30_000);
      expect(nextLines().filter((l) => l.code === x.code && l.verified)).toEqual([]);
      expect(ax.outbox.confirmed('event')).toBe(1);
      expect(await seqs(x.code)).toEqual([1]);
      expect(await seqs(other.code)).toEqual([1, 2]);
      await next.stop();
    } finally {
      await db.close();
    }
  }, 120_000);
});
