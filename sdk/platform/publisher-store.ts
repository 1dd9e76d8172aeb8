/**
 * Where the platform's publisher state lives (docs/operations.md §"The platform's state"),
 * behind one interface: the recall publisher, `recall status`, the ingest's scrapped handling
 * and every reader of the revocations go through it. The model (IndexState) is pure; a store
 * loads it, runs one change at a time on it under its lock, and commits what the change
 * recorded atomically. Implementations (files, PostgreSQL) live with the platform's services
 * (platform/store/), never in the SDK.
 */
import { IndexError } from '../errors.js';
import type { IndexState } from './index-state.js';

/** Runs after a change committed, still under the store's lock, over the state as committed. */
export type AfterCommit<T> = (out: T, state: IndexState) => Promise<void>;

export interface PublisherStore {
  /** Where the state lives, for messages (a directory, or a database URL without its password). */
  readonly where: string;
  /**
   * Runs one change: waits for the store's lock, loads the state (an empty one of `country`
   * when none exists; INDEX_STATE_INVALID when the state is of another country), runs `fn`,
   * and commits everything `fn` recorded on the state as one atomic change before the lock is
   * released. Nothing is committed when `fn` throws. `afterCommit`, if given, runs after the
   * commit and before the lock is released (the publisher sends to the broker there, so two
   * publishers' sends never cross: the broker ends with the newest index).
   */
  change<T>(country: string, fn: (state: IndexState) => Promise<T> | T, afterCommit?: AfterCommit<T>): Promise<T>;
  /** The committed state, without waiting for the lock; undefined when none exists yet. */
  read(): Promise<IndexState | undefined>;
  close(): Promise<void>;
}

/** The committed state, or INDEX_STATE_MISSING naming where none was found (for readers). */
export async function readExisting(store: PublisherStore): Promise<IndexState> {
  const state = await store.read();
  if (!state) {
    throw new IndexError('INDEX_STATE_MISSING', `${store.where}: expected the platform's publisher state (recall publish --state or --db)`);
  }
  return state;
}
