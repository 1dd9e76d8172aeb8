/**
 * The shape of one `robot-id` subcommand. Each subcommand lives in its own file under
 * cli/commands/ and is listed once in cli/commands/index.ts.
 *
 * Exit statuses (documented in docs/cli.md):
 *   0 success, 1 the input was examined and rejected (invalid code, failed verification),
 *   2 usage error, 3 could not reach the agent or broker, 4 an I/O or internal failure.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RobotIdError } from '../sdk/index.js';

export const EXIT = { OK: 0, REJECTED: 1, USAGE: 2, UNREACHABLE: 3, FAILURE: 4 } as const;

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Standard input as text (empty when none); read lazily by commands that take it. */
  stdin(): Promise<string>;
  /** Whether standard output is a terminal (colours and cursor codes only then). */
  readonly isTerminal?: boolean;
}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  /** Words after `robot-id`, e.g. ['code', 'parse']. */
  readonly path: readonly string[];
  readonly summary: string;
  /** One usage line without the `robot-id` prefix, e.g. `code parse <code> [--json]`. */
  readonly usage: string;
  readonly options: Options;
  /** Returns the exit status. Throwing UsageError gives status 2 with its message. */
  run(values: Values, positionals: string[], io: Io): Promise<number>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseCommandArgs(cmd: Command, argv: string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: cmd.options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: robot-id ${cmd.usage}`);
  }
}

export function requireString(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`missing --${name}`);
  return v;
}

export function optionalString(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requirePositional(positionals: string[], index: number, what: string): string {
  const v = positionals[index];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

/**
 * Prints a typed error the way every command does: `{"error":{"code","message"}}` with --json,
 * `error CODE: message` otherwise.
 */
export function printError(io: Io, json: boolean, err: unknown): void {
  const body =
    err instanceof RobotIdError
      ? err.toJSON()
      : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
  if (json) io.out(JSON.stringify({ error: body }));
  else io.err(`error ${body.code}: ${body.message}`);
}
