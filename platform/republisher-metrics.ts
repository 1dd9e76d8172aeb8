/**
 * Prometheus metrics of the platform's republisher (`robot-id recall republish --watch
 * --metrics <[host:]port>`), through prom-client: its rounds (a full republish on every
 * (re)connect, a refresh on its timer) by outcome, the retained items it published, when a
 * round last succeeded, and what its index state holds now (active recalls, the version of
 * every scope's index, revocations in force), read from the state at scrape time. Served by
 * `serveMetrics` (ingest-metrics.ts). See docs/operations.md §"Platform metrics".
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { IndexState, RecallPublisher, RetainedTransport } from '../sdk/index.js';

export type RoundKind = 'republish' | 'refresh';

/** What the republisher does that the metrics count; `observeRounds` wires a publisher to it. */
export interface RepublisherMetrics {
  registry: Registry;
  /** A transport that counts every retained item the broker acknowledged. */
  counting(transport: RetainedTransport): RetainedTransport;
  round(kind: RoundKind, outcome: 'ok' | 'failed'): void;
}

/**
 * Registers the republisher's metrics on a fresh registry. `now` (seconds since the epoch)
 * judges which recalls are active.
 */
export function republisherMetrics(publisher: Pick<RecallPublisher, 'committed'>, now: () => number = () => Date.now() / 1000): RepublisherMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'robot_id_republisher_' });
  const rounds = new Counter({
    name: 'robot_id_republisher_rounds_total',
    help: 'Rounds by kind (republish: the whole retained set, on every (re)connect; refresh: re-sign what nears expiry, on the timer) and outcome',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  for (const kind of ['republish', 'refresh']) for (const outcome of ['ok', 'failed']) rounds.inc({ kind, outcome }, 0);
  const items = new Counter({ name: 'robot_id_republisher_items_published_total', help: 'Retained notices, indexes and clearings the broker acknowledged (PUBACK)', registers: [registry] });
  const lastOk = new Gauge({ name: 'robot_id_republisher_last_success_timestamp_seconds', help: 'When a round last succeeded (seconds since the epoch; 0 before the first)', registers: [registry] });
  lastOk.set(0);
  // What the state holds, read at scrape time from the store (files or PostgreSQL): one read
  // per scrape, shared by the gauges below (the first collector of a scrape starts it afresh).
  let state: Promise<IndexState | undefined> | undefined;
  const read = (): Promise<IndexState | undefined> => (state ??= publisher.committed());
  new Gauge({
    name: 'robot_id_republisher_active_recalls',
    help: 'Recalls the index state holds that have not expired (notAfter in the future)',
    registers: [registry],
    async collect() {
      state = undefined;
      const t = now();
      this.set((await read())?.recalls().filter((r) => r.notAfter > t).length ?? 0);
    },
  });
  new Gauge({
    name: 'robot_id_republisher_index_version',
    help: 'Version of the last signed index of each scope',
    labelNames: ['scope'],
    registers: [registry],
    async collect() {
      const held = await read();
      this.reset();
      for (const s of held?.scopeVersions() ?? []) this.set({ scope: s.scope }, s.version);
    },
  });
  new Gauge({
    name: 'robot_id_republisher_revocations',
    help: 'Revocations the country index carries, by kind (keys: revoked key ids; codes: revoked or scrapped unit codes)',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const r = (await read())?.revocations();
      this.set({ kind: 'keys' }, r?.keys.length ?? 0);
      this.set({ kind: 'codes' }, r?.codes.length ?? 0);
    },
  });
  return {
    registry,
    counting: (transport) => ({
      publishRetained: async (topic, payload) => {
        await transport.publishRetained(topic, payload);
        items.inc();
      },
    }),
    round(kind, outcome) {
      rounds.inc({ kind, outcome });
      if (outcome === 'ok') lastOk.set(Math.floor(now()));
    },
  };
}

/**
 * Counts the rounds of `publisher` from now on: its `republishAll` and `refresh` are wrapped on
 * this instance (same arguments, same results, same errors), each call one round whose items
 * go through a counting transport.
 */
export function observeRounds(publisher: Pick<RecallPublisher, 'republishAll' | 'refresh'>, metrics: RepublisherMetrics): void {
  const republishAll = publisher.republishAll.bind(publisher);
  const refresh = publisher.refresh.bind(publisher);
  const timed =
    <A extends unknown[], R>(kind: RoundKind, fn: (transport: RetainedTransport, ...rest: A) => Promise<R>) =>
    async (transport: RetainedTransport, ...rest: A): Promise<R> => {
      try {
        const r = await fn(metrics.counting(transport), ...rest);
        metrics.round(kind, 'ok');
        return r;
      } catch (err) {
        metrics.round(kind, 'failed');
        throw err;
      }
    };
  publisher.republishAll = timed('republish', republishAll);
  publisher.refresh = timed('refresh', refresh);
}

/** The registry of `publisher`'s metrics, its rounds observed from now on. */
export function observedRepublisher(publisher: RecallPublisher): Registry {
  const m = republisherMetrics(publisher);
  observeRounds(publisher, m);
  return m.registry;
}
