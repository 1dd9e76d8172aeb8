// "No code, no market access" on the unit: entering service needs a registration order from
// the platform; a used unit registered again is a resale the root's policy decides; refused
// attempts leave a signed trace. Real agent over its socket, real keys and orders.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, openSign1, orderKind, signOrder, signPolicy, toHex, type Authority, type OrderSubject, type TransferRule } from '../../sdk/index.js';
import { callAgent, startAgent, type Agent } from '../../agent/index.js';
import { makePki, quietLogger, type Pki, type TestUnit } from '../helpers/pki.js';

let dir: string;
let pki: Pki;

type Answer = { seq: number; error: { code: string; message: string } } & Record<string, unknown>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-agent-reg-'));
  pki = await makePki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function order(by: Authority, code: string, transition: OrderSubject, reg: { operator?: Uint8Array; region?: string } = {}): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const fields = transition === 'registered' ? { operator: reg.operator ?? new Uint8Array(randomBytes(16)), region: reg.region ?? '310115' } : {};
  const bytes = await signOrder(by.signer, by.certificate!, { code, transition, orderId: new Uint8Array(randomBytes(16)), issuedAt, notAfter: issuedAt + 3600, ...fields });
  return Buffer.from(bytes).toString('base64');
}

async function policyFile(transfers: TransferRule, version = 1): Promise<string> {
  const file = join(dir, `policy-${transfers}-${version}.cose`);
  writeFileSync(file, await signPolicy(pki.root.signer, { country: '86', version, issuedAt: Math.floor(Date.now() / 1000), thresholds: { ...DEFAULT_THRESHOLDS }, transfers }));
  return file;
}

async function withAgent(unit: TestUnit, overrides: object, fn: (agent: Agent, post: (body: unknown) => Promise<{ status: number; body: Answer }>) => Promise<void>): Promise<void> {
  const agent = await startAgent(unit.config(overrides), { logger: quietLogger() });
  const post = (body: unknown) => callAgent<Answer>({ socketPath: agent.config.socketPath }, 'POST', '/v1/events', body);
  try {
    await fn(agent, post);
  } finally {
    await agent.close();
  }
}

