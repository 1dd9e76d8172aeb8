/**
 * One declarative table of every configuration key: its type and bounds. The validator and
 * the environment mapping (ROBOT_ID_<KEY_IN_SCREAMING_SNAKE>) both read it.
 */
import type { AgentConfig } from './types.js';

export type KeyType =
  | { t: 'string'; min?: number }
  | { t: 'int'; min: number; max?: number }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'bool' }
  | { t: 'hardwareIdSource' }
  | { t: 'recallAction' };

export interface KeySpec {
  type: KeyType;
  optional?: boolean;
}

const str: KeySpec = { type: { t: 'string', min: 1 } };
const optStr: KeySpec = { ...str, optional: true };
const ms = (min: number): KeySpec => ({ type: { t: 'int', min } });

export const CONFIG_KEYS: Readonly<Record<keyof AgentConfig, KeySpec>> = {
  stateDir: str,
  trustStore: str,
  hardwareIdSource: { type: { t: 'hardwareIdSource' } },
  socketPath: str,
  socketGroup: optStr,
  apiTcpPort: { type: { t: 'int', min: 1, max: 65535 }, optional: true },
  apiTcpHost: str,
  apiTcpMaxConnections: { type: { t: 'int', min: 1, max: 4096 } },
  apiTcpRequestTimeoutMs: ms(100),
  apiToken: { type: { t: 'string', min: 32 }, optional: true },
  brokerUrl: optStr,
  brokerUsername: optStr,
  brokerPassword: optStr,
  brokerCaFile: optStr,
  brokerCertFile: optStr,
  brokerKeyFile: optStr,
  brokerKeepaliveSeconds: { type: { t: 'int', min: 5, max: 3600 } },
  brokerProtocolVersion: { type: { t: 'int', min: 4, max: 5 } },
  reconnectMinMs: ms(10),
  reconnectMaxMs: ms(100),
  heartbeatIntervalMs: ms(100),
  healthMultiple: { type: { t: 'int', min: 1, max: 1000 } },
  resendIntervalMs: ms(10),
  maxLogBytes: { type: { t: 'int', min: 64 * 1024 } },
  maxAckLogBytes: { type: { t: 'int', min: 64 * 1024 } },
  logReserveBytes: { type: { t: 'int', min: 16 * 1024 } },
  signingThread: { type: { t: 'enum', values: ['burst', 'always', 'off'] } },
  recallAction: { type: { t: 'recallAction' }, optional: true },
  recallPolicyFile: optStr,
  recallIndexMaxAgeMs: ms(1000),
  timeFloorPersistIntervalMs: ms(100),
  refuseClockBehindMs: { type: { t: 'int', min: 0 }, optional: true },
  orderSkewSeconds: { type: { t: 'int', min: 0, max: 86400 } },
  registration: { type: { t: 'enum', values: ['required', 'waived'] } },
  firmwareVersion: optStr,
  metricsEnabled: { type: { t: 'bool' } },
  logLevel: { type: { t: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] } },
};

/** heartbeatIntervalMs -> ROBOT_ID_HEARTBEAT_INTERVAL_MS */
export function envName(key: string): string {
  return 'ROBOT_ID_' + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}
