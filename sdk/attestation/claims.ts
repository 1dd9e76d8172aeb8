/**
 * The attestation: a unit's answer to a verifier's fresh nonce, shaped like an Entity
 * Attestation Token (RFC 9711) carried in a COSE_Sign1 signed by the device key
 * (docs/protocol.md §"Attestation"). Claim keys are the registered CWT/EAT keys where the
 * meaning matches; the robot-specific claims use private-use keys (RFC 8392 §9.1: < -65536).
 *
 *   label    EAT name      here
 *   0        -             v: protocol version (every robot-id payload carries it)
 *   6        iat           issuedAt: the unit's clock, seconds since the epoch
 *   10       eat_nonce     nonce: the verifier's fresh nonce, 16..64 bytes
 *   261      uptime        uptimeS: seconds since the agent started
 *   265      eat_profile   profile: ATTESTATION_PROFILE
 *   267      bootcount     bootCount: how many times the agent has started on this unit
 *   270      swname        swName: 'robot-id-agent'
 *   271      swversion     swVersion: the agent version as text (RFC 9711 allows [text, scheme];
 *                          we send the text only)
 *   -70000   (ueid-like)   code: the canonical 29-character robot code
 *   -70001   -             identityHash: SHA-256 of the identity record bytes the unit holds
 *   -70002   -             lifecycle: the unit's lifecycle state, when known
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind } from '../cose/object.js';

export interface AttestationClaims {
  v: number;
  issuedAt: number;
  nonce: Uint8Array;
  uptimeS: number;
  profile: string;
  bootCount: number;
  swName: string;
  swVersion: string;
  code: string;
  identityHash: Uint8Array;
  lifecycle?: string;
}

export const ATTESTATION_PROFILE = 'tag:robot-id,2025:attestation/1';
export const NONCE_MIN_BYTES = 16;
export const NONCE_MAX_BYTES = 64;
export const ATTESTATION_MAX_BYTES = 1024;

export const attestationSchema = defineSchema<AttestationClaims>('attestation', {
  v: { l: 0, t: 'uint' },
  issuedAt: { l: 6, t: 'uint' },
  nonce: { l: 10, t: 'bstr', max: NONCE_MAX_BYTES },
  uptimeS: { l: 261, t: 'uint' },
  profile: { l: 265, t: 'tstr', max: 64 },
  bootCount: { l: 267, t: 'uint' },
  swName: { l: 270, t: 'tstr', max: 64 },
  swVersion: { l: 271, t: 'tstr', max: 64 },
  code: { l: -70000, t: 'tstr', max: 64 },
  identityHash: { l: -70001, t: 'bstr', max: 32 },
  lifecycle: { l: -70002, t: 'tstr', max: 32, optional: true },
});

export const attestationKind = defineKind<AttestationClaims>({
  name: 'attestation',
  contentType: CONTENT_TYPES.attestation,
  schema: attestationSchema,
  maxBytes: ATTESTATION_MAX_BYTES,
});
