/**
 * The agent's one certificate cache (sdk/trust/cert-cache.ts), shared by its own verifiers
 * (receipts, recall notices, recall indexes) and by nothing else: keyed by the Agent object,
 * so two agents (or two simulated robots) never see each other's entries.
 */
import { CertificateCache } from '../sdk/index.js';
import type { Agent } from './agent.js';

const caches = new WeakMap<Agent, CertificateCache>();

export function certificateCacheOf(agent: Agent): CertificateCache {
  let cache = caches.get(agent);
  if (!cache) {
    cache = new CertificateCache();
    caches.set(agent, cache);
  }
  return cache;
}
