/** POST /v1/events: submit one event; 201 {seq, hash, time} only once it is durable. */
import { toHex } from '../../../sdk/index.js';
import type { Agent } from '../../agent.js';
import { ApiError } from '../errors.js';
import type { Router } from '../router.js';

function decodeOrder(v: unknown): Uint8Array | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length === 0) throw new ApiError('BAD_REQUEST', 'order: expected base64 of the signed order file');
  return new Uint8Array(Buffer.from(v, 'base64'));
}

function optionalText(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ApiError('BAD_REQUEST', `${key}: expected text, got ${typeof v}`);
  return v;
}

export function eventRoutes(router: Router, agent: Agent): void {
  router.add('POST', '/v1/events', async ({ body }) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('BAD_REQUEST', 'expected a JSON object {kind, note?, technician?, order?}');
    const b = body as Record<string, unknown>;
    const unknown = Object.keys(b).filter((k) => !['kind', 'note', 'technician', 'order'].includes(k));
    if (unknown.length) throw new ApiError('BAD_REQUEST', `unexpected fields: ${unknown.join(', ')}`);
    if (typeof b.kind !== 'string') throw new ApiError('BAD_REQUEST', 'kind: expected text');
    const logged = await agent.submitEvent({ kind: b.kind, note: optionalText(b, 'note'), technician: optionalText(b, 'technician'), order: decodeOrder(b.order) });
    return { status: 201, body: { seq: logged.seq, hash: toHex(logged.hash), time: logged.time, kind: logged.kind } };
  });
}
