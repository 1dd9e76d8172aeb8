export { HEADER, TAG_SIGN, TAG_SIGN1, type ProtectedHeader } from './headers.js';
export { algMismatch, checkPinnedAlg } from './pinned.js';
export { signSign1, sign1Template, type Sign1Template, decodeSign1, verifySign1Signature, sigStructure1, type Sign1, type DecodeCoseOptions } from './sign1.js';
export { signMulti, addSignature, decodeMulti, verifyCoseSignature, sigStructure, MAX_SIGNATURES, type MultiSign, type CoseSignature } from './sign.js';
export { CONTENT_TYPES, type ObjectKindName } from './content-types.js';
export {
  defineKind,
  signObject,
  signObjectMulti,
  openSign1,
  openMulti,
  verifyOpened,
  encodePayload,
  decodePayload,
  type ObjectKind,
  type Opened,
  type OpenedMulti,
  type Versioned,
} from './object.js';