describe('registration before operation', () => {
  it('commissioning is refused until the unit holds a platform registration, which survives a restart', async () => {
    const unit = await pki.provision();
    await withAgent(unit, {}, async (agent, post) => {
      const refused = await post({ kind: 'commissioned' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('REGISTRATION_REQUIRED');
      expect(refused.body.error.message).toMatch(/order sign --transition registered/);
      expect((await post({ kind: 'registered' })).body.error.code).toBe('ORDER_REQUIRED');
      // The enterprise signs orders, not registrations: that is the platform's role.
      const byEnterprise = await post({ kind: 'registered', order: await order(pki.enterprise, unit.code, 'registered') });
      expect(byEnterprise.body.error.code).toBe('ORDER_INVALID');
      expect(byEnterprise.body.error.message).toMatch(/registration\.issue/);
      // A decommission order is not a registration.
      const wrong = await post({ kind: 'registered', order: await order(pki.platform, unit.code, 'decommissioned') });
      expect(wrong.body.error.message).toMatch(/needs a registered order/);
      expect(agent.lifecycle.registration).toBeUndefined();
    });
    const operator = new Uint8Array(randomBytes(16));
    await withAgent(unit, {}, async (agent, post) => {
      expect((await post({ kind: 'commissioned' })).body.error.code).toBe('REGISTRATION_REQUIRED');
      expect((await post({ kind: 'registered', order: await order(pki.platform, unit.code, 'registered', { operator, region: '440305' }) })).status).toBe(201);
      expect(agent.lifecycle.registration).toMatchObject({ operator: toHex(operator), region: '440305' });
    });
    await withAgent(unit, {}, async (agent, post) => {
      // Replayed from the signed log on start.
      expect(agent.lifecycle.registration).toMatchObject({ operator: toHex(operator), region: '440305' });
      expect((await post({ kind: 'commissioned' })).status).toBe(201);
      expect(agent.lifecycle.state).toBe('in-service');
    });
  });

  it('a unit not yet in service may be registered again (a correction before sale completes)', async () => {
    const unit = await pki.provision();
    await withAgent(unit, {}, async (agent, post) => {
      expect((await post({ kind: 'registered', order: await order(pki.platform, unit.code, 'registered', { region: '110101' }) })).status).toBe(201);
      expect((await post({ kind: 'registered', order: await order(pki.platform, unit.code, 'registered', { region: '110102' }) })).status).toBe(201);
      expect(agent.lifecycle.registration?.region).toBe('110102');
    });
  });

  it('waived by configuration, commissioning goes ahead and the heartbeat says so', async () => {
    const unit = await pki.provision();
    await withAgent(unit, { registration: 'waived' }, async (agent, post) => {
      expect((await post({ kind: 'commissioned' })).status).toBe(201);
      expect(agent.config.registration).toBe('waived');
    });
  });
});

describe('no resale', () => {
  async function inService(unit: TestUnit, overrides: object = {}): Promise<void> {
    await withAgent(unit, overrides, async (_agent, post) => {
      expect((await post({ kind: 'registered', order: await order(pki.platform, unit.code, 'registered') })).status).toBe(201);
      expect((await post({ kind: 'commissioned' })).status).toBe(201);
    });
  }

  it('forbidden (no policy: the scheme default): a second registration of a used unit is refused and recorded', async () => {
    const unit = await pki.provision();
    await inService(unit);
    await withAgent(unit, {}, async (agent, post) => {
      const held = agent.lifecycle.registration;
      const resale = await order(pki.platform, unit.code, 'registered', { region: '320102' });
      const r = await post({ kind: 'registered', order: resale, technician: 'dealer-9' });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('RESALE_FORBIDDEN');
      expect(r.body.error.message).toMatch(/transfers: forbidden/);
      expect(agent.lifecycle.registration).toEqual(held);
      // The attempt is in the signed log, with the refused order, for the platform to see.
      const last = agent.eventLog.lifecycleEntries.at(-1)!;
      expect(last.kind).toBe('registration-refused');
      expect(Buffer.from(last.order!).toString('base64')).toBe(resale);
      // ownership-change is a registration too: without an order it is refused, with one it is a resale.
      expect((await post({ kind: 'ownership-change', note: 'sold' })).body.error.code).toBe('ORDER_REQUIRED');
      expect((await post({ kind: 'ownership-change', order: await order(pki.platform, unit.code, 'registered') })).body.error.code).toBe('RESALE_FORBIDDEN');
    });
    // A refused order was never applied: it stays unused (a later policy may allow it).
    await withAgent(unit, {}, async (agent) => {
      expect(agent.lifecycle.registration?.region).toBe('310115');
      const refusedIds = agent.eventLog.lifecycleEntries.filter((e) => e.kind === 'registration-refused').map((e) => toHex(openSign1(orderKind, e.order!).value.orderId));
      expect(refusedIds).toHaveLength(2);
      for (const id of refusedIds) expect(agent.lifecycle.isOrderUsed(Buffer.from(id, 'hex'))).toBe(false);
    });
  });

  it('platform-only (root policy): the platform registers a used unit to a new operator', async () => {
    const unit = await pki.provision();
    const recallPolicyFile = await policyFile('platform-only');
    await inService(unit, { recallPolicyFile });
    await withAgent(unit, { recallPolicyFile }, async (agent, post) => {
      const r = await post({ kind: 'ownership-change', order: await order(pki.platform, unit.code, 'registered', { region: '500103' }) });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(agent.lifecycle.registration?.region).toBe('500103');
    });
    // The same unit under a newer forbidding policy: refused again.
    const forbidding = await policyFile('forbidden', 2);
    await withAgent(unit, { recallPolicyFile: forbidding }, async (_agent, post) => {
      expect((await post({ kind: 'registered', order: await order(pki.platform, unit.code, 'registered') })).body.error.code).toBe('RESALE_FORBIDDEN');
    });
  });
});
