/**
 * `robot-id health`: the container / service-manager health probe. Exit 0 healthy,
 * 1 unhealthy (no heartbeat acknowledged and no receipt for longer than healthMultiple x heartbeatIntervalMs),
 * 3 agent unreachable. Used by the Dockerfile's HEALTHCHECK.
 */
import { EXIT, type Command } from '../command.js';
import { callAgent } from '../technician/client.js';
import { withAgent } from '../technician/errors.js';
import { keyValueLines } from '../technician/format.js';
import { TARGET_USAGE, resolveTarget, targetOptions } from '../technician/target.js';

interface HealthBody {
  healthy: boolean;
  reason?: string;
  [k: string]: unknown;
}

export const healthCommand: Command = {
  path: ['health'],
  summary: 'exit 0 when the agent is making progress, 1 when not, 3 when it cannot be reached',
  usage: `health ${TARGET_USAGE}`,
  options: targetOptions,
  async run(values, _p, io) {
    const json = values.json === true;
    return withAgent(io, json, async () => {
      const { body } = await callAgent<HealthBody>(resolveTarget(values), 'GET', '/v1/health', undefined, { accept: [200, 503], timeoutMs: 5_000 });
      if (json) io.out(JSON.stringify(body));
      else {
        io.out(body.healthy ? 'healthy' : `unhealthy: ${body.reason ?? 'no progress'}`);
        for (const line of keyValueLines(Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'healthy' && k !== 'reason')))) io.out(`  ${line}`);
      }
      return body.healthy === true ? EXIT.OK : EXIT.REJECTED;
    });
  },
};
