/**
 * Which agent a technician command talks to:
 *   --agent http://host:port   the TCP listener (token from --token, --token-file or the
 *                              agent configuration's apiToken / ROBOT_ID_API_TOKEN)
 *   --agent <path>             a Unix socket path
 *   (neither)                  the socket named by the agent configuration (--config <file>
 *                              and ROBOT_ID_* variables; ROBOT_ID_STATE_DIR is enough)
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../agent/config/index.js';
import { UsageError, optionalString, type Options, type Values } from '../command.js';
import type { AgentTarget } from './client.js';

export const targetOptions: Options = {
  agent: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
};

export const TARGET_USAGE = '[--agent <url|socket>] [--token <t>] [--json]';

function tokenFrom(values: Values, fallback: () => string | undefined): string | undefined {
  const direct = optionalString(values, 'token');
  if (direct) return direct;
  const file = optionalString(values, 'token-file');
  if (file) return readFileSync(file, 'utf8').trim();
  return fallback();
}

/** The agent configuration, loaded only when needed (a bad one is a usage error). */
function config(values: Values) {
  try {
    return loadConfig({ file: optionalString(values, 'config') });
  } catch (err) {
    throw new UsageError(`cannot find the agent: ${(err as Error).message}`);
  }
}

export function resolveTarget(values: Values): AgentTarget {
  const agent = optionalString(values, 'agent');
  if (agent && /^https?:\/\//.test(agent)) {
    const url = new URL(agent);
    if (url.protocol !== 'http:') throw new UsageError(`--agent ${agent}: only http:// is served by the agent (put TLS in front with a proxy)`);
    const token = tokenFrom(values, () => config(values).apiToken);
    if (!token) throw new UsageError('--agent over TCP needs --token, --token-file or ROBOT_ID_API_TOKEN');
    return { url, token, label: url.origin };
  }
  if (agent) return { socketPath: agent, label: agent };
  const socketPath = config(values).socketPath;
  return { socketPath, label: socketPath };
}
