/**
 * Certificate expiry as units report it (heartbeat label 20) and the platform lists it: two
 * units over mosquitto, one whose enterprise certificate ends in 10 days, one with the default
 * 5 years; the real ingest (`fleet watch --state`) keeps what their heartbeats said, and
 * `fleet units --state expiring [--days N]` lists only the units inside the window.
 * `robot-id status` on the unit shows the days left.
 */
import { writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { agentStatus, cli, ingestListening, ok, startAgentProcess, startProc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld('rid-cert-expiry-');

type Row = { code: string; certExpiry?: { kind: string; daysLeft: number }; rootVersion?: number };

it('units report their nearest certificate expiry; fleet units --state expiring lists those within the window', async () => {
  const { tmp, broker, p } = world;
  ok(cli(['root', 'init', '--country', '86', '--out', p('root')]));
  ok(cli(['enterprise', 'certify', '--root', p('root'), '--enterprise', '1234', '--name', 'Short', '--out', p('ent-short'), '--valid-days', '10']));
  ok(cli(['enterprise', 'certify', '--root', p('root'), '--enterprise', '5678', '--name', 'Long', '--out', p('ent-long')]));
  ok(cli(['platform', 'certify', '--root', p('root'), '--role', 'receipt', '--name', 'ingest', '--out', p('plat')]));
  const registry = p('registry.jsonl');
  const units = [
    { code: '86123456789000000000000000101', ent: 'ent-short' },
    { code: '86567856789000000000000000102', ent: 'ent-long' },
  ];
  for (const u of units) {
    writeFileSync(p(`hw-${u.code}`), `hw-${u.code}\n`);
    ok(cli(['provision', '--enterprise', p(u.ent), '--code', u.code, '--model-name', 'H', '--hardware-id', `hw-${u.code}`, '--state-dir', p(u.code), '--registry', registry]));
  }
  const ingest = p('ingest');
  const trust = p('root/trust.json');
  const watch = startProc(['fleet', 'watch', '--broker', broker.url, '--trust', trust, '--registry', registry, '--state', ingest, '--receipt-key', p('plat'), '--client-id', 'expiry-ingest', '--json']);
  await ingestListening(broker.url, () => watch.lines());
  for (const u of units) {
    startAgentProcess(tmp, { stateDir: p(u.code), hardwareIdSource: { file: p(`hw-${u.code}`) }, brokerUrl: broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400 });
  }
  const list = (...extra: string[]) => JSON.parse(ok(cli(['fleet', 'units', '--ingest', ingest, '--registry', registry, '--trust', trust, '--json', ...extra]))) as Row[];
  // The snapshot is written every few seconds: wait until both units' expiry is in it.
  await until(() => list().filter((r) => r.certExpiry).length === 2, 'both units reported their expiry to the ingest', 30_000);
  const all = list();
  expect(all.find((r) => r.code === units[0]!.code)?.certExpiry).toMatchObject({ kind: 'enterprise' });
  expect(all.find((r) => r.code === units[0]!.code)!.certExpiry!.daysLeft).toBeLessThanOrEqual(10);
  expect(all.every((r) => r.rootVersion === 1)).toBe(true);

  expect(list('--state', 'expiring').map((r) => r.code)).toEqual([units[0]!.code]);
  expect(list('--state', 'expiring', '--days', '3').map((r) => r.code)).toEqual([]);
  expect(list('--state', 'expiring', '--days', '3650').map((r) => r.code).sort()).toEqual(units.map((u) => u.code).sort());
  const misuse = cli(['fleet', 'units', '--ingest', ingest, '--registry', registry, '--trust', trust, '--days', '3']);
  expect(misuse.status).toBe(2);

  // On the unit: the status says how many days are left, and GET /v1/status carries them.
  const socket = p(units[0]!.code, 'agent.sock');
  expect(ok(cli(['status', '--agent', socket]))).toMatch(/enterprise expires: +1234: (9|10) days left/);
  const section = (agentStatus(socket) as { trust: { expiry: { nearest: { kind: string; daysLeft: number } } } }).trust;
  expect(section.expiry.nearest.kind).toBe('enterprise');
}, 120_000);
