/**
 * The heartbeat (docs/protocol.md §"Heartbeats"): signed by the device key at the configured
 * interval, never queued. Its own sequence is (boot, counter): the boot count persisted by the
 * agent and a counter that restarts at 1 each boot, so no disk write per heartbeat.
 * `nextDueBy` lets a platform tell an offline unit (deadline passed) from a quiet one.
 * `logSeq`/`logHash` name the head of the unit's event log, so rewritten history shows.
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, signObject } from '../cose/object.js';
import type { Signer } from '../crypto/signer.js';
import { PROTOCOL_VERSION } from '../version.js';

export interface Heartbeat {
  v: number;
  code: string;
  /** Boot count (persisted by the agent, +1 per start). */
  boot: number;
  /** Heartbeat counter within this boot, from 1. */
  counter: number;
  /** Seconds since the epoch when signed. */
  time: number;
  uptimeS: number;
  /** Lifecycle state (manufactured, in_service, ...). */
  state: string;
  agentVersion: string;
  firmwareVersion: string;
  /** Entries accepted but not yet confirmed by a receipt, all streams. */
  outboxDepth: number;
  /** Head of the event log: seq and entry hash (0 and 32 zero bytes when empty). */
  logSeq: number;
  logHash: Uint8Array;
  /** Seconds since the epoch by which the next heartbeat is due. */
  nextDueBy: number;
  /** Recall ids the unit holds active (recall delivery adds these). */
  activeRecalls?: string[];
  /** True when the unit's recall index is missing or expired beyond the configured time. */
  recallIndexStale?: boolean;
  /** True when the unit found its own key or code revoked. */
  revoked?: boolean;
  /** `full` while the unit's state directory has no space (events are refused, identity and recalls go on); absent when fine. */
  storage?: string;
  /**
   * The unit's registration: `held` (with `region`), `none`, or `waived` when configuration lets
   * it enter service unregistered (a demo or a test bench). Absent from older agents.
   */
  registration?: string;
  /** The region of operation its registration names (6 digits). */
  region?: string;
  /** The version of the unit's country root it holds (absent from older agents: 1). */
  rootVersion?: number;
  /** The certificate the unit depends on that expires first (its enterprise's, or its root's). */
  certExpiry?: CertExpiry;
}

export interface CertExpiry {
  kind: 'enterprise' | 'root';
  /** Seconds since the epoch. */
  notAfter: number;
  /** Whole days left by the unit's clock when signed (negative once past). */
  daysLeft: number;
}

const certExpirySchema = defineSchema<CertExpiry>('certificate expiry', {
  kind: { l: 1, t: { oneOf: ['enterprise', 'root'] } },
  notAfter: { l: 2, t: 'uint' },
  daysLeft: { l: 3, t: 'int' },
});

export const heartbeatSchema = defineSchema<Heartbeat>('heartbeat', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 64 },
  boot: { l: 2, t: 'uint' },
  counter: { l: 3, t: 'uint' },
  time: { l: 4, t: 'uint' },
  uptimeS: { l: 5, t: 'uint' },
  state: { l: 6, t: 'tstr', max: 32 },
  agentVersion: { l: 7, t: 'tstr', max: 64 },
  firmwareVersion: { l: 8, t: 'tstr', max: 64 },
  outboxDepth: { l: 9, t: 'uint' },
  logSeq: { l: 10, t: 'uint' },
  logHash: { l: 11, t: 'bstr', max: 32 },
  nextDueBy: { l: 12, t: 'uint' },
  activeRecalls: { l: 13, t: { arrayOf: 'tstr', max: 256 }, max: 64, optional: true },
  recallIndexStale: { l: 14, t: 'bool', optional: true },
  revoked: { l: 15, t: 'bool', optional: true },
  storage: { l: 16, t: 'tstr', max: 16, optional: true },
  registration: { l: 17, t: { oneOf: ['held', 'none', 'waived'] }, optional: true },
  region: { l: 18, t: 'tstr', max: 6, optional: true },
  rootVersion: { l: 19, t: 'uint', optional: true },
  certExpiry: { l: 20, t: { schema: certExpirySchema }, optional: true },
});

export const heartbeatKind = defineKind<Heartbeat>({
  name: 'heartbeat',
  contentType: CONTENT_TYPES.heartbeat,
  schema: heartbeatSchema,
  maxBytes: 24 * 1024,
});

export function signHeartbeat(device: Signer, value: Omit<Heartbeat, 'v'>): Promise<Uint8Array> {
  return signObject(heartbeatKind, { v: PROTOCOL_VERSION, ...value }, device);
}

/** Orders heartbeat sequences: negative when a is older than b. */
export function compareHeartbeatSeq(a: { boot: number; counter: number }, b: { boot: number; counter: number }): number {
  return a.boot !== b.boot ? a.boot - b.boot : a.counter - b.counter;
}
