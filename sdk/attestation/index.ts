export { attestationKind, attestationSchema, ATTESTATION_PROFILE, ATTESTATION_MAX_BYTES, NONCE_MIN_BYTES, NONCE_MAX_BYTES, type AttestationClaims } from './claims.js';
export { makeNonce, checkNonce, nonceToText, nonceFromText, NONCE_BYTES } from './nonce.js';
export { signAttestation, type AttestationInput } from './sign.js';
export { verifyAttestation, DEFAULT_MAX_CLOCK_SKEW_S, type AttestationCheck, type VerifiedAttestation } from './verify.js';
