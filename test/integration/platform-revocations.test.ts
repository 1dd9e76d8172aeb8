/**
 * The platform honours its own revocations. `robot-id revoke --code X` (the real bundle) writes
 * the platform's index state; a running `fleet watch --revocations <that state>` picks it up and
 * reports X's messages `MSG_REVOKED`, never storing or receipting them, while other units go
 * on; `verify --revocations` calls X's record invalid. Real mosquitto, real agents.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cli, startProc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { twoUnits } from '../helpers/revoked-worker.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld('rid-platform-revocations-', { pki: true });

type Line = { code?: string; kind: string; verified: boolean; reason?: string; seq?: number };

it('a revoked unit is reported revoked by the running ingest, never receipted; verify calls its record invalid', async () => {
  const { tmp, broker, pki } = world;
  const { x, other, registry, startAgents } = await twoUnits(world);
  const state = join(tmp, 'index-state');
  // The index state exists from the first revoke on; start from an empty list.
  const stateFile = join(state, 'state.json');
  writeFileSync(join(tmp, 'none.json'), JSON.stringify({ keys: [], codes: [] }));
  const first = cli(['revoke', '--code', '86-0000-000000-00000000000000000', '--key', pki.platform.dir, '--state', state, '--broker', broker.url, '--json']);
  expect(first.status, first.stderr + first.stdout).toBe(0);

  const watch = startProc(['fleet', 'watch', '--broker', broker.url, '--trust', join(pki.root.dir, 'trust.json'), '--registry', registry, '--state', join(tmp, 'ingest'), '--receipt-key', pki.platform.dir, '--revocations', stateFile, '--client-id', 'revocation-test-ingest', '--json']);
  const lines = (): Line[] => watch.lines().flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Line] : []));
  const [ax, aother] = await startAgents();
  await ax.submitEvent({ kind: 'maintenance', note: 'before' });
  await until(() => ax.outbox.confirmed('event') === 1, 'the event of X receipted before the revocation', 30_000);

  const revoked = cli(['revoke', '--code', x.code, '--key', pki.platform.dir, '--state', state, '--broker', broker.url, '--json']);
  expect(revoked.status, revoked.stderr + revoked.stdout).toBe(0);
  await until(() => lines().some((l) => l.code === x.code && l.reason === 'MSG_REVOKED'), 'the ingest reports X revoked', 30_000);

  // X's new event is refused and never confirmed; the other unit's is stored and receipted.
  await ax.submitEvent({ kind: 'maintenance', note: 'after' });
  await aother.submitEvent({ kind: 'maintenance', note: 'other' });
  await until(() => lines().some((l) => l.code === x.code && l.kind === 'event' && l.reason === 'MSG_REVOKED'), "X's event refused as revoked", 30_000);
  await until(() => aother.outbox.confirmed('event') === 1, "the other unit's event receipted", 30_000);
  expect(ax.outbox.confirmed('event')).toBe(1);
  expect(lines().filter((l) => l.code === x.code && l.kind === 'event' && l.verified).map((l) => l.seq)).toEqual([1]);

  const v = cli(['verify', x.stateDir, '--trust', join(pki.root.dir, 'trust.json'), '--revocations', stateFile, '--json']);
  expect(v.status).toBe(1);
  expect(JSON.parse(v.stdout)).toMatchObject({ valid: false, error: { code: 'TRUST_REVOKED' } });
  expect(cli(['verify', other.stateDir, '--trust', join(pki.root.dir, 'trust.json'), '--revocations', stateFile, '--json']).status).toBe(0);
}, 120_000);
