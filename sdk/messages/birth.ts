/**
 * Presence in the manner of Sparkplug (docs/protocol.md §"Birth, death and offline").
 * A unit publishes a signed birth on every connect. Its birth sequence is (boot, session):
 * the persisted boot count and a per-connection counter within that boot. The death (the MQTT
 * Will) and the clean offline carry the same pair, so a platform ignores a late Will of an
 * older session (`compareBirthSeq`).
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, signObject } from '../cose/object.js';
import type { Signer } from '../crypto/signer.js';
import { PROTOCOL_VERSION } from '../version.js';

export interface BirthSeq {
  boot: number;
  session: number;
}

export interface Birth extends BirthSeq {
  v: number;
  code: string;
  /** Seconds since the epoch when signed. */
  time: number;
  state: string;
  agentVersion: string;
  firmwareVersion: string;
  /** Heartbeat interval in seconds, so the platform can expect the first one. */
  heartbeatIntervalS: number;
  /** Event-log head at connect. */
  logSeq: number;
}

export const birthSchema = defineSchema<Birth>('birth', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 64 },
  boot: { l: 2, t: 'uint' },
  session: { l: 3, t: 'uint' },
  time: { l: 4, t: 'uint' },
  state: { l: 5, t: 'tstr', max: 32 },
  agentVersion: { l: 6, t: 'tstr', max: 64 },
  firmwareVersion: { l: 7, t: 'tstr', max: 64 },
  heartbeatIntervalS: { l: 8, t: 'uint' },
  logSeq: { l: 9, t: 'uint' },
});

export const birthKind = defineKind<Birth>({
  name: 'birth',
  contentType: CONTENT_TYPES.birth,
  schema: birthSchema,
  maxBytes: 2048,
});

export function signBirth(device: Signer, value: Omit<Birth, 'v'>): Promise<Uint8Array> {
  return signObject(birthKind, { v: PROTOCOL_VERSION, ...value }, device);
}

/** Negative when a is an older session than b, 0 when the same. */
export function compareBirthSeq(a: BirthSeq, b: BirthSeq): number {
  return a.boot !== b.boot ? a.boot - b.boot : a.session - b.session;
}
