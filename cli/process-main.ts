/**
 * What both entry points of the `robot-id` program do around a command: the real process I/O,
 * a quiet end on a closed pipe, the exit status, and one line (never a stack trace) for an
 * error nothing else caught. main.ts runs every command; agent-main.ts only `robot-id agent`
 * (the loaders start it for that command: docs/packaging.md).
 */
import type { Io } from './command.js';

const io: Io = {
  isTerminal: process.stdout.isTTY === true,
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  stdin: async () => {
    if (process.stdin.isTTY) return '';
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** Runs `command` with the process's I/O and sets the process's exit status from it. */
export function runMain(command: (io: Io) => Promise<number>): void {
  // A reader that went away (`robot-id status | head -4`) is not an error: end quietly, as
  // command-line tools do on a closed pipe.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  command(io).then(
    (status) => {
      process.exitCode = status;
    },
    (err: unknown) => {
      // Never a stack trace for the user: the message, and the stack only when asked for.
      process.stderr.write(`error INTERNAL: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 4;
    },
  );
}
