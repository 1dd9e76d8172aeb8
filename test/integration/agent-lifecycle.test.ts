// The lifecycle through the agent's socket: allowed transitions, orders (enterprise, platform,
// foreign enterprise, replayed, wrong unit, expired), the disk cap as the submitter sees it,
// and GET /v1/status.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE_DEFAULT_ROLES, certify, signOrder, type Authority, type OrderTransition } from '../../sdk/index.js';
import { callAgent, startAgent, type Agent } from '../../agent/index.js';
import { makePki, quietLogger, type Pki, type TestUnit } from '../helpers/pki.js';

let dir: string;
let pki: Pki;
let foreign: Authority;

/** The loose shape of an API answer: a created event or an error. */
type Answer = { seq: number; error: { code: string; message: string } } & Record<string, unknown>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-agent-lc-'));
  pki = await makePki(dir);
  foreign = await certify({ root: pki.root, dir: join(dir, 'foreign'), subjectKind: 'enterprise', subject: '9999', name: 'Other Robotics', roles: [...ENTERPRISE_DEFAULT_ROLES] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function order(by: Authority, code: string, transition: OrderTransition, opts: { issuedAt?: number; ttl?: number } = {}): Promise<string> {
  const issuedAt = opts.issuedAt ?? Math.floor(Date.now() / 1000);
  const bytes = await signOrder(by.signer, by.certificate!, { code, transition, orderId: new Uint8Array(randomBytes(16)), issuedAt, notAfter: issuedAt + (opts.ttl ?? 3600) });
  return Buffer.from(bytes).toString('base64');
}

async function withAgent(unit: TestUnit, fn: (agent: Agent, post: (body: unknown) => Promise<{ status: number; body: Answer }>) => Promise<void>, overrides = {}): Promise<void> {
  // Registration is the subject of agent-registration.test.ts; here it is waived.
  const agent = await startAgent(unit.config({ registration: 'waived', ...overrides }), { logger: quietLogger() });
  const post = (body: unknown) => callAgent<Answer>({ socketPath: agent.config.socketPath }, 'POST', '/v1/events', body);
  try {
    await fn(agent, post);
  } finally {
    await agent.close();
  }
}

describe('lifecycle over the socket', () => {
  it('walks the allowed transitions and refuses the others with typed errors', async () => {
    const unit = await pki.provision();
    await withAgent(unit, async (agent, post) => {
      expect((await post({ kind: 'maintenance-finished' })).body.error.code).toBe('LIFECYCLE_TRANSITION');
      expect((await post({ kind: 'commissioned' })).status).toBe(201);
      expect((await post({ kind: 'maintenance-started', technician: 'T-7' })).status).toBe(201);
      expect(agent.lifecycle.state).toBe('under-maintenance');
      expect((await post({ kind: 'part-replaced', note: 'left knee actuator' })).status).toBe(201);
      expect((await post({ kind: 'maintenance-finished' })).status).toBe(201);
      const noOrder = await post({ kind: 'decommissioned' });
      expect(noOrder.status).toBe(400);
      expect(noOrder.body.error.code).toBe('ORDER_REQUIRED');
      const orderOnRecord = await post({ kind: 'maintenance', order: await order(pki.enterprise, unit.code, 'decommissioned') });
      expect(orderOnRecord.body.error.code).toBe('EVENT_INVALID');
      expect((await post({ kind: 'chain-break' })).body.error.code).toBe('EVENT_INVALID');
      expect((await post({ kind: 'maintenance', extra: 1 })).status).toBe(400);
      expect(agent.status()).toMatchObject({ lifecycle: 'in-service', eventLog: { head: { seq: 4 } }, outbox: { depth: 4, event: { head: 4, confirmed: 0 } } });
    });
  });

  it('orders: foreign enterprise, wrong unit, wrong transition, expired and replayed are refused; enterprise and platform accepted', async () => {
    const unit = await pki.provision();
    const other = await pki.provision();
    await withAgent(unit, async (agent, post) => {
      const refuse = async (o: string, kind: string, code: string, why: RegExp) => {
        const r = await post({ kind, order: o });
        expect(r.body.error?.code, JSON.stringify(r.body)).toBe(code);
        expect(r.body.error.message).toMatch(why);
      };
      await refuse(await order(foreign, unit.code, 'decommissioned'), 'decommissioned', 'ORDER_INVALID', /enterprise 9999/);
      await refuse(await order(pki.enterprise, other.code, 'decommissioned'), 'decommissioned', 'ORDER_INVALID', /names unit/);
      await refuse(await order(pki.enterprise, unit.code, 'scrapped'), 'decommissioned', 'ORDER_INVALID', /orders scrapped/);
      await refuse(await order(pki.enterprise, unit.code, 'decommissioned', { issuedAt: Math.floor(Date.now() / 1000) - 30, ttl: 10 }), 'decommissioned', 'ORDER_INVALID', /expired/);
      await refuse(await order(pki.enterprise, unit.code, 'decommissioned', { issuedAt: Math.floor(Date.now() / 1000) + 86400 }), 'decommissioned', 'ORDER_INVALID', /later than now/);
      const good = await order(pki.enterprise, unit.code, 'decommissioned');
      expect((await post({ kind: 'decommissioned', order: good })).status).toBe(201);
      expect(agent.lifecycle.state).toBe('decommissioned');
      expect((await post({ kind: 'maintenance' })).body.error.code).toBe('LIFECYCLE_TRANSITION');
      // Recommission with the same order id is impossible; a fresh recommission order works,
      // and the old decommission order cannot be replayed.
      expect((await post({ kind: 'recommissioned', order: await order(pki.platform, unit.code, 'recommissioned') })).status).toBe(201);
      await refuse(good, 'decommissioned', 'ORDER_REPLAYED', /already applied/);
      expect((await post({ kind: 'scrapped', order: await order(pki.platform, unit.code, 'scrapped') })).status).toBe(201);
      expect(agent.lifecycle.state).toBe('scrapped');
      for (const kind of ['recommissioned', 'commissioned', 'maintenance']) {
        const r = await post({ kind, order: kind === 'recommissioned' ? await order(pki.platform, unit.code, 'recommissioned') : undefined });
        expect(r.body.error.code).toBe('LIFECYCLE_TRANSITION');
      }
    });
  });

  it('disk cap: the submitter sees EVENT_LOG_FULL (507); what was accepted survives a restart', async () => {
    const unit = await pki.provision();
    const seqs: number[] = [];
    await withAgent(
      unit,
      async (_agent, post) => {
        for (let i = 0; i < 2000; i++) {
          const r = await post({ kind: 'maintenance', note: 'n'.repeat(900) });
          if (r.status !== 201) {
            expect(r.status).toBe(507);
            expect(r.body.error.code).toBe('EVENT_LOG_FULL');
            break;
          }
          seqs.push(r.body.seq);
        }
        expect(seqs.length).toBeGreaterThan(10);
        expect(seqs.length).toBeLessThan(2000);
        // An order may still use the reserve: a full disk never blocks decommissioning.
        const d = await post({ kind: 'decommissioned', order: await order(pki.enterprise, unit.code, 'decommissioned') });
        expect(d.status).toBe(201);
      },
      { maxLogBytes: 256 * 1024, logReserveBytes: 16 * 1024 },
    );
    await withAgent(unit, async (agent) => {
      expect(agent.eventLog.head.seq).toBe(seqs.length + 1);
      expect(agent.eventLog.breaks).toEqual([]);
      const status = await callAgent<Answer>({ socketPath: agent.config.socketPath }, 'GET', '/v1/status');
      expect(status.body).toMatchObject({ code: unit.code, lifecycle: 'decommissioned', draining: true, outbox: { depth: seqs.length + 1 } });
    }, { maxLogBytes: 256 * 1024, logReserveBytes: 16 * 1024 });
  });
});
