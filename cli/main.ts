/**
 * The `robot-id` entry point: every command (cli/run.ts). `robot-id agent` (the service a robot
 * starts on every boot) loads only the agent's command here too, but the loaders of the bundle
 * and of the single executable start it from a script of its own, cli/agent-main.ts, that holds
 * nothing else: the start to the birth message is kept short (docs/performance.md).
 */
import { runMain } from './process-main.js';

const argv = process.argv.slice(2);
runMain((io) =>
  argv[0] === 'agent'
    ? Promise.all([import('./commands/agent.js'), import('./run-command.js')]).then(([{ agentCommand }, { runCommand }]) => runCommand(agentCommand, argv.slice(1), io))
    : import('./run.js').then(({ runCli }) => runCli(argv, io)),
);
