/** The agent's configuration (docs/operations.md §"Configuration"). Units are in the names. */
export type HardwareIdSource = { file: string } | { command: string; args: string[]; timeoutMs: number };

/**
 * A program started without a shell that receives the notice as JSON on standard input, or a
 * file the agent itself keeps the unit's enforcement state in (docs/protocol.md §"Recalls on
 * the robot").
 */
export type RecallAction = { command: string; args: string[]; timeoutMs: number } | { file: string };

export interface AgentConfig {
  /** The state directory written by `robot-id provision`. */
  stateDir: string;
  /** Trust store file; default <stateDir>/trust.json. */
  trustStore: string;
  /** Where this machine's hardware identifier comes from (default /etc/machine-id). */
  hardwareIdSource: HardwareIdSource;
  /** Local API socket; default <stateDir>/agent.sock. */
  socketPath: string;
  /** Group (name or numeric id) given access to the socket (mode 0660); none: owner only. */
  socketGroup?: string;
  /** Optional TCP listener for the local API on the service network (needs apiToken). */
  apiTcpPort?: number;
  apiTcpHost: string;
  /** TCP connections served at once; more are closed on arrival (the Unix socket is never affected). */
  apiTcpMaxConnections: number;
  /** A TCP connection must deliver a complete request within this long, or it is closed. */
  apiTcpRequestTimeoutMs: number;
  /** Bearer token for the TCP listener; at least 32 characters. */
  apiToken?: string;
  /** MQTT broker, e.g. mqtts://broker.example:8883; none: the agent runs offline. */
  brokerUrl?: string;
  brokerUsername?: string;
  brokerPassword?: string;
  brokerCaFile?: string;
  brokerCertFile?: string;
  brokerKeyFile?: string;
  brokerKeepaliveSeconds: number;
  /** 4 = MQTT 3.1.1 (works with any broker), 5 = MQTT 5. Nothing depends on v5 features. */
  brokerProtocolVersion: 4 | 5;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Interval of signed heartbeats. */
  heartbeatIntervalMs: number;
  /** Health fails when nothing was confirmed for healthMultiple x heartbeatIntervalMs. */
  healthMultiple: number;
  /** How often unconfirmed outbox entries are resent. */
  resendIntervalMs: number;
  /** Cap of the event log file (docs/operations.md §"Disk policy"). */
  maxLogBytes: number;
  /** Cap of the recall-acknowledgement log file. */
  maxAckLogBytes: number;
  /** Part of maxLogBytes kept for chain-break records and lifecycle orders. */
  logReserveBytes: number;
  /**
   * Where event-log entries are signed (docs/key-handling.md §"The signing thread"): 'burst'
   * on a worker thread while appends queue up, else on the event loop; 'always' every entry on
   * the thread; 'off' never (one core, or a key that is not in memory).
   */
  signingThread: 'burst' | 'always' | 'off';
  /** A root-signed recall policy shipped with the unit (installed at start when newer than the held one). */
  recallPolicyFile?: string;
  recallAction?: RecallAction;
  /** A recall index older than this is reported stale. */
  recallIndexMaxAgeMs: number;
  /** How often the time floor is persisted while running. */
  timeFloorPersistIntervalMs: number;
  /** When set: refuse to start (status 15) if the clock is behind the floor by more than this. */
  refuseClockBehindMs?: number;
  /** Tolerated clock difference when checking an order's issue time. */
  orderSkewSeconds: number;
  /**
   * `required` (the scheme: no unit enters service unregistered) or `waived` (a demo or a test
   * bench; every heartbeat says so).
   */
  registration: 'required' | 'waived';
  firmwareVersion?: string;
  /**
   * Serves GET /v1/metrics (Prometheus text) on the local API, behind the same access checks as
   * every route; off by default, and prom-client is not loaded while it is off.
   */
  metricsEnabled: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Config as written in a file or the environment, before defaults and validation. */
export type ConfigInput = { [K in keyof AgentConfig]?: unknown };
