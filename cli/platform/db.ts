/**
 * The platform database a command uses: --db <postgres://...> or ROBOT_ID_PLATFORM_DB. The URL
 * may carry a password; it is never printed (errors name it through redactUrl).
 */
import type { Options, Values } from '../command.js';
import { optionalString } from '../command.js';

export const dbOption: Options = { db: { type: 'string' } };

/** The --db URL, else ROBOT_ID_PLATFORM_DB, else undefined (the files of a state directory). */
export function dbUrlOf(values: Values, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return optionalString(values, 'db') ?? (env.ROBOT_ID_PLATFORM_DB || undefined);
}
