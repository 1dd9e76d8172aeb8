/**
 * The `robot-id` entry point: real process I/O around runCli. `robot-id agent` (the service a
 * robot starts on every boot) loads only the agent's command: the other commands and their
 * dependencies are never initialised for it, which keeps the start to the birth message short
 * (docs/performance.md).
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

// A reader that went away (`robot-id status | head -4`) is not an error: end quietly, as
// command-line tools do on a closed pipe.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const argv = process.argv.slice(2);
const run: Promise<number> =
  argv[0] === 'agent'
    ? Promise.all([import('./commands/agent.js'), import('./run-command.js')]).then(([{ agentCommand }, { runCommand }]) => runCommand(agentCommand, argv.slice(1), io))
    : import('./run.js').then(({ runCli }) => runCli(argv, io));
run.then(
  (status) => {
    process.exitCode = status;
  },
  (err: unknown) => {
    // Never a stack trace for the user: the message, and the stack only when asked for.
    process.stderr.write(`error INTERNAL: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 4;
  },
);
