/**
 * The revocations an ingest worker holds, followed in the publisher state of the database it
 * stores into (docs/operations.md §"Revocations on PostgreSQL"): read at start, then re-read
 * whenever the state's version changes. A committed change of the revocations sends NOTIFY
 * (publisher-pg.ts), which a worker listening receives at once; a version check every
 * `checkMs` (default 2000 ms) covers a lost notification or a dropped listening connection. So
 * a `robot-id revoke --db` is applied within `checkMs` of its commit, usually well under a
 * second. A failed read keeps the list held (a revocation is never dropped by an outage) and
 * is reported through `onError`; the next check tries again.
 */
import pg from 'pg';
import { Revocations, revocationsFromLists } from '../../../sdk/index.js';
import type { Db } from './connect.js';
import { PUBLISHER_CHANNEL, publisherVersion, readPublisherRevocations } from './publisher-pg.js';

export const DEFAULT_REVOCATIONS_CHECK_MS = 2000;

export interface FollowOptions {
  checkMs?: number;
  /** A re-read or the listening connection failed; the held list stays in force. */
  onError?: (err: unknown) => void;
}

export interface RevocationsFollower {
  /** The list read at start (empty when the database holds no publisher state yet). */
  readonly initial: Revocations;
  /** The version of the publisher state the held list comes from (0: none yet). */
  version(): number;
  stop(): Promise<void>;
}

/** Reads the revocations now (a failure here is the caller's: the worker does not start). */
export async function followPublisherRevocations(db: Db, apply: (r: Revocations) => void, options: FollowOptions = {}): Promise<RevocationsFollower> {
  const checkMs = options.checkMs ?? DEFAULT_REVOCATIONS_CHECK_MS;
  const onError = options.onError ?? (() => undefined);
  const first = await readPublisherRevocations(db);
  let held = first?.version ?? 0;
  /** The lists held, as read: most commits (a recall published, indexes re-signed) leave them as they were. */
  let heldLists = JSON.stringify(first?.revocations);
  const initial = first ? revocationsFromLists(first.revocations) : Revocations.none;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const check = (): void => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        if ((await publisherVersion(db)) === held) return;
        const now = await readPublisherRevocations(db);
        if (!now || stopped) return;
        // Applied only when they changed: applying makes the ingest verify every unit's record again.
        const lists = JSON.stringify(now.revocations);
        if (lists !== heldLists) apply(revocationsFromLists(now.revocations));
        heldLists = lists;
        held = now.version;
      } catch (err) {
        onError(err);
      }
    });
  };

  let listener: pg.Client | undefined;
  const listen = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 5000, application_name: 'robot-id revocations' });
    c.on('error', (err) => {
      onError(err);
      if (listener === c) listener = undefined;
      void c.end().catch(() => undefined); // already broken; the periodic check covers the gap
    });
    c.on('notification', (n) => {
      if (n.channel === PUBLISHER_CHANNEL) check();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${PUBLISHER_CHANNEL}`);
    } catch (err) {
      await c.end().catch(() => undefined); // never connected or broken: nothing to keep
      throw err;
    }
    if (stopped) {
      await c.end();
      return;
    }
    listener = c;
    // A change committed while the listener was connecting is caught here.
    check();
  };
  let connecting = false;
  const relisten = (): void => {
    if (listener || connecting || stopped) return;
    connecting = true;
    listen()
      .catch(onError)
      .finally(() => (connecting = false));
  };
  relisten();
  const timer = setInterval(() => {
    check();
    relisten();
  }, checkMs);
  timer.unref();

  return {
    initial,
    version: () => held,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      while (connecting) await new Promise((r) => setTimeout(r, 20));
      const l = listener;
      listener = undefined;
      await l?.end().catch(() => undefined);
    },
  };
}
