/**
 * The technician routes (identity, events, health, maintenance, attest: agent/api/technician/)
 * mounted on the agent's router, plus a `health` section and the confirmation time in
 * status(). Errors that carry their own HTTP status (technician ApiError) answer with it.
 */
import { previousRecords } from '../../rekey/files.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_FILES, VERSION } from '../../../sdk/index.js';
import type { Agent } from '../../agent.js';
import type { Router } from '../router.js';
import { ProgressTracker } from '../technician/progress.js';
import { ApiError, judgeHealth, technicianRoutes, type TechnicianDeps } from '../technician/index.js';

/** The label provisioning wrote, as held (served as is; the verifier judges it). */
function readLabel(stateDir: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(join(stateDir, STATE_FILES.label)));
  } catch {
    // Provisioned before labels existed: the unit has none, and /v1/identity says so by omission.
    return undefined;
  }
}

export function technicianDeps(agent: Agent): TechnicianDeps {
  const clock = agent.clock;
  const progress = new ProgressTracker({ onConfirm: (l) => agent.outbox.onConfirm(() => l()), status: () => agent.status(), nowMs: () => clock.nowMs() });
  agent.onClose(() => progress.close());
  return {
    identity: agent.identity,
    previousIdentities: previousRecords(agent.config.stateDir, agent.trust),
    label: readLabel(agent.config.stateDir),
    signer: agent.signer,
    bootCount: agent.bootCount,
    agentVersion: VERSION,
    startedAtMs: clock.nowMs() - agent.uptimeMs(),
    now: () => agent.time.nowSeconds(),
    nowMs: () => clock.nowMs(),
    status: () => agent.status(),
    readEvents: (after, limit) => agent.eventLog.read(after, limit),
    eventHead: () => agent.eventLog.head.seq,
    appendEvent: (input) => agent.submitEvent(input),
    lastConfirmedMs: () => progress.lastConfirmedMs(),
    brokerConfigured: agent.config.brokerUrl !== undefined,
    heartbeatIntervalMs: agent.config.heartbeatIntervalMs,
    healthMultiple: agent.config.healthMultiple,
  };
}

export function technicianRoutesOn(router: Router, agent: Agent): void {
  const deps = technicianDeps(agent);
  // judgeHealth reads status() (for confirmation times reported by modules), which calls
  // this section again: the guard answers that inner call with nothing.
  let judging = false;
  agent.addStatusSection('health', () => {
    if (judging) return undefined;
    judging = true;
    try {
      const h = judgeHealth(deps);
      return { healthy: h.healthy, ...(h.reason ? { reason: h.reason } : {}), lastConfirmedAt: h.lastConfirmedAt ?? null };
    } finally {
      judging = false;
    }
  });
  for (const route of technicianRoutes(deps)) {
    router.add(route.method, route.path, async (ctx) => {
      try {
        return await route.handle({ method: ctx.method, path: ctx.path, query: ctx.query, body: ctx.body });
      } catch (err) {
        // The core's error mapping handles every other error (RobotIdError codes -> status).
        if (err instanceof ApiError) return { status: err.status, body: { error: err.toJSON() } };
        throw err;
      }
    });
  }
}
