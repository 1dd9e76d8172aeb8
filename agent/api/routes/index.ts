/** Every route group of the local API, registered once. Add yours in its own file and one line here. */
import type { Agent } from '../../agent.js';
import type { Router } from '../router.js';
import { eventRoutes } from './events.js';
import { metricsRoutes } from './metrics.js';
import { rekeyRoutes } from './rekey.js';
import { statusRoutes } from './status.js';
import { technicianRoutesOn } from './technician.js';

export function registerRoutes(router: Router, agent: Agent): void {
  statusRoutes(router, agent);
  eventRoutes(router, agent);
  rekeyRoutes(router, agent);
  technicianRoutesOn(router, agent);
  metricsRoutes(router, agent);
}
