/** The technician routes, in one list for the API server to mount. */
import { attestRoute } from './attest.js';
import { eventsRoute } from './events.js';
import { healthRoute } from './health.js';
import { identityRoute } from './identity.js';
import { maintenanceRoute } from './maintenance.js';
import { statusRoute } from './status.js';
import type { Route, TechnicianDeps } from './types.js';

export function technicianRoutes(deps: TechnicianDeps): Route[] {
  return [identityRoute(deps), statusRoute(deps), eventsRoute(deps), healthRoute(deps), maintenanceRoute(deps), attestRoute(deps)];
}

export { judgeHealth, type HealthVerdict } from './health.js';
export { ApiError, type ApiAnswer, type ApiRequest, type Route, type TechnicianDeps, type StoredEntry, type AppendedEvent } from './types.js';
