/**
 * Dispatches argv to a subcommand. Kept apart from cli/main.ts so tests and the demo can run
 * the CLI in-process with their own Io.
 */
import { commands } from './commands/index.js';
import { EXIT, type Command, type Io } from './command.js';
import { runCommand } from './run-command.js';
import { VERSION } from '../sdk/index.js';

function findCommand(argv: string[]): { cmd: Command; rest: string[] } | undefined {
  let best: { cmd: Command; rest: string[] } | undefined;
  for (const cmd of commands) {
    const n = cmd.path.length;
    if (argv.length < n) continue;
    if (cmd.path.every((w, i) => argv[i] === w) && (!best || n > best.cmd.path.length)) {
      best = { cmd, rest: argv.slice(n) };
    }
  }
  return best;
}

export function helpText(): string {
  const lines = ['usage: robot-id <command> [options]   (robot-id <command> --help for one command)', '', 'commands:'];
  // Usage lines are long: each command gets its usage, then its summary indented below.
  for (const c of commands) lines.push(`  ${c.usage}`, `      ${c.summary}`);
  lines.push('', 'exit status: 0 ok, 1 rejected, 2 usage, 3 unreachable, 4 failure (see docs/cli.md)');
  return lines.join('\n');
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(helpText());
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(VERSION);
    return EXIT.OK;
  }
  const found = findCommand(argv);
  if (!found) {
    // `robot-id code --help` (a group of subcommands): its subcommands.
    const group = commands.filter((c) => c.path.length > 1 && c.path[0] === argv[0]);
    if (group.length > 0 && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      const lines = [`robot-id ${argv[0]} <subcommand> [options]   (robot-id ${argv[0]} <subcommand> --help for one)`, ''];
      for (const c of group) lines.push(`  ${c.usage}`, `      ${c.summary}`);
      (argv.length === 1 ? io.err : io.out)(lines.join('\n'));
      return argv.length === 1 ? EXIT.USAGE : EXIT.OK;
    }
    io.err(`unknown command: ${argv.slice(0, 2).join(' ')}\n\n${helpText()}`);
    return EXIT.USAGE;
  }
  return runCommand(found.cmd, found.rest, io);
}
