/**
 * GET /v1/health (docs/local-api.md §"Health"): judged by progress, not by liveness. Healthy
 * while the broker acknowledged a heartbeat or a platform receipt moved the outbox within
 * healthMultiple x heartbeatIntervalMs; the agent's start counts as progress, so a fresh
 * agent gets one full window to connect. 200 healthy, 503 unhealthy.
 */
import type { Route, TechnicianDeps } from './types.js';

export interface HealthVerdict {
  healthy: boolean;
  reason?: string;
  mode: 'online' | 'offline';
  lastConfirmedAt?: number;
  sinceProgressMs: number;
  limitMs: number;
}

export function judgeHealth(deps: TechnicianDeps): HealthVerdict {
  const nowMs = deps.nowMs();
  const limitMs = deps.healthMultiple * deps.heartbeatIntervalMs;
  const confirmed = deps.lastConfirmedMs();
  const progress = Math.max(confirmed ?? 0, deps.startedAtMs);
  const sinceProgressMs = Math.max(0, Math.round(nowMs - progress));
  const base = { limitMs, sinceProgressMs, ...(confirmed !== undefined ? { lastConfirmedAt: confirmed } : {}) };
  if (!deps.brokerConfigured) return { healthy: true, mode: 'offline', ...base };
  if (sinceProgressMs <= limitMs) return { healthy: true, mode: 'online', ...base };
  const what = confirmed === undefined ? 'no heartbeat acknowledged and no receipt since start' : 'no heartbeat acknowledged and no receipt';
  return { healthy: false, mode: 'online', reason: `${what} for ${Math.round(sinceProgressMs / 1000)} s (limit ${Math.round(limitMs / 1000)} s)`, ...base };
}

export function healthRoute(deps: TechnicianDeps): Route {
  return {
    method: 'GET',
    path: '/v1/health',
    handle() {
      const verdict = judgeHealth(deps);
      return { status: verdict.healthy ? 200 : 503, body: verdict };
    },
  };
}
