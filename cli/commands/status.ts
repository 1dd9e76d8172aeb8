import { EXIT, type Command } from '../command.js';
import { callAgent } from '../technician/client.js';
import { withAgent } from '../technician/errors.js';
import { statusText } from '../technician/status-text.js';
import { TARGET_USAGE, resolveTarget, targetOptions } from '../technician/target.js';

export const statusCommand: Command = {
  path: ['status'],
  summary: 'lifecycle state, connectivity, last confirmed heartbeat, outbox depth, recalls, recall index, revocation',
  usage: `status ${TARGET_USAGE}`,
  options: targetOptions,
  async run(values, _p, io) {
    const json = values.json === true;
    return withAgent(io, json, async () => {
      const { body } = await callAgent<Record<string, unknown>>(resolveTarget(values), 'GET', '/v1/status');
      if (json) io.out(JSON.stringify(body));
      else for (const line of statusText(body)) io.out(line);
      return EXIT.OK;
    });
  },
};
