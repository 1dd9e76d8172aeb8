/** The fleet ingest's typed events (docs/protocol.md §"Fleet ingest"). */
import type { StoredStream } from './ingest-store.js';

export type WireKind = 'identity' | 'birth' | 'death' | 'offline' | 'heartbeat' | 'event' | 'ack';

export interface IngestMessage {
  code: string;
  kind: WireKind;
  /** event/ack: stream seq; heartbeat: counter; birth/death/offline: session; identity: recordVersion. */
  seq: number;
  verified: true;
  boot?: number;
  /** For events: the event kind (maintenance, fault, ...). */
  eventKind?: string;
  /** A death/offline of an older session than the latest birth: verified, changes nothing. */
  stale?: boolean;
  /** The decoded, verified payload. */
  value: unknown;
}

export interface IngestRejection {
  code?: string;
  kind: WireKind | 'unknown';
  seq?: number;
  verified: false;
  /** Stable error code (MSG_BAD_SIGNATURE, MSG_REPLAYED, MSG_UNKNOWN_UNIT, ...). */
  reason: string;
  message: string;
  topic: string;
}

export interface IngestGap {
  code: string;
  stream: StoredStream;
  from: number;
  to: number;
}

/**
 * Entries a unit declared lost from its own log (a signed `lost-entries` chain-break, seq
 * `seq`): lost on the robot, not in transmission. `stored`: how many of them the platform holds.
 */
export interface IngestLost {
  code: string;
  seq: number;
  from: number;
  to: number;
  stored: number;
}

export interface IngestChainBreak {
  code: string;
  /** Where the break shows: an event whose prevHash is not the stored head, or a heartbeat. */
  seq: number;
  source: 'event' | 'heartbeat';
  expected: string;
  got: string;
}

export interface IngestPresence {
  code: string;
  boot?: number;
  session?: number;
  /** online: birth | heartbeat; offline: death | offline | deadline. */
  via: 'birth' | 'heartbeat' | 'death' | 'offline' | 'deadline';
}

/** A unit's `scrapped` event, durably stored: its code is for the platform's revocations. */
export interface IngestScrapped {
  code: string;
  seq: number;
  /** When the unit recorded it (seconds). */
  time: number;
}

/** A unit's `rekeyed` event verified and stored: its messages are now checked under the new record. */
export interface IngestRekeyed {
  code: string;
  seq: number;
  recordVersion: number;
  /** Hex kid of the new device key. */
  deviceKid: string;
}

/**
 * What became of a code the ingest did not know, looked up in its store (docs/operations.md
 * §"Units imported while workers run"): found (its record verified and now in use, or its unit revoked), absent,
 * refused (its stored record does not verify: `reason`, `message`), failed (the store could not
 * be read), cached (answered from memory: absent or refused recently), shed (too many lookups
 * waiting: refused without one).
 */
export interface IngestLookup {
  code: string;
  outcome: 'found' | 'absent' | 'refused' | 'failed' | 'cached' | 'shed';
  reason?: string;
  message?: string;
}

/** One query of the store for the codes of a lookup batch. */
export interface IngestLookupQuery {
  codes: number;
  ok: boolean;
  error?: Error;
}

export interface IngestReceipt {
  code: string;
  event: number;
  ack: number;
}

export interface IngestEvents {
  message: [IngestMessage];
  duplicate: [{ code: string; kind: 'event' | 'ack'; seq: number }];
  rejected: [IngestRejection];
  gap: [IngestGap];
  lost: [IngestLost];
  chain: [IngestChainBreak];
  online: [IngestPresence];
  offline: [IngestPresence];
  receipt: [IngestReceipt];
  scrapped: [IngestScrapped];
  rekeyed: [IngestRekeyed];
  lookup: [IngestLookup];
  lookupQuery: [IngestLookupQuery];
  /** Receipt signing or publishing failed (the unit resends; nothing is lost). */
  failure: [Error];
}
