/**
 * POST /v1/events: submit one event; 201 {seq, hash, time, kind} only once it is durable.
 * POST /v1/events/batch: submit up to BATCH_MAX events at once (a controller logging a burst):
 * every event is checked for shape before any is submitted; all join the same group commit;
 * 201 {events: [{seq, hash, time, kind}, ...]} in the order given, once all are durable.
 */
import { RobotIdError, toHex } from '../../../sdk/index.js';
import type { Agent } from '../../agent.js';
import type { EventRequest } from '../../lifecycle/index.js';
import type { LoggedEvent } from '../../eventlog/index.js';
import { ApiError, errorResponse } from '../errors.js';
import type { Router } from '../router.js';

export const BATCH_MAX = 256;

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

/** One event of a request body, checked for shape; `where` names it in a batch. */
function eventRequest(body: unknown, where = ''): EventRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('BAD_REQUEST', `${where}expected a JSON object {kind, note?, technician?, order?}`);
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => k !== 'kind' && k !== 'note' && k !== 'technician' && k !== 'order');
  if (unknown.length) throw new ApiError('BAD_REQUEST', `${where}unexpected fields: ${unknown.join(', ')}`);
  if (typeof b.kind !== 'string') throw new ApiError('BAD_REQUEST', `${where}kind: expected text`);
  return { kind: b.kind, note: optionalText(b, 'note'), technician: optionalText(b, 'technician'), order: decodeOrder(b.order) };
}

const answer = (e: LoggedEvent) => ({ seq: e.seq, hash: toHex(e.hash), time: e.time, kind: e.kind });

export function eventRoutes(router: Router, agent: Agent): void {
  router.add('POST', '/v1/events', async ({ body }) => {
    const logged = await agent.submitEvent(eventRequest(body));
    return { status: 201, body: answer(logged) };
  });

  router.add('POST', '/v1/events/batch', async ({ body }) => {
    const list = (body as { events?: unknown } | undefined)?.events;
    if (typeof body !== 'object' || body === null || Object.keys(body).some((k) => k !== 'events') || !Array.isArray(list) || list.length === 0 || list.length > BATCH_MAX) {
      throw new ApiError('BAD_REQUEST', `expected {"events": [1..${BATCH_MAX} events]}`);
    }
    const requests = list.map((e, i) => eventRequest(e, `events[${i}]: `));
    // Submitted together: they share one signing pass and one fdatasync.
    const settled = await Promise.allSettled(requests.map((r) => agent.submitEvent(r)));
    const failed = settled.findIndex((s) => s.status === 'rejected');
    if (failed < 0) return { status: 201, body: { events: settled.map((s) => answer((s as PromiseFulfilledResult<LoggedEvent>).value)) } };
    // Some were refused (a full disk, a lifecycle rule): the first refusal answers, and the
    // events that were recorded are named, so nothing is submitted twice.
    const err = (settled[failed] as PromiseRejectedResult).reason as unknown;
    if (!(err instanceof RobotIdError)) throw err;
    const r = errorResponse(err);
    return {
      status: r.status,
      body: {
        error: { ...r.body.error, message: `events[${failed}]: ${r.body.error.message}` },
        recorded: settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ index: i, ...answer(s.value) }] : [])),
      },
    };
  });
}
