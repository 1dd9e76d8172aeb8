/** The seams of recall delivery on the robot (docs/protocol.md §"Delivery and reconciliation"). */

/** What recall sync needs of the MQTT link (agent/link MqttLink fits). */
export interface SyncLink {
  /** Subscribes now and after every reconnect. */
  subscribe(filter: string): void;
  on(event: 'message', listener: (topic: string, payload: Buffer) => void): unknown;
  on(event: 'connect', listener: (session: number) => void): unknown;
  readonly connected: boolean;
  /** Subscribes once more so the broker sends the topic's retained message again. */
  refetch?(topic: string): void;
}

/**
 * Where notices go: the recall handler (agent/recall RecallHandler fits) verifies, stores,
 * acts and acknowledges; it never throws for bad input.
 */
export interface NoticeSink {
  /** `source` names where the bytes came from (the topic). */
  handleNotice(bytes: Uint8Array, source: string): Promise<unknown>;
  /** The revision the robot holds for a recall id, if any. */
  revisionOf(recallId: string): number | undefined;
  /**
   * A root-signed recall policy the country index carries: installed when it is for this
   * unit's country and newer than the held one; throws (typed) when refused.
   */
  installPolicy(bytes: Uint8Array): boolean;
}

/** One index rejection as the status shows it. */
export interface IndexRejection {
  scope: string;
  code: string;
  message: string;
  /** Milliseconds since the epoch. */
  at: number;
  version?: number;
}

export interface HeldIndexStatus {
  scope: string;
  version: number;
  issuedAt: number;
  expiresAt: number;
  /** Verified, not expired, and at least the version the country index names. */
  current: boolean;
}

export interface RecallSyncStatus {
  /** Cut off from recall information for longer than recallIndexMaxAgeMs. */
  stale: boolean;
  /** Since when (ms) the set of required indexes has not been complete and current, if not. */
  incompleteSince?: number;
  maxAgeMs: number;
  indexes: HeldIndexStatus[];
  /** Scopes whose index must be held (country, and the unit's narrower scopes the country index lists). */
  required: string[];
  /** Recalls an index lists that the robot does not hold at that revision. */
  missing: { scope: string; recallId: string; revision: number }[];
  /** The unit's own device key or code is in a verified revocation list. */
  revoked: false | { deviceKey: boolean; code: boolean };
  rejected: { total: number; byCode: Record<string, number>; last?: IndexRejection };
}

/** The logger subset used (a pino child fits). */
export interface SyncLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
