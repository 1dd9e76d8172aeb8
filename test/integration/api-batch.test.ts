// POST /v1/events/batch: a burst of events in one request, all durable before the answer, in
// the order given; a malformed one refuses the whole batch before anything is recorded; a
// refusal by the unit's rules names the events that were recorded. Real agent, real socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callAgent, startAgent, type Agent } from '../../agent/index.js';
import { makePki, quietLogger, type Pki } from '../helpers/pki.js';

let dir: string;
let pki: Pki;
let agent: Agent;
type Answer = { events: { seq: number; kind: string }[]; error: { code: string; message: string }; recorded: { index: number; seq: number }[] };
const post = (body: unknown) => callAgent<Answer>({ socketPath: agent.config.socketPath }, 'POST', '/v1/events/batch', body);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-api-batch-'));
  pki = await makePki(dir);
  agent = await startAgent((await pki.provision()).config(), { logger: quietLogger() });
});
afterAll(async () => {
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
});

it('records every event of a batch, in order, durable before the answer', async () => {
  const before = agent.eventLog.head.seq;
  const r = await post({ events: [{ kind: 'maintenance', note: 'a' }, { kind: 'fault', note: 'b' }, { kind: 'part-replaced', technician: 'T-1' }] });
  expect(r.status).toBe(201);
  expect(r.body.events.map((e) => [e.seq, e.kind])).toEqual([
    [before + 1, 'maintenance'],
    [before + 2, 'fault'],
    [before + 3, 'part-replaced'],
  ]);
  expect(agent.eventLog.head.seq).toBe(before + 3);
  expect(agent.eventLog.read(before, 3).map((e) => e.seq)).toEqual([before + 1, before + 2, before + 3]);
});

it('refuses a malformed batch whole, naming the bad event, before recording anything', async () => {
  const before = agent.eventLog.head.seq;
  const bad = await post({ events: [{ kind: 'maintenance' }, { kind: 'maintenance', colour: 'red' }] });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toMatch(/events\[1\]: unexpected fields: colour/);
  for (const body of [{ events: [] }, { events: Array.from({ length: 257 }, () => ({ kind: 'maintenance' })) }, { events: {} }, [{ kind: 'maintenance' }], { events: [{ kind: 'maintenance' }], more: 1 }]) {
    const r = await post(body);
    expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(400);
    expect(r.body.error.code).toBe('BAD_REQUEST');
  }
  expect(agent.eventLog.head.seq).toBe(before);
});

it("a refusal by the unit's rules answers with its code and names what was recorded", async () => {
  const before = agent.eventLog.head.seq;
  // maintenance-finished is not allowed from manufactured; the two records around it are.
  const r = await post({ events: [{ kind: 'maintenance' }, { kind: 'maintenance-finished' }, { kind: 'fault' }] });
  expect(r.status).toBe(409);
  expect(r.body.error).toMatchObject({ code: 'LIFECYCLE_TRANSITION' });
  expect(r.body.error.message).toMatch(/^events\[1\]: /);
  expect(r.body.recorded.map((x) => x.index)).toEqual([0, 2]);
  expect(agent.eventLog.head.seq).toBe(before + 2);
});
