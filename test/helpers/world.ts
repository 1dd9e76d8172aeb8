/**
 * What most integration tests set up first: a temporary directory, a broker of their own on a
 * free port and, where asked, the test PKI and a PostgreSQL database of their own (migrated).
 * `useWorld` registers the setup in a beforeAll and the teardown in an afterAll of the block it
 * is called in (inside a `describe.skipIf`, neither runs when the block is skipped). Teardown
 * runs whatever setup got done, also after a failure halfway: the cleanups the test added
 * (newest first), every CLI process `startProc` and `startAgentProcess` started, the broker,
 * the database, the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { cli, stopAll } from './agent-process.js';
import { startBroker, type BrokerOptions, type TestBroker } from './broker.js';
import { makePki, type Pki, type PkiOptions } from './pki.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export interface WorldOptions {
  /** The test PKI, made in `<tmp>/pki`; options for its key algorithms. */
  pki?: boolean | PkiOptions;
  /** Options for the broker (auth, extra config lines). */
  broker?: BrokerOptions;
  /** A database of its own, migrated by `robot-id platform migrate`. */
  database?: boolean;
  /** The setup's time limit (default 60 s). */
  timeoutMs?: number;
}

export interface World {
  readonly tmp: string;
  readonly broker: TestBroker;
  readonly pki: Pki;
  readonly database: TestDatabase;
  /** A path inside the temporary directory. */
  p(...parts: string[]): string;
  /** Runs at teardown before the processes and the broker stop; the newest first. */
  cleanup(fn: () => unknown): void;
}

/** `prefix` names the temporary directory (`<os tmp>/<prefix>XXXXXX`). */
export function useWorld(prefix: string, options: WorldOptions = {}): World {
  let tmp: string | undefined;
  let broker: TestBroker | undefined;
  let pki: Pki | undefined;
  let database: TestDatabase | undefined;
  const cleanups: (() => unknown)[] = [];
  const made = <T>(what: string, v: T | undefined): T => {
    if (v === undefined) throw new Error(`world: no ${what} (not asked for, or setup has not run)`);
    return v;
  };
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), prefix));
    broker = await startBroker(options.broker);
    if (options.database) {
      database = await createTestDatabase();
      const migrated = cli(['platform', 'migrate', '--db', database.url]);
      expect(migrated.status, migrated.stderr).toBe(0);
    }
    if (options.pki) pki = await makePki(join(tmp, 'pki'), options.pki === true ? {} : options.pki);
  }, options.timeoutMs ?? 60_000);
  afterAll(async () => {
    for (const fn of cleanups.reverse()) await fn();
    await stopAll();
    await broker?.stop();
    await database?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  return {
    get tmp() {
      return made('temporary directory', tmp);
    },
    get broker() {
      return made('broker', broker);
    },
    get pki() {
      return made('PKI', pki);
    },
    get database() {
      return made('database', database);
    },
    p: (...parts) => join(made('temporary directory', tmp), ...parts),
    cleanup: (fn) => void cleanups.push(fn),
  };
}
