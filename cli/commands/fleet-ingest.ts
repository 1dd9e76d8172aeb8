/**
 * `robot-id fleet ingest`: the fleet ingest as a service, one of N worker processes on MQTT 5
 * shared subscriptions (`$share/<group>/...`) over one PostgreSQL store (docs/operations.md
 * §"Ingest workers"). Any worker verifies, stores and receipts any message; a receipt names
 * only what the worker's transaction committed; each unit's identity record, once verified, is
 * kept in the store and loaded by every worker at start (or looked up at the unit's first message
 * when stored later); presence is judged from the store, so a unit
 * whose heartbeats reach different workers is not reported offline. `fleet watch` stays the
 * human view of one process over a state directory.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { revokeScrapped, type Revocations } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, type Command, type Io } from '../command.js';
import { requireBrokerUrl } from '../platform/broker.js';
import { ingestInputs, ingestOptions, verifyThreadsOf } from '../platform/ingest-inputs.js';
import { dbOption, dbUrlOf } from '../platform/db.js';
import { revocationsReadFailedNote } from '../platform/publisher-state.js';
import { FilesPublisherStore } from '../../platform/store/files/publisher-files.js';
import { PgPublisherStore } from '../../platform/store/postgres/publisher-pg.js';
import { followPublisherRevocations, type RevocationsFollower } from '../../platform/store/postgres/publisher-revocations.js';
import { batchedLines, text, watch, watchRevocations, type Line } from './fleet.js';
import { connectIngest } from '../../platform/ingest/mqtt.js';
import { SharedPresence } from '../../platform/ingest/shared-presence.js';
import { ReceiptsIssued } from '../../platform/ingest/receipts-issued.js';
import { ingestMetrics, type MetricsServer } from '../../platform/ingest-metrics.js';
import { startMetrics } from '../platform/metrics-option.js';
import { campaignMetrics } from '../../platform/campaign-metrics.js';
import { postgresAckFeed } from '../../platform/store/postgres/ack-feed.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { PostgresIngestStore } from '../../platform/store/postgres/pg-store.js';

/** What --quiet still prints: what an operator must see, not every verified message. */
const PROBLEMS = new Set(['gap', 'chain-break', 'lost-on-robot', 'scrapped', 'offline']);

