/**
 * POST /v1/maintenance {technician, kind?, note?}: records work on the unit as a signed event
 * naming the technician; answers once the event is durable.
 */
import { RobotIdError, toHex } from '../../../sdk/index.js';
import { ApiError, type Route, type TechnicianDeps } from './types.js';

export const MAINTENANCE_KINDS = ['maintenance', 'part-replaced', 'fault', 'software-update', 'maintenance-started', 'maintenance-finished'] as const;

function text(body: Record<string, unknown>, name: string, max: number, required: boolean): string | undefined {
  const v = body[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > max) {
    throw new ApiError(400, 'BAD_REQUEST', `${name}: expected text of 1..${max} characters, got ${v === undefined ? 'nothing' : typeof v === 'string' ? `${v.length} characters` : typeof v}`);
  }
  return v;
}

/** Maps the event log's refusals to HTTP statuses; anything else is an internal failure. */
function statusOf(err: RobotIdError): number {
  if (err.code === 'EVENT_LOG_FULL') return 507;
  if (err.code === 'AGENT_DRAINING') return 503;
  if (err.code.startsWith('LIFECYCLE') || err.code.startsWith('ORDER')) return 409;
  if (err.code === 'EVENT_INVALID' || err.code === 'EVENT_TOO_LARGE') return 400;
  return 500;
}

const MAINTENANCE_FIELDS: readonly string[] = ['technician', 'kind', 'note'];

export function maintenanceRoute(deps: TechnicianDeps): Route {
  return {
    method: 'POST',
    path: '/v1/maintenance',
    async handle(req) {
      if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
        throw new ApiError(400, 'BAD_REQUEST', 'expected a JSON object {technician, kind?, note?}');
      }
      const body = req.body as Record<string, unknown>;
      const unknown = Object.keys(body).filter((k) => !MAINTENANCE_FIELDS.includes(k));
      if (unknown.length > 0) throw new ApiError(400, 'BAD_REQUEST', `expected only the fields ${MAINTENANCE_FIELDS.join(', ')}, got ${unknown.slice(0, 5).join(', ')}`);
      const technician = text(body, 'technician', 128, true)!;
      const note = text(body, 'note', 1024, false);
      const kind = body.kind ?? 'maintenance';
      if (typeof kind !== 'string' || !(MAINTENANCE_KINDS as readonly string[]).includes(kind)) {
        throw new ApiError(400, 'BAD_REQUEST', `kind: expected one of ${MAINTENANCE_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
      }
      try {
        const e = await deps.appendEvent({ kind, technician, ...(note !== undefined ? { note } : {}) });
        return { status: 201, body: { seq: e.seq, hash: toHex(e.hash), time: e.time } };
      } catch (err) {
        if (err instanceof RobotIdError && !(err instanceof ApiError)) throw new ApiError(statusOf(err), err.code, err.message, { cause: err });
        throw err;
      }
    },
  };
}
