/**
 * What can go wrong reaching the platform's database, as typed errors with stable codes and
 * the CLI exit status each one means (docs/cli.md). No message ever carries the password: a
 * URL is only ever shown through `redactUrl`.
 */
import { RobotIdError } from '../../../sdk/index.js';

export type PlatformDbErrorCode =
  /** The --db URL is not a postgres:// URL (exit 2). */
  | 'DB_URL'
  /** Nothing answers at the URL's host and port, or the database named does not exist (exit 3). */
  | 'DB_UNREACHABLE'
  /** The server refused the user or password (exit 3). */
  | 'DB_AUTH'
  /** The database lacks this version's migrations: run `robot-id platform migrate` (exit 4). */
  | 'DB_NOT_MIGRATED'
  /** The database was migrated by a newer version than this one (exit 4). */
  | 'DB_TOO_NEW'
  /** A query failed (exit 4). */
  | 'DB_FAILED';

const EXIT_OF: Record<PlatformDbErrorCode, number> = { DB_URL: 2, DB_UNREACHABLE: 3, DB_AUTH: 3, DB_NOT_MIGRATED: 4, DB_TOO_NEW: 4, DB_FAILED: 4 };

export class PlatformDbError extends RobotIdError {
  /** The CLI's exit status for this error (docs/cli.md). */
  readonly exitStatus: number;
  constructor(
    override readonly code: PlatformDbErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.exitStatus = EXIT_OF[code];
  }
}

/**
 * The URL with its password replaced by `***`, in the user part and in any query parameter
 * that can carry one (`?password=`, `?sslpassword=`), or "the URL given" when it does not parse.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) if (/pass/i.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    // Not a URL at all: nothing of it is shown, it might be a password pasted by mistake.
    return 'the URL given';
  }
}
