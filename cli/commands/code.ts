/**
 * `robot-id code parse` and `robot-id code check`: the 29-position code from the command line.
 * Thin over sdk/code. Bad input is exit 1 (REJECTED) with the typed error; a bad
 * --charset/--check is exit 2 (USAGE) with CODE_SCHEME.
 */
import type { Command, Io, Values } from '../command.js';
import { EXIT, UsageError, optionalString, printError } from '../command.js';
import {
  CodeFormatError,
  codeScheme,
  completeCode,
  formatCode,
  parseCode,
  type CheckAlgorithm,
  type CodeCharset,
  type CodeScheme,
  type RobotCode,
} from '../../sdk/index.js';

const SCHEME_OPTIONS = {
  json: { type: 'boolean' },
  charset: { type: 'string' },
  check: { type: 'string' },
  country: { type: 'string', multiple: true },
} as const;

function schemeFrom(values: Values): CodeScheme {
  const countries = values['country'];
  return codeScheme({
    charset: optionalString(values, 'charset') as CodeCharset | undefined,
    check: optionalString(values, 'check') as CheckAlgorithm | undefined,
    countries: Array.isArray(countries) ? countries : undefined,
  });
}

function describe(rc: RobotCode): Record<string, string> {
  return { code: rc.code, country: rc.country, enterprise: rc.enterprise, model: rc.model, serial: rc.serial, display: formatCode(rc) };
}

function print(io: Io, json: boolean, rc: RobotCode): void {
  const d = describe(rc);
  if (json) {
    io.out(JSON.stringify(d));
    return;
  }
  for (const key of ['code', 'display', 'country', 'enterprise', 'model', 'serial']) io.out(`${key.padEnd(10)}  ${d[key]}`);
}

/** Runs `fn`; typed code errors become exit 1 (input) or 2 (scheme), everything else propagates. */
function guarded(io: Io, json: boolean, fn: () => number): number {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof CodeFormatError)) throw err;
    printError(io, json, err);
    return err.code === 'CODE_SCHEME' ? EXIT.USAGE : EXIT.REJECTED;
  }
}

/** Words after the subcommand, joined: lets `code parse 86 1234 567890 ...` work unquoted. */
function joined(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`);
  return positionals.join(' ');
}

export const codeParseCommand: Command = {
  path: ['code', 'parse'],
  summary: 'validate a robot code; print its canonical form and segments',
  usage: 'code parse <code> [--json] [--charset digits|alphanumeric] [--check none|iso7064-mod97-10|iso7064-mod37-36] [--country CC ...]',
  options: SCHEME_OPTIONS,
  async run(values, positionals, io) {
    const json = values['json'] === true;
    const input = joined(positionals, '<code>');
    return guarded(io, json, () => {
      print(io, json, parseCode(input, schemeFrom(values)));
      return EXIT.OK;
    });
  },
};

export const codeCheckCommand: Command = {
  path: ['code', 'check'],
  summary: 'append the check character(s) to a code body and print the full code',
  usage: 'code check <code-without-check> --check iso7064-mod97-10|iso7064-mod37-36 [--charset digits|alphanumeric] [--json]',
  options: SCHEME_OPTIONS,
  async run(values, positionals, io) {
    const json = values['json'] === true;
    const input = joined(positionals, '<code-without-check>');
    if (optionalString(values, 'check') === undefined) throw new UsageError('missing --check (iso7064-mod97-10 or iso7064-mod37-36)');
    return guarded(io, json, () => {
      const rc = completeCode(input, schemeFrom(values));
      if (json) io.out(JSON.stringify(describe(rc)));
      else io.out(rc.code);
      return EXIT.OK;
    });
  },
};
