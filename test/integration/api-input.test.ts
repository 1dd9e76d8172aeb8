/**
 * The local API answers bad input as docs/local-api.md says: an unknown field in a maintenance
 * record and `limit=0` are 400 with what was expected; work recorded on a unit that has not
 * entered service says to commission it first. A real agent on its Unix socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callAgent, startAgent, type Agent } from '../../agent/index.js';
import { makePki, quietLogger } from '../helpers/pki.js';

let dir: string;
let agent: Agent;
let socketPath: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-api-input-'));
  const pki = await makePki(dir);
  const unit = await pki.provision();
  agent = await startAgent(unit.config(), { logger: quietLogger() });
  socketPath = join(unit.stateDir, 'agent.sock');
});
afterAll(async () => {
  await agent?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Err = { error: { code: string; message: string } };

it('POST /v1/maintenance with an unknown field is 400 naming the fields it takes; nothing is recorded', async () => {
  const head = agent.eventLog.head.seq;
  const r = await callAgent<Err>({ socketPath }, 'POST', '/v1/maintenance', { technician: 'tech-7', note: 'x', colour: 'red' });
  expect(r.status).toBe(400);
  expect(r.body.error.message).toContain('technician, kind, note');
  expect(r.body.error.message).toContain('colour');
  expect(agent.eventLog.head.seq).toBe(head);
});

it('GET /v1/events?limit=0 is 400: a page holds 1..500 entries', async () => {
  const r = await callAgent<Err>({ socketPath }, 'GET', '/v1/events?limit=0');
  expect(r.status).toBe(400);
  expect(r.body.error.message).toContain('limit: expected an integer 1..500');
});

it('maintenance-started on a unit not yet commissioned says to commission it first', async () => {
  const r = await callAgent<Err>({ socketPath }, 'POST', '/v1/events', { kind: 'maintenance-started' });
  expect(r.status).toBe(409);
  expect(r.body.error).toMatchObject({ code: 'LIFECYCLE_TRANSITION' });
  expect(r.body.error.message).toContain('commission it first');
});
