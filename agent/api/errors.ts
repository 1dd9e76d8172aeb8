/** HTTP status for each typed error the API returns; the body is always {error:{code,message}}. */
import { RobotIdError } from '../../sdk/index.js';

const STATUS_BY_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  EVENT_INVALID: 400,
  ORDER_REQUIRED: 400,
  ORDER_INVALID: 403,
  ORDER_REPLAYED: 409,
  LIFECYCLE_TRANSITION: 409,
  REGISTRATION_REQUIRED: 409,
  RESALE_FORBIDDEN: 403,
  AGENT_DRAINING: 409,
  EVENT_TOO_LARGE: 413,
  EVENT_LOG_FULL: 507,
  EVENT_LOG_IO: 503,
  EVENT_LOG_CLOSED: 503,
  UNAUTHORIZED: 401,
  REKEY_NOT_PENDING: 409,
  REKEY_STALE: 409,
  REKEY_MALFORMED: 400,
};

export class ApiError extends RobotIdError {}

export function errorResponse(err: unknown): { status: number; body: { error: { code: string; message: string } } } {
  if (err instanceof RobotIdError) return { status: STATUS_BY_CODE[err.code] ?? 422, body: { error: err.toJSON() } };
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error (see the agent log)' } } };
}
