import type { AgentConfig } from './types.js';

/** The one default configuration; paths that depend on stateDir are filled in by loadConfig. */
export const defaultConfig: Readonly<Omit<AgentConfig, 'trustStore' | 'socketPath'>> = Object.freeze({
  stateDir: '/var/lib/robot-id',
  hardwareIdSource: Object.freeze({ file: '/etc/machine-id' }),
  apiTcpHost: '0.0.0.0',
  apiTcpMaxConnections: 32,
  apiTcpRequestTimeoutMs: 5_000,
  brokerKeepaliveSeconds: 30,
  brokerProtocolVersion: 4,
  reconnectMinMs: 1_000,
  reconnectMaxMs: 60_000,
  heartbeatIntervalMs: 60_000,
  healthMultiple: 3,
  resendIntervalMs: 30_000,
  maxLogBytes: 64 * 1024 * 1024,
  maxAckLogBytes: 16 * 1024 * 1024,
  logReserveBytes: 64 * 1024,
  signingThread: 'burst',
  recallIndexMaxAgeMs: 24 * 3600 * 1000,
  timeFloorPersistIntervalMs: 60_000,
  orderSkewSeconds: 300,
  registration: 'required',
  metricsEnabled: false,
  logLevel: 'info',
});
