/** GET /v1/status: the agent's status (lifecycle, event-log head, outbox, time, sections added by modules). */
import type { Agent } from '../../agent.js';
import type { Router } from '../router.js';

export function statusRoutes(router: Router, agent: Agent): void {
  router.add('GET', '/v1/status', () => ({ status: 200, body: agent.status() }));
}
