/**
 * The entry point of `robot-id agent` alone: the agent's command and what it imports, no other
 * command and none of their dependencies (the PostgreSQL client, the metrics, the QR code
 * renderer, the demo broker). scripts/bundle.mjs makes it the script the loaders run when the
 * first argument is `agent` (dist/robot-id-agent.cjs, and the single executable's asset of the
 * same name), which starts the agent faster than the whole CLI's bundle (docs/performance.md).
 */
import { EXIT } from './command.js';
import { agentCommand } from './commands/agent.js';
import { runCommand } from './run-command.js';
import { runMain } from './process-main.js';

const [command, ...rest] = process.argv.slice(2);
runMain(async (io) => {
  if (command !== agentCommand.path[0]) {
    io.err(`usage: robot-id ${agentCommand.usage}`);
    return EXIT.USAGE;
  }
  return runCommand(agentCommand, rest, io);
});
