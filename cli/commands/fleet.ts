/**
 * `robot-id fleet watch`: runs the fleet ingest against a broker and prints one line per
 * verified message or state change (docs/protocol.md §"Fleet ingest"). With --json one object
 * per line: at least code, kind, seq, verified, and reason for anything rejected. With
 * --state the ingest keeps its store and marks there; with --receipt-key (a platform
 * authority with receipt.sign, needs --state) it confirms storage to the units with receipts.
 * With --recall-state (the platform's publisher state directory) or --db (the publisher state
 * in PostgreSQL) a unit's stored `scrapped` event adds its code to the revocations there, as
 * scrapped; with --db and no --revocations the ingest follows that state's revocations. With --metrics, Prometheus metrics on GET /metrics.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { revokeScrapped, type PublisherStore, type Revocations } from '../../sdk/index.js';
import { connectIngest, type IngestConnection } from '../../platform/ingest/mqtt.js';
import { openFilesStore } from '../../platform/store/files/files-store.js';
import { FilesPublisherStore } from '../../platform/store/files/publisher-files.js';
import { PgPublisherStore } from '../../platform/store/postgres/publisher-pg.js';
import { followPublisherRevocations, type RevocationsFollower } from '../../platform/store/postgres/publisher-revocations.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { requireSchema } from '../../platform/store/postgres/migrate.js';
import { dbOption, dbUrlOf } from '../platform/db.js';
import { publisherStateOf, revocationsReadFailedNote } from '../platform/publisher-state.js';
import { EXIT, UsageError, optionalString, type Command, type Io, type Values } from '../command.js';
import { requireBrokerUrl } from '../platform/broker.js';
import { ingestInputs, ingestOptions, verifyThreadsOf } from '../platform/ingest-inputs.js';
import { ingestMetrics, type MetricsServer } from '../../platform/ingest-metrics.js';
import { startMetrics } from '../platform/metrics-option.js';
import { campaignMetrics } from '../../platform/campaign-metrics.js';
import { filesAckFeed } from '../../platform/store/files/ack-feed.js';
import { writePresenceSnapshot } from '../../platform/presence-snapshot.js';
import { loadRevocations } from '../revocations.js';

export type Line = { code?: string; kind: string; seq?: number; verified: boolean; reason?: string } & Record<string, unknown>;

export function text(l: Line): string {
  const extra = Object.entries(l)
    .filter(([k]) => !['code', 'kind', 'seq', 'verified', 'reason', 'message'].includes(k))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const head = `${l.code ?? '-'} ${l.kind}${l.seq !== undefined ? ` seq=${l.seq}` : ''}`;
  return l.verified ? `${head} verified${extra ? ' ' + extra : ''}` : `${head} REJECTED ${l.reason}: ${String(l.message ?? '')}`;
}

/** What an ack line says beyond its seq: the recall and the unit's status for it. */
function ackFields(value: unknown): Record<string, string> {
  const a = value as { recallId?: string; status?: string; reason?: string };
  return { ...(a.recallId ? { recallId: a.recallId } : {}), ...(a.status ? { status: a.status } : {}), ...(a.reason ? { ackReason: a.reason } : {}) };
}

export function watch(conn: IngestConnection, emit: (l: Line) => void): void {
  const i = conn.ingest;
  i.on('message', (m) =>
    emit({
      code: m.code,
      kind: m.kind,
      seq: m.seq,
      verified: true,
      ...(m.boot !== undefined ? { boot: m.boot } : {}),
      ...(m.eventKind ? { eventKind: m.eventKind } : {}),
      ...(m.kind === 'ack' ? ackFields(m.value) : {}),
      ...(m.stale ? { stale: true } : {}),
    }),
  );
  i.on('rejected', (r) => emit({ code: r.code, kind: r.kind, seq: r.seq, verified: false, reason: r.reason, message: r.message, topic: r.topic }));
  i.on('gap', (g) => emit({ code: g.code, kind: 'gap', verified: true, stream: g.stream, from: g.from, to: g.to }));
  i.on('lost', (l) => emit({ code: l.code, kind: 'lost-on-robot', seq: l.seq, verified: true, from: l.from, to: l.to, stored: l.stored }));
  i.on('chain', (c) => emit({ code: c.code, kind: 'chain-break', seq: c.seq, verified: true, source: c.source, expected: c.expected, got: c.got }));
  i.on('scrapped', (s) => emit({ code: s.code, kind: 'scrapped', seq: s.seq, verified: true, time: s.time }));
  i.on('rekeyed', (r) => emit({ code: r.code, kind: 'rekeyed', seq: r.seq, verified: true, recordVersion: r.recordVersion, deviceKid: r.deviceKid }));
  i.on('online', (p) => emit({ code: p.code, kind: 'online', verified: true, via: p.via, ...(p.boot !== undefined ? { boot: p.boot } : {}) }));
  i.on('offline', (p) => emit({ code: p.code, kind: 'offline', verified: true, via: p.via, ...(p.boot !== undefined ? { boot: p.boot } : {}) }));
}

