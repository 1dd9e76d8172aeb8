/**
 * Runs one command with its arguments: options parsed by its own table, `--help`, and the
 * documented statuses for usage errors and missing files. Kept apart from run.ts, which loads
 * every command, so that `robot-id agent` can start with only what the agent needs (main.ts).
 */
import { EXIT, UsageError, parseCommandArgs, printError, type Command, type Io } from './command.js';

export async function runCommand(cmd: Command, rest: string[], io: Io): Promise<number> {
  const json = rest.includes('--json');
  try {
    if (rest.includes('--help')) {
      io.out(`usage: robot-id ${cmd.usage}\n${cmd.summary}`);
      return EXIT.OK;
    }
    const { values, positionals } = parseCommandArgs(cmd, rest);
    return await cmd.run(values, positionals, io);
  } catch (err) {
    if (err instanceof UsageError) {
      if (json) io.out(JSON.stringify({ error: { code: 'USAGE', message: err.message } }));
      else io.err(err.message);
      return EXIT.USAGE;
    }
    // A file named on the command line that is not there: a bad argument, said plainly.
    const errno = err as NodeJS.ErrnoException;
    if (errno?.code === 'ENOENT' && typeof errno.path === 'string') {
      const message = `no such file: ${errno.path}`;
      if (json) io.out(JSON.stringify({ error: { code: 'NO_SUCH_FILE', message } }));
      else io.err(`error NO_SUCH_FILE: ${message}`);
      return EXIT.USAGE;
    }
    printError(io, json, err);
    // Typed errors that say their own status (the platform database's: docs/cli.md).
    const status = (err as { exitStatus?: unknown })?.exitStatus;
    return typeof status === 'number' ? status : EXIT.FAILURE;
  }
}
