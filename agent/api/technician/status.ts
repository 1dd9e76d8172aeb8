/**
 * GET /v1/status: the agent's own status (lifecycle state, connectivity, last confirmed
 * heartbeat, outbox depth, active recalls and their enforcement, recall-index freshness,
 * revocation: each part filled by the module that owns it) plus who this unit is and the
 * health verdict.
 */
import { judgeHealth } from './health.js';
import type { Route, TechnicianDeps } from './types.js';

export function statusRoute(deps: TechnicianDeps): Route {
  return {
    method: 'GET',
    path: '/v1/status',
    handle() {
      const health = judgeHealth(deps);
      return {
        status: 200,
        body: {
          code: deps.identity.code.code,
          agentVersion: deps.agentVersion,
          bootCount: deps.bootCount,
          uptimeS: Math.floor((deps.nowMs() - deps.startedAtMs) / 1000),
          ...deps.status(),
          eventHead: deps.eventHead(),
          health: { healthy: health.healthy, ...(health.reason ? { reason: health.reason } : {}) },
        },
      };
    },
  };
}
