/**
 * The 'trust' agent module: the unit's root version and what it depends on that expires.
 * Reports: heartbeat fields rootVersion (label 19) and certExpiry (label 20); status section
 * 'trust' on the local socket (root version, rotations applied and refused, days left).
 * Rotations themselves arrive through recall sync (the country index), which calls
 * `rootTrustOf(agent).offer(...)` before it verifies the index.
 */
import type { Agent, AgentModule } from '../agent.js';
import { wireOf } from '../link/module.js';
import { expiryOf } from './expiry.js';
import { RootTrust } from './root-trust.js';

const holders = new WeakMap<Agent, RootTrust>();

/** The agent's one RootTrust, over its one TrustStore and its configured trustStore file. */
export function rootTrustOf(agent: Agent): RootTrust {
  let t = holders.get(agent);
  if (!t) {
    const wire = wireOf(agent);
    t = new RootTrust({
      trust: agent.trust,
      path: agent.config.trustStore,
      country: agent.code.country,
      identity: agent.identity.bytes,
      log: agent.log.child({ module: 'trust' }),
      now: () => agent.time.nowMs(),
      // A new root version goes out at once rather than with the next heartbeat.
      onChange: () => void wire?.heartbeat.beat(),
    });
    holders.set(agent, t);
  }
  return t;
}

export const trustModule: AgentModule = {
  name: 'trust',
  start(agent: Agent) {
    const t = rootTrustOf(agent);
    const expiry = () => expiryOf(agent.identity, agent.trust, agent.time.nowSeconds());
    agent.addStatusSection('trust', () => ({ ...t.status(), expiry: expiry() }));
    const wire = wireOf(agent);
    wire?.heartbeat.addSource(() => {
      const e = expiry().nearest;
      return { rootVersion: t.rootVersion(), certExpiry: { kind: e.kind, notAfter: e.notAfter, daysLeft: e.daysLeft } };
    });
    return Promise.resolve();
  },
};
