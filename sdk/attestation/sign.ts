/** The unit side: answer a nonce with a signed attestation (docs/protocol.md §"Attestation"). */
import { sha256 } from '../crypto/hash.js';
import type { Signer } from '../crypto/signer.js';
import { signObject } from '../cose/object.js';
import { PROTOCOL_VERSION } from '../version.js';
import { ATTESTATION_PROFILE, attestationKind } from './claims.js';
import { checkNonce } from './nonce.js';

export interface AttestationInput {
  nonce: Uint8Array;
  /** Canonical code from the unit's verified identity record. */
  code: string;
  /** The identity record bytes the unit holds. */
  identity: Uint8Array;
  bootCount: number;
  uptimeS: number;
  swVersion: string;
  /** Seconds since the epoch. */
  now: number;
  lifecycle?: string;
  swName?: string;
}

export async function signAttestation(device: Signer, input: AttestationInput): Promise<Uint8Array> {
  return signObject(
    attestationKind,
    {
      v: PROTOCOL_VERSION,
      issuedAt: Math.floor(input.now),
      nonce: checkNonce(input.nonce),
      uptimeS: Math.max(0, Math.floor(input.uptimeS)),
      profile: ATTESTATION_PROFILE,
      bootCount: input.bootCount,
      swName: input.swName ?? 'robot-id-agent',
      swVersion: input.swVersion,
      code: input.code,
      identityHash: sha256(input.identity),
      ...(input.lifecycle !== undefined ? { lifecycle: input.lifecycle } : {}),
    },
    device,
  );
}