export const fleetIngestCommand: Command = {
  path: ['fleet', 'ingest'],
  summary: 'run one ingest worker: verify, store in PostgreSQL and receipt what units publish (several workers share the load)',
  usage:
    'fleet ingest --broker <url> --trust <file> --db <postgres://...> [--group <name>] [--registry <file>] [--receipt-key <platform-dir>] [--revocations <file>] [--recall-state <dir>] [--metrics <[host:]port>] [--broker-user <u> --broker-password-file <f>] [--client-id <id>] [--verify-threads <n>] [--quiet] [--json]',
  options: { ...ingestOptions, ...dbOption, group: { type: 'string' }, quiet: { type: 'boolean' } },

  async run(values, _p, io: Io) {
    const json = !!values.json;
    const url = requireBrokerUrl(values);
    const dbUrl = dbUrlOf(values);
    if (!dbUrl) throw new UsageError('missing --db (or ROBOT_ID_PLATFORM_DB): the PostgreSQL the workers share');
    const group = optionalString(values, 'group') ?? 'robot-id-ingest';
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(group)) throw new UsageError(`--group: expected 1 to 64 letters, digits, '_', '.' or '-', got ${JSON.stringify(group)}`);
    const { trust, registry, receipts, revocationsFile, revocations } = ingestInputs(values, io);
    const verifyThreads = verifyThreadsOf(values);
    const pwFile = optionalString(values, 'broker-password-file');

    // The database first: a bad URL, an unreachable server or a schema without this version's
    // migrations ends here with its typed error and exit status.
    const db = await openDb(dbUrl, { max: 4, applicationName: `robot-id ingest ${group}` });
    let store: PostgresIngestStore;
    try {
      store = await PostgresIngestStore.open(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    // Without --revocations, the revocations of the publisher state in this database, followed
    // while the worker runs (robot-id revoke --db): applied within DEFAULT_REVOCATIONS_CHECK_MS.
    let applyRevocations = (_r: Revocations): void => undefined;
    let following: RevocationsFollower | undefined;
    if (!revocationsFile) {
      try {
        following = await followPublisherRevocations(db, (r) => applyRevocations(r), { onError: revocationsReadFailedNote(io, db.where) });
      } catch (err) {
        await db.close();
        throw err;
      }
    }
    const presence = new SharedPresence(db);
    const conn = connectIngest(
      { trust, store, registry, receipts, revocations: following?.initial ?? revocations },
      {
        url,
        clientId: optionalString(values, 'client-id') ?? `robot-id-ingest-${group}-${hostname()}-${process.pid}`,
        username: optionalString(values, 'broker-user'),
        password: pwFile ? readFileSync(pwFile, 'utf8').split(/\r?\n/)[0] : undefined,
        verifyThreads,
        shareGroup: group,
        tickIntervalMs: 0,
      },
    );
    presence.follow(conn.ingest);
    // The identity records the store keeps, verified again at start: a record that no longer
    // verifies is passed over, and the unit is known again from its identity topic.
    const known = conn.ingest.storedIdentities;
    for (const p of known.problems) io.err(`note: identity record of ${p.code} in the store passed over (${p.reason}): ${p.message}`);
    io.err(`note: ${known.loaded} identity records loaded from the store`);
    // Units stored after the start (an import, another worker) are looked up at their first message.
    conn.ingest.on('lookup', (l) => {
      if (l.outcome === 'refused') io.err(`note: identity record of ${l.code} in the store passed over (${l.reason ?? 'INTERNAL'}): ${l.message ?? ''}`);
    });
    conn.ingest.on('lookupQuery', (q) => {
      // The error comes from the store's typed errors, which never print a password.
      if (!q.ok) io.err(`note: identity lookup in the store failed, ${q.codes} unknown units refused for now: ${q.error?.message ?? ''}`);
    });
    const issued = new ReceiptsIssued(db);
    issued.follow(conn.ingest);
    conn.ingest.on('failure', (err) => io.err(`note: ${err instanceof Error ? err.message : String(err)}`));
    const ticking = setInterval(() => {
      issued.flush().catch((err: Error) => io.err(`note: receipts issued not recorded this round: ${err.message}`));
      presence.beforeTick(conn.ingest, Date.now()).then(
        () => conn.ingest.tick(),
        (err: Error) => io.err(`note: presence not shared this round: ${err.message}`),
      );
    }, 1000);
    ticking.unref();
    // Assigned once it serves; shutdown() may run before that (a --metrics refused).
    let metrics: MetricsServer | undefined = undefined;
    applyRevocations = (r) => conn.ingest.setRevocations(r);
    // Written before the database closes: a revocation is never left behind by an exit.
    const revoking = new Set<Promise<void>>();
    const shutdown = async (): Promise<void> => {
      clearInterval(ticking);
      await following?.stop();
      await conn.close();
      await Promise.all(revoking);
      await presence.flush().catch((err: Error) => io.err(`note: presence not written at exit: ${err.message}`));
      await issued.flush().catch((err: Error) => io.err(`note: receipts issued not recorded at exit: ${err.message}`));
      await metrics?.close();
      await db.close();
    };
    // The publisher state: the directory --recall-state names, else the one in this database. A
    // stored `scrapped` event adds the code to its revocations; the metrics' campaigns come from it.
    const recallState = optionalString(values, 'recall-state');
    const recallStore = recallState ? new FilesPublisherStore(recallState) : PgPublisherStore.over(db);
    metrics = await startMetrics(values, io, () => {
      const registry = ingestMetrics(conn.ingest);
      // Campaign progress: the campaigns from --recall-state, else from this database's publisher state.
      campaignMetrics(registry, conn.ingest, { recallState: recallStore, trust, acks: postgresAckFeed(db) });
      return registry;
    }).catch(async (err: unknown) => {
      await shutdown();
      throw err;
    });
    conn.ingest.on('scrapped', (s) => {
      const p: Promise<void> = revokeScrapped(recallStore, s.code.slice(0, 2), [s.code]).then(
        () => undefined,
        (err: Error) => io.err(`error: ${s.code} scrapped but not added to the revocations in ${recallStore.where}: ${err.message}`),
      );
      revoking.add(p);
      void p.finally(() => revoking.delete(p));
    });
    const out = batchedLines(io);
    const quiet = !!values.quiet;
    const print = (l: Line): void => {
      if (quiet && l.verified && !PROBLEMS.has(l.kind)) return;
      out.line(json ? JSON.stringify(l) : text(l));
    };
    // Gaps and broken links between events as the store's transactions judge them, against
    // what every worker committed; this worker's own view of the marks may lag behind.
    watch(conn, (l: Line) => {
      if (l.kind === 'gap' || (l.kind === 'chain-break' && l.source === 'event')) return;
      print(l);
    });
    store.on('gap', (g) => print({ code: g.code, kind: 'gap', verified: true, stream: g.stream, from: g.from, to: g.to }));
    store.on('chain', (c) => print({ code: c.code, kind: 'chain-break', seq: c.seq, verified: true, source: c.source, expected: c.expected, got: c.got }));
    let finish!: (status: number) => void;
    const done = new Promise<number>((resolve) => (finish = resolve));
    const timer = setTimeout(() => finish(EXIT.UNREACHABLE), 10_000);
    conn.ready.then(
      () => {
        clearTimeout(timer);
        io.err(`note: worker of group ${group} subscribed; store ${db.where}`);
      },
      () => finish(EXIT.UNREACHABLE),
    );
    const onSignal = (): void => finish(EXIT.OK);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const stopWatching = revocationsFile ? watchRevocations(revocationsFile, (r) => conn.ingest.setRevocations(r), io) : () => undefined;
    const status = await done;
    stopWatching();
    await following?.stop();
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (status === EXIT.UNREACHABLE) {
      const body = { code: 'BROKER_UNREACHABLE', message: `broker ${url}: not reachable, refused the login or the shared subscription` };
      if (json) io.out(JSON.stringify({ error: body }));
      else io.err(`error ${body.code}: ${body.message}`);
      conn.client.end(true);
      clearInterval(ticking);
      await metrics?.close();
      await db.close();
      return status;
    }
    await shutdown();
    const st = conn.ingest.stats;
    io.err(`note: worker stopped: ${st.verified} verified, ${store.stats.stored} stored, ${store.stats.alreadyStored} already stored, ${st.duplicates} duplicates, ${st.receipts} receipts`);
    out.flush();
    return status;
  },
};
