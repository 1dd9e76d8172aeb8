export { signRekeyRequest, verifyRekeyRequest, rekeyRequestKind, REKEY_REQUEST_MAX_BYTES, type RekeyRequest, type VerifiedRekeyRequest, type RekeyRequestCheck } from './request.js';
export { issueRekeyedRecord, type RekeyIssueInput, type RekeyIssued } from './issue.js';
export {
  signHandover,
  verifyRekeyedEvent,
  verifyNextRecord,
  checkLabelFor,
  encodeRekeyedData,
  decodeRekeyedData,
  rekeyHandoverKind,
  type RekeyHandover,
  type RekeyedData,
  type RekeyCheck,
  type VerifiedRekey,
} from './announce.js';