/**
 * Lines written together once per turn of the event loop (or every 64 KiB): one write per
 * batch of messages instead of one per message, which was a tenth of the ingest's CPU.
 */
export function batchedLines(io: Io): { line(l: string): void; flush(): void } {
  let held: string[] = [];
  let bytes = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (held.length === 0) return;
    const text = held.join('\n');
    held = [];
    bytes = 0;
    io.out(text);
  };
  return {
    line(l) {
      held.push(l);
      bytes += l.length;
      if (bytes >= 64 << 10) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/** Calls `apply` with the list each time `file` changes (polled every second); a bad read keeps the last good list. */
export function watchRevocations(file: string, apply: (r: Revocations) => void, io: Io): () => void {
  const listener = (): void => {
    try {
      apply(loadRevocations(file));
    } catch (err) {
      io.err(`note: --revocations ${file} not reloaded: ${(err as Error).message}`);
    }
  };
  watchFile(file, { interval: 1000 }, listener);
  return () => unwatchFile(file, listener);
}

/** The publisher state `fleet watch` revokes scrapped units in (and may follow revocations of). */
async function openRecallState(
  values: Values,
  follow: boolean,
  apply: (r: Revocations) => void,
  io: Io,
): Promise<{ store: PublisherStore; follower?: RevocationsFollower; close(): Promise<void> } | undefined> {
  if (optionalString(values, 'recall-state') === undefined && dbUrlOf(values) === undefined) return undefined;
  const at = publisherStateOf(values, 'recall-state');
  if ('dir' in at) return { store: new FilesPublisherStore(at.dir), close: async () => undefined };
  const db = await openDb(at.url, { max: 2, applicationName: 'robot-id fleet watch' });
  try {
    await requireSchema(db);
    const follower = follow
      ? await followPublisherRevocations(db, apply, { onError: revocationsReadFailedNote(io, db.where) })
      : undefined;
    return {
      store: PgPublisherStore.over(db),
      follower,
      close: async () => {
        await follower?.stop();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

export const fleetWatchCommand: Command = {
  path: ['fleet', 'watch'],
  summary: 'run the fleet ingest: verify what units publish, print one line per message or state change',
  usage:
    'fleet watch --broker <url> --trust <file> [--registry <file>] [--state <dir>] [--receipt-key <platform-dir>] [--revocations <file>] [--recall-state <dir> | --db <postgres-url>] [--metrics <[host:]port>] [--broker-user <u> --broker-password-file <f>] [--client-id <id>] [--verify-threads <n>] [--limit <n>] [--json]',
  options: { ...ingestOptions, ...dbOption, state: { type: 'string' }, limit: { type: 'string' } },

  async run(values, _p, io: Io) {
    const json = !!values.json;
    const url = requireBrokerUrl(values);
    const stateDir = optionalString(values, 'state');
    if (optionalString(values, 'receipt-key') && !stateDir) throw new UsageError('--receipt-key needs --state: a receipt names only what is durably stored');
    const limitRaw = optionalString(values, 'limit');
    const limit = limitRaw === undefined ? Infinity : Number(limitRaw);
    if (!(limit > 0)) throw new UsageError('--limit: expected a positive number of lines');
    const { trust, registry, receipts, revocationsFile, revocations } = ingestInputs(values, io);
    const verifyThreads = verifyThreadsOf(values);
    const pwFile = optionalString(values, 'broker-password-file');
    // The publisher state a stored `scrapped` event revokes the code in: --recall-state <dir>,
    // or the database --db (or ROBOT_ID_PLATFORM_DB) names, whose revocations the ingest then
    // also follows when no --revocations file is given.
    let applyRevocations = (_r: Revocations): void => undefined;
    const recall = await openRecallState(values, revocationsFile === undefined, (r) => applyRevocations(r), io);
    const conn = connectIngest(
      {
        trust,
        store: stateDir
          ? openFilesStore(stateDir, { onSnapshotError: (err) => io.err(`note: the marks snapshot in ${stateDir} could not be written (the next start replays more of the store): ${err.message}`) })
          : undefined,
        registry,
        receipts,
        revocations: recall?.follower?.initial ?? revocations,
      },
      {
        url,
        clientId: optionalString(values, 'client-id') ?? `platform-ingest-${process.pid}`,
        username: optionalString(values, 'broker-user'),
        password: pwFile ? readFileSync(pwFile, 'utf8').split(/\r?\n/)[0] : undefined,
        verifyThreads,
      },
    );
    // Identity records the state directory keeps that no longer verify: passed over, named.
    for (const p of conn.ingest.storedIdentities.problems) io.err(`note: identity record of ${p.code} in the store passed over (${p.reason}): ${p.message}`);
    let metrics: MetricsServer | undefined;
    if (optionalString(values, 'metrics') !== undefined) {
      const registry = ingestMetrics(conn.ingest);
      const campaigns = recall?.store;
      // Campaign progress needs the campaigns (the publisher state) and the acks (the store).
      if (campaigns && stateDir) campaignMetrics(registry, conn.ingest, { recallState: campaigns, trust, acks: filesAckFeed(stateDir) });
      else if (campaigns) io.err('note: no campaign progress in the metrics without --state (the acks are read from the store)');
      metrics = await startMetrics(values, io, () => registry).catch(async (err: unknown) => {
        await conn.close();
        await recall?.close();
        throw err;
      });
    }
    applyRevocations = (r) => conn.ingest.setRevocations(r);
    const recallStore = recall?.store;
    const recallState = recallStore?.where;
    // Written before the command returns: a revocation is never left behind by an exit.
    const revoking = new Set<Promise<void>>();
    if (recallStore) {
      conn.ingest.on('scrapped', (s) => {
        const p: Promise<void> = revokeScrapped(recallStore, s.code.slice(0, 2), [s.code]).then(
          (changed) => {
            if (changed) io.err(`note: ${s.code} scrapped: added to the revocations in ${recallState}`);
          },
          (err: Error) => io.err(`error: ${s.code} scrapped but not added to the revocations in ${recallState}: ${err.message}`),
        );
        revoking.add(p);
        void p.finally(() => revoking.delete(p));
      });
    }
    // Which units are online, beside the store, for `fleet units`: at exit, and every 5 s, or
    // every 10 s per 20,000 units known, whichever is longer (writing the whole view costs
    // about 1 ms per 1,000 units on the event loop: a large fleet's view is written less often).
    let lastSnapshot = 0;
    const snapshot = (force = false): void => {
      if (!stateDir) return;
      const every = Math.max(5_000, (conn.ingest.presence.size / 20_000) * 10_000);
      if (!force && Date.now() - lastSnapshot < every) return;
      lastSnapshot = Date.now();
      try {
        writePresenceSnapshot(stateDir, conn.ingest);
      } catch (err) {
        io.err(`note: presence snapshot not written: ${(err as Error).message}`);
      }
    };
    const snapshots = stateDir ? setInterval(snapshot, 1_000) : undefined;
    snapshots?.unref();
    const out = batchedLines(io);
    let printed = 0;
    let finish!: (status: number) => void;
    const done = new Promise<number>((resolve) => (finish = resolve));
    watch(conn, (l) => {
      if (printed >= limit) return;
      out.line(json ? JSON.stringify(l) : text(l));
      if (++printed >= limit) finish(EXIT.OK);
    });
    const timer = setTimeout(() => finish(EXIT.UNREACHABLE), 10_000);
    conn.ready.then(
      () => clearTimeout(timer),
      () => finish(EXIT.UNREACHABLE),
    );
    const onSignal = (): void => finish(EXIT.OK);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // The platform's revocations change while the ingest runs (`robot-id revoke` writes the
    // index state): read the file again whenever it changes.
    const stopWatching = revocationsFile ? watchRevocations(revocationsFile, (r) => conn.ingest.setRevocations(r), io) : () => undefined;
    const status = await done;
    out.flush();
    stopWatching();
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (status === EXIT.UNREACHABLE) {
      const body = { code: 'BROKER_UNREACHABLE', message: `broker ${url}: not reachable or refused the login` };
      if (json) io.out(JSON.stringify({ error: body }));
      else io.err(`error ${body.code}: ${body.message}`);
      conn.client.end(true);
      clearInterval(snapshots);
      await metrics?.close();
      await recall?.close();
      return status;
    }
    await conn.close();
    clearInterval(snapshots);
    snapshot(true);
    await Promise.all(revoking);
    await recall?.close();
    await metrics?.close();
    out.flush();
    return status;
  },
};
