/**
 * Where a command finds the platform's publisher state: `--state <dir>` (files) or `--db
 * <postgres://...>` / ROBOT_ID_PLATFORM_DB (PostgreSQL, migration 0006). Naming both on the
 * command line is refused with STATE_CHOICE (exit 2): one publisher state, never two.
 */
import { Revocations, RobotIdError, type PublisherStore } from '../../sdk/index.js';
import { PgPublisherStore } from '../../platform/store/postgres/publisher-pg.js';
import { loadRevocations } from '../revocations.js';
import { openPublisherStore, type PublisherStateLocation } from '../../platform/store/open-publisher.js';
import { optionalString, type Io, type Values } from '../command.js';
import { dbUrlOf } from './db.js';

export class StateChoiceError extends RobotIdError {
  /** Exit status 2: a usage error (docs/cli.md). */
  readonly exitStatus = 2;
  constructor(message: string) {
    super('STATE_CHOICE', message);
  }
}

/**
 * The location the options name. `stateFlag` is the command's directory flag (`state`,
 * `recall-state`); `fallbackDir`, if any, is used when neither is given, else STATE_CHOICE.
 * An explicit directory flag wins over ROBOT_ID_PLATFORM_DB (the environment names the
 * platform's database for every command; the flag is what this invocation asked for).
 */
export function publisherStateOf(values: Values, stateFlag = 'state', fallbackDir?: string, env: NodeJS.ProcessEnv = process.env): PublisherStateLocation {
  const dir = optionalString(values, stateFlag);
  const flagDb = optionalString(values, 'db');
  if (dir !== undefined && flagDb !== undefined) {
    throw new StateChoiceError(`--${stateFlag} ${dir} and --db: expected one place for the publisher state, got both`);
  }
  if (dir !== undefined) return { dir };
  const url = dbUrlOf(values, env);
  if (url !== undefined) return { url };
  if (fallbackDir !== undefined) return { dir: fallbackDir };
  throw new StateChoiceError(`expected the publisher state: --${stateFlag} <dir> or --db <postgres://...> (or ROBOT_ID_PLATFORM_DB)`);
}

export function openPublisherStateOf(values: Values, stateFlag = 'state', fallbackDir?: string): Promise<PublisherStore> {
  return openPublisherStore(publisherStateOf(values, stateFlag, fallbackDir));
}

/**
 * The platform's revocations for a command that judges units: `--revocations <file>` when
 * given; else, with a database (`url`), those of the publisher state kept there (an empty list
 * when it holds none yet); else none.
 */
export async function platformRevocations(values: Values, url: string | undefined): Promise<Revocations> {
  const file = optionalString(values, 'revocations');
  if (file !== undefined || url === undefined) return loadRevocations(file);
  const store = await PgPublisherStore.open(url);
  try {
    return (await store.read())?.revocationList() ?? Revocations.none;
  } finally {
    await store.close();
  }
}

/**
 * What a command says when it could not re-read the revocations of the publisher state in
 * `where` (docs/operations.md §"Revocations on PostgreSQL"): at most one line a minute while the
 * database is away; the list held stays in force.
 */
export function revocationsReadFailedNote(io: Io, where: string): (err: unknown) => void {
  let reported = -Infinity;
  return (err) => {
    if (Date.now() - reported < 60_000) return;
    reported = Date.now();
    io.err(`note: revocations not re-read from ${where} (${(err as { code?: string }).code ?? 'DB_FAILED'}): the list held stays in force`);
  };
}
