/**
 * `robot-id event add`: submits an event to the running agent over its socket; prints the
 * sequence number once the event is durable. The agent is found through the same
 * configuration as `robot-id agent` (ROBOT_ID_STATE_DIR is enough), or --state-dir/--socket.
 */
import { readFileSync } from 'node:fs';
import { AgentClientError, callAgentOk, loadConfig, type AgentTarget } from '../../agent/index.js';
import { EXIT, optionalString, printError, requireString, type Command, type Values } from '../command.js';

/** The agent's socket from --socket, --state-dir/--config, or the ROBOT_ID_* environment. */
export function agentTarget(values: Values): AgentTarget {
  const socket = optionalString(values, 'socket');
  if (socket) return { socketPath: socket };
  const config = loadConfig({ file: optionalString(values, 'config'), overrides: { stateDir: optionalString(values, 'state-dir') } });
  return { socketPath: config.socketPath };
}

export const agentTargetOptions = {
  config: { type: 'string' },
  'state-dir': { type: 'string' },
  socket: { type: 'string' },
} as const;

export const eventAddCommand: Command = {
  path: ['event', 'add'],
  summary: 'record an event (maintenance, fault, part-replaced, ..., or a lifecycle transition with --order) in the agent\'s signed log',
  usage: 'event add --kind <kind> [--note <text>] [--technician <id>] [--order <signed-file>] [--state-dir <dir> | --socket <path> | --config <file>] [--json]',
  options: { ...agentTargetOptions, kind: { type: 'string' }, note: { type: 'string' }, technician: { type: 'string' }, order: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, _p, io) {
    const kind = requireString(values, 'kind');
    const orderFile = optionalString(values, 'order');
    const body = {
      kind,
      note: optionalString(values, 'note'),
      technician: optionalString(values, 'technician'),
      order: orderFile ? readFileSync(orderFile).toString('base64') : undefined,
    };
    try {
      const r = await callAgentOk<{ seq: number; hash: string }>(agentTarget(values), 'POST', '/v1/events', body);
      io.out(values.json ? JSON.stringify(r) : String(r.seq));
      return EXIT.OK;
    } catch (err) {
      if (!(err instanceof AgentClientError)) throw err;
      printError(io, values.json === true, err);
      return err.code === 'AGENT_UNREACHABLE' ? EXIT.UNREACHABLE : err.status !== undefined && err.status >= 500 && err.code !== 'EVENT_LOG_FULL' ? EXIT.FAILURE : EXIT.REJECTED;
    }
  },
};
