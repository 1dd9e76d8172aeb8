/**
 * The technician routes, in one list for the API server to mount. GET /v1/status is the
 * core's route (agent.status()); the technician module adds its `health` section to it.
 */
import { attestRoute } from './attest.js';
import { eventsRoute } from './events.js';
import { healthRoute } from './health.js';
import { identityRoute } from './identity.js';
import { maintenanceRoute } from './maintenance.js';
import type { Route, TechnicianDeps } from './types.js';

export function technicianRoutes(deps: TechnicianDeps): Route[] {
  return [identityRoute(deps), eventsRoute(deps), healthRoute(deps), maintenanceRoute(deps), attestRoute(deps)];
}

export { judgeHealth, type HealthVerdict } from './health.js';
export { ApiError, type ApiAnswer, type ApiRequest, type Route, type TechnicianDeps, type StoredEntry, type AppendedEvent } from './types.js';
