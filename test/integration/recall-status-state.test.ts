// `recall status --state`: the campaign answered from what the platform published (its
// publisher state), not from what the broker still holds. After a broker wipe (mosquitto
// SIGKILLed and restarted, memory lost) the broker alone knows no campaign; the state still
// lists it, every targeted unit pending, and the broker is named as lacking the notice, asked
// by its exact topic. Real mosquitto, the real CLI.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cli } from '../helpers/agent-process.js';
import { TEST_ENTERPRISE, TEST_MODEL, writeRegistry } from '../helpers/pki.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld('rid-recall-status-state-', { pki: true });

type Status = { counts: Record<string, number>; units: { code: string; state: string }[]; notes: string[]; error?: { code: string } };

it('answers from the publisher state after a broker wipe, naming what the broker lacks', async () => {
  const { tmp, broker, pki } = world;
  const units = [await pki.provision(), await pki.provision()];
  const registry = join(tmp, 'registry.jsonl');
  writeRegistry(registry, units);
  writeFileSync(
    join(tmp, 'notice.json'),
    JSON.stringify({ recallId: 'R-WIPE-1', revision: 1, campaignId: 'C-WIPE', notAfter: Math.floor(Date.now() / 1000) + 86400, action: 'notify', reason: 'r', remedy: 'm', target: { enterprise: TEST_ENTERPRISE, model: TEST_MODEL } }),
  );
  const state = join(tmp, 'publisher');
  expect(cli(['recall', 'sign', '--notice', join(tmp, 'notice.json'), '--key', pki.enterprise.dir, '--out', join(tmp, 'r.cose')]).status).toBe(0);
  const published = cli(['recall', 'publish', join(tmp, 'r.cose'), '--broker', broker.url, '--key', pki.platform.dir, '--state', state]);
  expect(published.status, published.stderr).toBe(0);
  const common = ['--trust', join(pki.root.dir, 'trust.json'), '--registry', registry, '--wait', '2', '--json'];
  const status = (...args: string[]): { code: number | null; body: Status } => {
    const r = cli(['recall', 'status', 'C-WIPE', ...args, ...common]);
    return { code: r.status, body: JSON.parse(r.stdout) as Status };
  };

  const before = status('--state', state, '--broker', broker.url);
  expect(before.code).toBe(0);
  expect(before.body.counts.pending).toBe(2);
  expect(before.body.notes.join(' ')).not.toMatch(/lacks/);

  // The broker loses everything it held in memory.
  await broker.kill('SIGKILL');
  await broker.start();
  const brokerOnly = status('--broker', broker.url);
  expect(brokerOnly.code).toBe(1);
  expect(brokerOnly.body.error?.code).toBe('CAMPAIGN_NOT_FOUND');

  const after = status('--state', state, '--broker', broker.url);
  expect(after.code).toBe(0);
  expect(after.body.counts.pending).toBe(2);
  expect(after.body.units.map((u) => u.code).sort()).toEqual(units.map((u) => u.code).sort());
  expect(after.body.notes.join(' ')).toMatch(/broker lacks .*R-WIPE-1 \(not retained\)/);

  // Without a broker: the state alone answers, and says the broker was not checked.
  const offline = status('--state', state);
  expect(offline.code).toBe(0);
  expect(offline.body.counts.pending).toBe(2);
  expect(offline.body.notes.join(' ')).toMatch(/no --broker/);

  // A republish restores what the broker lacks.
  expect(cli(['recall', 'republish', '--broker', broker.url, '--key', pki.platform.dir, '--state', state]).status).toBe(0);
  expect(status('--state', state, '--broker', broker.url).body.notes.join(' ')).not.toMatch(/lacks/);
}, 120_000);
