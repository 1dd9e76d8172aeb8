/**
 * The clean offline message, published before an orderly disconnect (docs/protocol.md
 * §"Birth, death and offline"). It carries the session's birth sequence and a reason.
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, signObject } from '../cose/object.js';
import type { Signer } from '../crypto/signer.js';
import { PROTOCOL_VERSION } from '../version.js';
import type { BirthSeq } from './birth.js';

export const OFFLINE_REASONS = ['shutdown', 'restart', 'decommissioned', 'scrapped'] as const;
export type OfflineReason = (typeof OFFLINE_REASONS)[number];

export interface Offline extends BirthSeq {
  v: number;
  code: string;
  /** Seconds since the epoch when signed. */
  time: number;
  reason: OfflineReason;
}

export const offlineSchema = defineSchema<Offline>('offline', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 64 },
  boot: { l: 2, t: 'uint' },
  session: { l: 3, t: 'uint' },
  time: { l: 4, t: 'uint' },
  reason: { l: 5, t: { oneOf: OFFLINE_REASONS } },
});

export const offlineKind = defineKind<Offline>({
  name: 'offline',
  contentType: CONTENT_TYPES.offline,
  schema: offlineSchema,
  maxBytes: 1024,
});

export function signOffline(device: Signer, value: Omit<Offline, 'v'>): Promise<Uint8Array> {
  return signObject(offlineKind, { v: PROTOCOL_VERSION, ...value }, device);
}
