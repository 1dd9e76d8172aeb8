/**
 * `robot-id agent --config <file>`: runs the agent until SIGTERM/SIGINT (graceful) or until it
 * asks to stop (a drained decommissioned/scrapped unit). A refusal prints one line and exits
 * with its documented status (docs/operations.md §"Exit statuses").
 */
import { AgentStartError, ConfigError, EXIT_STATUS, loadConfig, startAgent } from '../../agent/index.js';
import { optionalString, type Command } from '../command.js';

export const agentCommand: Command = {
  path: ['agent'],
  summary: 'run the on-robot agent (config: --config file, then ROBOT_ID_* environment variables)',
  usage: 'agent [--config <file>] [--state-dir <dir>]',
  options: { config: { type: 'string' }, 'state-dir': { type: 'string' } },
  async run(values, _p, io) {
    // Signals are handled from the first moment: one arriving during start-up stops the agent
    // as soon as it is up, gracefully, instead of killing it half-started.
    const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
    let onSignal!: (s: NodeJS.Signals) => void;
    const signalled = new Promise<{ exitStatus: number; reason: string }>((resolve) => {
      onSignal = (s) => resolve({ exitStatus: EXIT_STATUS.ok, reason: s });
      for (const s of signals) process.once(s, onSignal);
    });
    const unhook = (): void => {
      for (const s of signals) process.off(s, onSignal);
    };
    let agent;
    try {
      const config = loadConfig({ file: optionalString(values, 'config'), overrides: { stateDir: optionalString(values, 'state-dir') } });
      agent = await startAgent(config);
    } catch (err) {
      unhook();
      if (err instanceof ConfigError) {
        io.err(`robot-id agent: refused: ${err.message}`);
        return EXIT_STATUS.configInvalid;
      }
      if (err instanceof AgentStartError) {
        io.err(`robot-id agent: refused: ${err.message}`);
        return err.exitStatus;
      }
      io.err(`robot-id agent: failed to start: ${err instanceof Error ? err.message : String(err)}`);
      return EXIT_STATUS.failure;
    }
    const stop = await Promise.race([signalled, agent.stopRequested]);
    unhook();
    agent.log.info({ reason: stop.reason, exitStatus: stop.exitStatus }, 'agent stopping');
    await agent.close();
    if (stop.exitStatus !== EXIT_STATUS.ok) io.err(`robot-id agent: stopped: ${stop.reason}`);
    return stop.exitStatus;
  },
};
