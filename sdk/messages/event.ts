/**
 * Event-log entries (docs/protocol.md §"Events" and §"Event log"). Each entry is a COSE_Sign1
 * by the unit's device key; `prevHash` is SHA-256 of the previous entry's exact bytes, so the
 * entries form a hash chain (the first names 32 zero bytes).
 */
import { decodeCbor, defineSchema, encodeCbor } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, signObject } from '../cose/object.js';
import { sha256 } from '../crypto/hash.js';
import type { Signer } from '../crypto/signer.js';
import { TRANSITION_EVENTS } from '../lifecycle/index.js';
import { PROTOCOL_VERSION } from '../version.js';

/**
 * Kinds that record work or facts on the unit; they do not move the lifecycle state.
 * `registered` and `ownership-change` carry a registration order (sdk lifecycle).
 */
export const RECORD_EVENT_KINDS = ['maintenance', 'part-replaced', 'fault', 'software-update', 'ownership-change', 'site-change', 'registered'] as const;
/**
 * Written by the agent itself, never submitted: a damaged stretch of the log was quarantined
 * (chain-break), a registration the root's policy forbids was refused (registration-refused,
 * carrying the refused order), or the device key was replaced (rekeyed, sdk/rekey/announce.ts).
 */
export const SYSTEM_EVENT_KINDS = ['chain-break', 'registration-refused', 'rekeyed'] as const;

export const EVENT_KINDS = [...RECORD_EVENT_KINDS, ...(Object.keys(TRANSITION_EVENTS) as (keyof typeof TRANSITION_EVENTS)[]), ...SYSTEM_EVENT_KINDS] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface EventPayload {
  v: number;
  code: string;
  /** 1, 2, 3, ... without gaps in a sound log. */
  seq: number;
  /** SHA-256 of the previous entry's bytes (32 zero bytes for seq 1). */
  prevHash: Uint8Array;
  /** Seconds since the epoch (never earlier than the agent's time floor). */
  time: number;
  kind: EventKind;
  note?: string;
  technician?: string;
  /** The signed order (decommissioned, recommissioned, scrapped, registered), exactly as received. */
  order?: Uint8Array;
  /** Deterministic CBOR of kind-specific details (e.g. a chain-break's description). */
  data?: Uint8Array;
}

export const EVENT_NOTE_MAX = 1024;
export const EVENT_TECHNICIAN_MAX = 128;
export const EVENT_MAX_BYTES = 8192;
export const GENESIS_HASH = new Uint8Array(32);

export const eventSchema = defineSchema<EventPayload>('event', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 64 },
  seq: { l: 2, t: 'uint' },
  prevHash: { l: 3, t: 'bstr', max: 32 },
  time: { l: 4, t: 'uint' },
  kind: { l: 5, t: { oneOf: EVENT_KINDS } },
  note: { l: 6, t: 'tstr', max: EVENT_NOTE_MAX, optional: true },
  technician: { l: 7, t: 'tstr', max: EVENT_TECHNICIAN_MAX, optional: true },
  order: { l: 8, t: 'bstr', max: 4096, optional: true },
  // 6144: a rekeyed event carries a whole identity record (<= 4096) and the old key's handover.
  data: { l: 9, t: 'bstr', max: 6144, optional: true },
});

export const eventKind = defineKind<EventPayload>({
  name: 'event',
  contentType: CONTENT_TYPES.event,
  schema: eventSchema,
  maxBytes: EVENT_MAX_BYTES,
});

export function isEventKind(value: string): value is EventKind {
  return (EVENT_KINDS as readonly string[]).includes(value);
}

/** Kinds only the agent writes; a submission of one is refused. */
export function isSystemEventKind(value: string): boolean {
  return (SYSTEM_EVENT_KINDS as readonly string[]).includes(value);
}

export async function signEvent(device: Signer, event: Omit<EventPayload, 'v'>): Promise<Uint8Array> {
  return signObject(eventKind, { v: PROTOCOL_VERSION, ...event }, device);
}

/** The hash the next entry names as its prevHash. */
export function entryHash(entry: Uint8Array): Uint8Array {
  return sha256(entry);
}

/**
 * The data of a chain-break event: the agent found (and quarantined) damage between two sound
 * entries, two sound entries that do not chain, or (`lost-entries`) that the log ends before
 * entries the unit is known to have signed (its checkpoint or a platform receipt names them).
 * Entries afterSeq+1 .. beforeSeq-1 are lost from this log (the platform holds every one it
 * confirmed); their seqs are never used again.
 */
export const CHAIN_BREAK_REASONS = ['damaged-bytes', 'hash-mismatch', 'undecodable-entry', 'lost-entries'] as const;
export type ChainBreakReason = (typeof CHAIN_BREAK_REASONS)[number];

export interface ChainBreak {
  afterSeq: number;
  /** First sound entry after the break; absent when none followed. */
  beforeSeq?: number;
  reason: ChainBreakReason;
  /** Bytes quarantined (0 when nothing was removed). */
  lostBytes: number;
  /** SHA-256 of the quarantined bytes. */
  damageHash?: Uint8Array;
}

export const chainBreakSchema = defineSchema<ChainBreak>('chain-break', {
  afterSeq: { l: 1, t: 'uint' },
  beforeSeq: { l: 2, t: 'uint', optional: true },
  reason: { l: 3, t: { oneOf: CHAIN_BREAK_REASONS } },
  lostBytes: { l: 4, t: 'uint' },
  damageHash: { l: 5, t: 'bstr', max: 32, optional: true },
});

export function encodeChainBreak(b: ChainBreak): Uint8Array {
  return encodeCbor(chainBreakSchema.toCbor(b));
}

export function decodeChainBreak(data: Uint8Array): ChainBreak {
  return chainBreakSchema.fromCbor(decodeCbor(data, { maxBytes: 2048, what: 'chain-break data' }));
}
