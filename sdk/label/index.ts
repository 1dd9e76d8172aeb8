export { labelKind, labelSchema, fitUtf8, LABEL_MAX_BYTES, LABEL_MODEL_MAX_BYTES, type LabelClaims } from './claims.js';
export { signLabel, type LabelInput } from './sign.js';
export { verifyLabel, type VerifiedLabel, type LabelCheck } from './verify.js';
export { verifyLabelAttestation } from './attest.js';
export { encodeLabelPayload, decodeLabelPayload, isLabelPayload, payloadKind, LABEL_PREFIX, LABEL_PAYLOAD_MAX_CHARS } from './payload.js';
export {
  parseTrustBundle,
  parseTrustBundleText,
  makeTrustBundleJson,
  fromBase64,
  toBase64,
  BUNDLE_FORMAT,
  BUNDLE_MAX_CHARS,
  type TrustBundle,
  type TrustBundleJson,
  type UnitFacts,
} from './bundle.js';
