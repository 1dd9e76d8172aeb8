/**
 * `--metrics <[host:]port>` of the long-running platform commands: serves a registry on GET
 * /metrics and says where on stderr. A bad address or a port in use is a usage error (status 2).
 */
import type { Registry } from 'prom-client';
import { serveMetrics, type MetricsServer } from '../../platform/ingest-metrics.js';
import { UsageError, optionalString, type Io, type Values } from '../command.js';

export const metricsOption = { metrics: { type: 'string' } } as const;

/** Serves the registry `make` builds when --metrics is given; undefined otherwise. */
export async function startMetrics(values: Values, io: Io, make: () => Registry): Promise<MetricsServer | undefined> {
  const at = optionalString(values, 'metrics');
  if (at === undefined) return undefined;
  let server: MetricsServer;
  try {
    server = await serveMetrics(make(), at);
  } catch (err) {
    throw new UsageError(`--metrics ${at}: ${(err as Error).message}`);
  }
  io.err(`note: metrics on http://${at.includes(':') ? at.slice(0, at.lastIndexOf(':')) : '127.0.0.1'}:${server.port}/metrics`);
  return server;
}
