/**
 * The device rekey over the local API (docs/local-api.md §"Rekey"; the running agent holds the
 * state directory, so the unit's steps go through it):
 * POST /v1/rekey/request {alg?: "ed25519"|"sm2"}: 201 {request: base64, newKid, created}.
 * POST /v1/rekey/install {record: base64, label?: base64}: 202 {recordVersion, deviceKid, restarting: true} once
 *   the new record is verified and staged; the agent then stops with exit status 18 and its
 *   next start installs the new key and record and appends the `rekeyed` event.
 */
import { algFromName, kidHex, toHex } from '../../../sdk/index.js';
import type { Agent } from '../../agent.js';
import { EXIT_STATUS } from '../../exit-status.js';
import { requestRekey, stageRekey } from '../../rekey/steps.js';
import { ApiError } from '../errors.js';
import type { Router } from '../router.js';

/** How long the answer has to leave before the agent stops. */
const STOP_AFTER_MS = 50;

function fields(body: unknown, allowed: readonly string[], shape: string): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('BAD_REQUEST', `expected a JSON object ${shape}`);
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw new ApiError('BAD_REQUEST', `unexpected fields: ${extra.join(', ')}; expected ${shape}`);
  return body as Record<string, unknown>;
}

export function rekeyRoutes(router: Router, agent: Agent): void {
  router.add('POST', '/v1/rekey/request', async ({ body }) => {
    const b = fields(body, ['alg'], '{alg?: "ed25519" | "sm2"}');
    let alg: number | undefined;
    if (b.alg !== undefined) {
      if (b.alg !== 'ed25519' && b.alg !== 'sm2') throw new ApiError('BAD_REQUEST', `alg: expected "ed25519" or "sm2", got ${JSON.stringify(b.alg)}`);
      alg = algFromName(b.alg);
    }
    const r = await requestRekey(agent, alg);
    agent.log.warn({ newKid: r.newKid, created: r.created }, 'rekey requested');
    return { status: 201, body: { request: Buffer.from(r.request).toString('base64'), newKid: r.newKid, created: r.created } };
  });

  router.add('POST', '/v1/rekey/install', ({ body }) => {
    const b = fields(body, ['record', 'label'], '{record: base64 of the new identity record, label?: base64 of its label}');
    const base64 = (v: unknown, what: string): Uint8Array => {
      if (typeof v !== 'string' || v.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new ApiError('BAD_REQUEST', `${what}: expected base64 of the new ${what === 'record' ? 'identity record' : 'label'}`);
      return new Uint8Array(Buffer.from(v, 'base64'));
    };
    const next = stageRekey(agent, base64(b.record, 'record'), b.label === undefined ? undefined : base64(b.label, 'label'));
    agent.log.warn({ recordVersion: next.record.recordVersion, deviceKid: kidHex(next.deviceKid) }, 'rekey staged; restarting to install it');
    setTimeout(() => agent.requestStop({ exitStatus: EXIT_STATUS.rekeyed, reason: 'new device key staged; start again to install it' }), STOP_AFTER_MS);
    return { status: 202, body: { recordVersion: next.record.recordVersion, deviceKid: toHex(next.deviceKid), restarting: true } };
  });
}
