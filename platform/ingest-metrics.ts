/**
 * Prometheus metrics of a running fleet ingest (`robot-id fleet watch --metrics <[host:]port>`),
 * through prom-client: what it verified and rejected (by kind and reason), duplicates, receipts
 * and how long a unit waited for one, units online / offline / silent (missed their heartbeat
 * deadline) / revoked, and its store. Served as text on GET /metrics; nothing else is served.
 * See docs/operations.md §"Platform metrics".
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FleetIngest } from '../sdk/index.js';

export interface MetricsServer {
  /** The port bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/** Registers the ingest's metrics on a fresh registry and keeps them current from its events. */
export function ingestMetrics(ingest: FleetIngest): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'robot_id_ingest_' });
  const verified = new Counter({ name: 'robot_id_ingest_messages_verified_total', help: 'Messages whose signature and checks passed, by kind', labelNames: ['kind'], registers: [registry] });
  const rejected = new Counter({ name: 'robot_id_ingest_messages_rejected_total', help: 'Messages refused, by kind and reason code', labelNames: ['kind', 'reason'], registers: [registry] });
  const duplicates = new Counter({ name: 'robot_id_ingest_duplicates_total', help: 'Entries already stored, received again (the unit lacked a receipt)', labelNames: ['stream'], registers: [registry] });
  const receipts = new Counter({ name: 'robot_id_ingest_receipts_total', help: 'Signed receipts published', registers: [registry] });
  const receiptLatency = new Histogram({
    name: 'robot_id_ingest_receipt_latency_seconds',
    help: "From the first entry a unit sent since its last receipt to the receipt naming it (stored and fdatasync'd first)",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const failures = new Counter({ name: 'robot_id_ingest_receipt_failures_total', help: 'Receipts that could not be signed or published (the unit resends)', registers: [registry] });
  const lookups = new Counter({
    name: 'robot_id_ingest_identity_lookups_total',
    help: 'Codes not known to the worker looked up in its store, by outcome (found, absent, refused, failed; cached and shed: answered without a query)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const lookupQueries = new Counter({ name: 'robot_id_ingest_identity_lookup_queries_total', help: 'Queries of the store for identity records of unknown codes, by outcome (ok, failed)', labelNames: ['outcome'], registers: [registry] });
  ingest.on('lookup', (l) => lookups.inc({ outcome: l.outcome }));
  ingest.on('lookupQuery', (q) => lookupQueries.inc({ outcome: q.ok ? 'ok' : 'failed' }));
  const waiting = new Map<string, number>();
  ingest.on('message', (m) => {
    verified.inc({ kind: m.kind });
    if ((m.kind === 'event' || m.kind === 'ack') && !waiting.has(m.code)) waiting.set(m.code, performance.now());
  });
  ingest.on('rejected', (r) => rejected.inc({ kind: r.kind, reason: r.reason }));
  ingest.on('duplicate', (d) => duplicates.inc({ stream: d.kind }));
  ingest.on('failure', () => failures.inc());
  ingest.on('receipt', (r) => {
    receipts.inc();
    const since = waiting.get(r.code);
    if (since !== undefined) {
      receiptLatency.observe((performance.now() - since) / 1000);
      waiting.delete(r.code);
    }
  });
  new Gauge({
    name: 'robot_id_ingest_units',
    help: 'Units by presence (silent: offline because a heartbeat deadline passed) and revoked units',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const c = ingest.presence.counts();
      this.set({ state: 'online' }, c.online);
      this.set({ state: 'offline' }, c.offline);
      this.set({ state: 'silent' }, c.silent);
      // Units with stored entries whose code the ingest's current list revokes.
      this.set({ state: 'revoked' }, ingest.units().filter((c) => ingest.revocations.isCodeRevoked(c)).length);
    },
  });
  new Gauge({
    name: 'robot_id_ingest_store_appended',
    help: "Entries appended to the ingest's store since it started",
    registers: [registry],
    collect() {
      this.set(ingest.stats.stored);
    },
  });
  return registry;
}

/** Serves `registry` on GET /metrics at `listen` ("port" or "host:port"; host defaults to 127.0.0.1). */
export async function serveMetrics(registry: Registry, listen: string): Promise<MetricsServer> {
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535) throw new RangeError(`expected [host:]port, got ${listen}`);
  const host = m[1] ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m[2]), host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : Number(m[2]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
