/**
 * The death certificate: signed at connect time and handed to the broker as the MQTT Will, so
 * the broker publishes it when the connection is lost without a clean disconnect. It carries
 * the birth sequence of the session it ends (docs/protocol.md §"Birth, death and offline").
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, signObject } from '../cose/object.js';
import type { Signer } from '../crypto/signer.js';
import { PROTOCOL_VERSION } from '../version.js';
import type { BirthSeq } from './birth.js';

export interface Death extends BirthSeq {
  v: number;
  code: string;
  /** Seconds since the epoch when signed (connect time, not the time of death). */
  time: number;
}

export const deathSchema = defineSchema<Death>('death', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 64 },
  boot: { l: 2, t: 'uint' },
  session: { l: 3, t: 'uint' },
  time: { l: 4, t: 'uint' },
});

export const deathKind = defineKind<Death>({
  name: 'death',
  contentType: CONTENT_TYPES.death,
  schema: deathSchema,
  maxBytes: 1024,
});

export function signDeath(device: Signer, value: Omit<Death, 'v'>): Promise<Uint8Array> {
  return signObject(deathKind, { v: PROTOCOL_VERSION, ...value }, device);
}
