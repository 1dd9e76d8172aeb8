/**
 * docs/local-api.md §"GET /v1/status" lists every top-level key of the answer: this test holds
 * the table and a real agent's answer (over its Unix socket, with a broker) to each other, both
 * ways, so the document can neither promise a field nor miss one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { callAgent, startAgent, type Agent } from '../../agent/index.js';
import { quietLogger } from '../helpers/pki.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld('rid-status-doc-', { pki: true });
let agent: Agent | undefined;
let socketPath: string;
world.cleanup(() => agent?.close());
beforeAll(async () => {
  const unit = await world.pki.provision();
  agent = await startAgent(unit.config({ brokerUrl: world.broker.url }), { logger: quietLogger() });
  socketPath = join(unit.stateDir, 'agent.sock');
});

/** The keys of the status table: `name` always present, `name?` only sometimes. */
function documentedKeys(): { always: string[]; sometimes: string[] } {
  const doc = readFileSync(new URL('../../docs/local-api.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### GET /v1/status'), doc.indexOf('### GET /v1/events'));
  const keys = [...section.matchAll(/^\| (`[^|]+`) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([A-Za-z]+\??)`/g)].map((k) => k[1]!));
  return { always: keys.filter((k) => !k.endsWith('?')), sometimes: keys.filter((k) => k.endsWith('?')).map((k) => k.slice(0, -1)) };
}

it('every documented key is in a real answer, and every key of the answer is documented', async () => {
  const r = await callAgent<Record<string, unknown>>({ socketPath }, 'GET', '/v1/status');
  expect(r.status).toBe(200);
  const { always, sometimes } = documentedKeys();
  expect(always.length).toBeGreaterThan(10);
  const real = Object.keys(r.body);
  expect(always.filter((k) => !real.includes(k))).toEqual([]);
  expect(real.filter((k) => !always.includes(k) && !sometimes.includes(k))).toEqual([]);
});
