export { base45Encode, base45Decode } from './base45.js';
export { encodeQrPayload, decodeQrPayload, isQrPayload, QR_PREFIX, QR_PAYLOAD_MAX_CHARS, QR_RECORD_MAX_BYTES } from './payload.js';
