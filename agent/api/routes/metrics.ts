/**
 * GET /v1/metrics: the agent's Prometheus metrics as text (docs/local-api.md §"GET /v1/metrics"),
 * only with config `metricsEnabled` (off by default: no route, so 404 as any unknown path).
 * prom-client is imported on the first scrape, never at start: an agent without metrics does
 * not load it at all. Every value is read from the running agent at scrape time.
 */
import type { Registry } from 'prom-client';
import type { Agent, AgentStatus } from '../../agent.js';
import type { Router } from '../router.js';

/** What the metrics read from the agent's status sections (link, recalls), when present. */
interface LinkSection {
  connected?: boolean;
  heartbeats?: { lastConfirmedAt?: number };
}
interface RecallsSection {
  activeRecalls?: unknown[];
}

/** The registry; the gauges read the agent directly and its status sections from `status()`. */
async function agentRegistry(agent: Agent, status: () => AgentStatus | undefined): Promise<Registry> {
  const { Gauge, Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'robot_id_agent_' });
  const section = <T>(name: string): T | undefined => status()?.[name] as T | undefined;
  const gauge = (name: string, help: string, value: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  };
  gauge('robot_id_agent_outbox_depth', 'Entries (events and recall acks) not yet receipted by the platform', () => agent.outbox.depth());
  gauge('robot_id_agent_event_log_bytes', 'Size of the event log file', () => agent.eventLog.bytes);
  gauge('robot_id_agent_recalls_in_force', 'Recalls accepted and in force on this unit', () => section<RecallsSection>('recalls')?.activeRecalls?.length ?? 0);
  gauge('robot_id_agent_last_heartbeat_timestamp_seconds', 'When the broker last acknowledged a heartbeat (seconds since the epoch; 0: none since start)', () => (section<LinkSection>('link')?.heartbeats?.lastConfirmedAt ?? 0) / 1000);
  gauge('robot_id_agent_broker_connected', '1 while connected to the broker, else 0 (also 0 without brokerUrl)', () => (section<LinkSection>('link')?.connected ? 1 : 0));
  return registry;
}

export function metricsRoutes(router: Router, agent: Agent): void {
  if (!agent.config.metricsEnabled) return;
  let registry: Promise<Registry> | undefined;
  let status: AgentStatus | undefined;
  router.add('GET', '/v1/metrics', async () => {
    registry ??= agentRegistry(agent, () => status).catch((err: unknown) => {
      registry = undefined; // tried again at the next scrape
      throw err;
    });
    const r = await registry;
    // One status per scrape, taken before the collectors run (they all run within metrics()'s
    // first synchronous turn, so a concurrent scrape cannot swap it under them).
    status = agent.status();
    return { status: 200, body: await r.metrics(), contentType: r.contentType };
  });
}
