/**
 * The technician routes of the local API (docs/local-api.md). Each route is a small pure
 * handler over `TechnicianDeps`, which the agent's composition root fills from its parts, so
 * the routes know nothing about sockets, MQTT or files.
 */
import { RobotIdError, type Signer, type VerifiedIdentity } from '../../../sdk/index.js';

export interface ApiRequest {
  method: string;
  /** Path without the query string, e.g. /v1/events. */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body (undefined for none). */
  body: unknown;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle(req: ApiRequest): Promise<ApiAnswer> | ApiAnswer;
}

/** A request the agent refuses; `status` is the HTTP status, `code` the stable error code. */
export class ApiError extends RobotIdError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** One stored event-log entry as the log returns it. */
export interface StoredEntry {
  seq: number;
  bytes: Uint8Array;
}

export interface AppendedEvent {
  seq: number;
  hash: Uint8Array;
  time: number;
}

export interface TechnicianDeps {
  /** The unit's identity, verified at start-up. */
  identity: VerifiedIdentity;
  /** The records it held before its device rekeys: entries their keys signed are checked under them. */
  previousIdentities?: readonly VerifiedIdentity[];
  /** The signed label printed on the unit (label.cose), when it was provisioned with one. */
  label?: Uint8Array;
  /** The device key. */
  signer: Signer;
  bootCount: number;
  agentVersion: string;
  /** Milliseconds since the epoch when the agent started. */
  startedAtMs: number;
  /** Seconds since the epoch, never below the time floor. */
  now(): number;
  /** Milliseconds clock (Date.now in production). */
  nowMs(): number;
  /** The agent's status (lifecycle, link, outbox, recalls, index, revocation), as JSON. */
  status(): Record<string, unknown>;
  /** Durable event-log entries after `afterSeq`, at most `limit`, in order. */
  readEvents(afterSeq: number, limit: number): StoredEntry[];
  /** Highest durable event seq. */
  eventHead(): number;
  /** Signs and appends an event; resolves once durable. Throws the log's typed errors. */
  appendEvent(input: { kind: string; note?: string; technician?: string }): Promise<AppendedEvent>;
  /**
   * Health inputs: when the platform last confirmed anything (a heartbeat or a receipt), in
   * ms; undefined when never. `brokerConfigured` false means the agent runs offline by design.
   */
  lastConfirmedMs(): number | undefined;
  brokerConfigured: boolean;
  heartbeatIntervalMs: number;
  healthMultiple: number;
}
