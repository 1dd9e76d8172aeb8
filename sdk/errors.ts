/**
 * One error tree for the whole SDK. Every error carries a stable string `code` that scripts
 * and tests match on; messages say what was expected and what arrived. A library error is
 * wrapped with `cause`, never thrown raw.
 *
 * Add new codes to the union of the area they belong to; never rename a published code.
 */

export type CodeErrorCode =
  | 'CODE_TYPE'
  | 'CODE_LENGTH'
  | 'CODE_CHARSET'
  | 'CODE_SEGMENT'
  | 'CODE_CHECK'
  | 'CODE_SCHEME';

export type EncodingErrorCode =
  | 'CBOR_TOO_LARGE'
  | 'CBOR_MALFORMED'
  | 'CBOR_NONDETERMINISTIC'
  | 'CBOR_SCHEMA';

export type CoseErrorCode =
  | 'COSE_MALFORMED'
  | 'COSE_ALG'
  | 'COSE_WRONG_KIND'
  | 'COSE_BAD_SIGNATURE'
  | 'COSE_NO_SIGNATURE';

export type KeyErrorCode =
  | 'KEY_FORMAT'
  | 'KEY_PERMISSIONS'
  | 'KEY_PASSPHRASE'
  | 'KEY_NOT_FOUND'
  | 'KEY_MISMATCH'
  // the event chain's signing thread (sdk/crypto/chain-thread.ts) stopped or failed
  | 'KEY_SIGNING_THREAD';

export type TrustErrorCode =
  | 'TRUST_STORE_INVALID'
  | 'TRUST_UNKNOWN_ROOT'
  | 'TRUST_BAD_SIGNATURE'
  | 'TRUST_NOT_VALID_AT_TIME'
  | 'TRUST_MISSING_ROLE'
  | 'TRUST_ENTERPRISE_MISMATCH'
  | 'TRUST_COUNTRY_MISMATCH'
  | 'TRUST_WRONG_KIND'
  | 'TRUST_MALFORMED'
  | 'TRUST_NONDETERMINISTIC'
  | 'TRUST_REVOKED'
  | 'TRUST_UNKNOWN_SIGNER'
  | 'TRUST_WEAK_KEY'
  // a signature in another algorithm than the one its key is pinned to (docs/protocol.md §"Algorithm pinning")
  | 'TRUST_ALG_MISMATCH';

/** Codes owned by later areas (messages, recalls, agent storage, config). Extend in place. */
export type MessageErrorCode =
  | 'MSG_MALFORMED'
  | 'MSG_WRONG_KIND'
  | 'MSG_BAD_SIGNATURE'
  | 'MSG_UNKNOWN_UNIT'
  | 'MSG_REPLAYED'
  | 'MSG_STALE'
  // the wire: a receipt for another unit, a duplicate, a broken chain, no verifier for a stream
  | 'MSG_WRONG_UNIT'
  | 'MSG_DUPLICATE'
  | 'MSG_CHAIN_BROKEN'
  | 'MSG_UNSUPPORTED'
  | 'MSG_REVOKED'
  // a unit message in another algorithm than the identity record pins the device key to
  | 'MSG_ALG_MISMATCH'
  // a recycler's record that does not verify
  | 'RECYCLING_INVALID';

/** A proof-of-identity answer (attestation) or its compact QR payload was rejected. */
export type AttestationErrorCode =
  | 'ATTEST_MALFORMED'
  | 'ATTEST_WRONG_KIND'
  | 'ATTEST_IDENTITY'
  | 'ATTEST_BAD_SIGNATURE'
  | 'ATTEST_WRONG_UNIT'
  | 'ATTEST_NONCE_MISMATCH'
  | 'ATTEST_IDENTITY_MISMATCH'
  | 'ATTEST_CLOCK_SKEW'
  | 'QR_MALFORMED'
  | 'QR_TOO_LARGE';

/** The platform's signed recall index (docs/protocol.md §"Recall index"). */
export type IndexErrorCode =
  | 'INDEX_MALFORMED'
  | 'INDEX_WRONG_KIND'
  | 'INDEX_UNTRUSTED'
  | 'INDEX_SCOPE'
  | 'INDEX_EXPIRED'
  | 'INDEX_ROLLBACK'
  | 'INDEX_FORKED'
  | 'INDEX_STATE_INVALID'
  | 'INDEX_STATE_MISSING'
  | 'INDEX_POLICY_VERSION'
  | 'INDEX_WEAKENS_RECALLS'
  | 'INDEX_STATE_LOCKED'
  | 'INDEX_NOTICE_STALE'
  | 'INDEX_NOTICE_CONFLICT';

/** Why a root rotation statement was refused: docs/protocol.md §"Root rotation". */
export type RotationErrorCode =
  | 'ROTATION_MALFORMED'
  | 'ROTATION_WRONG_KIND'
  | 'ROTATION_COUNTRY'
  | 'ROTATION_SKIPPED'
  | 'ROTATION_ROLLBACK'
  | 'ROTATION_SIGNATURE'
  | 'ROTATION_KEY'
  // the unit's own identity record would no longer verify under the store it leads to
  | 'ROTATION_IDENTITY';

/** Why a recall notice (or the recall policy) was refused: docs/protocol.md §"Recall verification order". */
export type RecallErrorCode =
  | 'RECALL_TOO_LARGE'
  | 'RECALL_MALFORMED'
  | 'RECALL_WRONG_KIND'
  | 'RECALL_BAD_SIGNATURE'
  | 'RECALL_ROLE'
  | 'RECALL_CERT_EXPIRED'
  | 'RECALL_REVOKED'
  | 'RECALL_SCOPE'
  | 'RECALL_THRESHOLD'
  | 'RECALL_NOT_YET_VALID'
  | 'RECALL_EXPIRED'
  | 'RECALL_LIFETIME'
  | 'RECALL_TARGET'
  | 'RECALL_REPLAYED'
  | 'RECALL_ROLLBACK'
  | 'RECALL_POLICY';

/** A device rekey request, the record issued for it, or its announcement was refused (docs/protocol.md §"Device rekey"). */
export type RekeyErrorCode =
  | 'REKEY_MALFORMED'
  | 'REKEY_BAD_SIGNATURE'
  | 'REKEY_WRONG_UNIT'
  | 'REKEY_HARDWARE_MISMATCH'
  | 'REKEY_STALE'
  | 'REKEY_SAME_KEY'
  | 'REKEY_RECORD_INVALID'
  | 'REKEY_HANDOVER_MISMATCH'
  | 'REKEY_NOT_PENDING';

export type RobotIdErrorCode =
  | CodeErrorCode
  | RekeyErrorCode
  | RecallErrorCode
  | IndexErrorCode
  | RotationErrorCode
  | AttestationErrorCode
  | EncodingErrorCode
  | CoseErrorCode
  | KeyErrorCode
  | TrustErrorCode
  | MessageErrorCode
  | (string & { readonly __brand?: 'RobotIdErrorCode' });

export class RobotIdError extends Error {
  constructor(
    readonly code: RobotIdErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The shape every CLI `--json` error and every API error body uses. */
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** The 29-position robot code was rejected. */
export class CodeFormatError extends RobotIdError {
  constructor(
    code: CodeErrorCode,
    message: string,
    /** Zero-based position in the canonical code where the problem is, when known. */
    readonly position?: number,
  ) {
    super(code, message);
  }
}

/** Bytes are not the CBOR we accept (too large, malformed, not deterministic, wrong shape). */
export class EncodingError extends RobotIdError {}

/** A COSE structure is malformed, uses another algorithm, is of another kind or does not verify. */
export class CoseError extends RobotIdError {}

/** A key file could not be read, is of the wrong type, or is readable by others. */
export class KeyError extends RobotIdError {}

/** A certificate chain or identity record does not verify; `code` names the one reason. */
export class TrustError extends RobotIdError {}

/** A signed message (heartbeat, event, receipt, ...) was rejected. */
export class MessageError extends RobotIdError {}

/** An attestation or a QR identity payload was rejected; `code` names the one reason. */
export class AttestationError extends RobotIdError {
  constructor(code: AttestationErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** A device rekey step was refused; `code` names the one reason. */
export class RekeyError extends RobotIdError {
  constructor(
    override readonly code: RekeyErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** A platform recall index was rejected; `code` names the one reason. */
export class IndexError extends RobotIdError {}

/** A root rotation statement was refused; `code` names the one reason. */
export class RotationError extends RobotIdError {
  constructor(
    override readonly code: RotationErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** A recall notice or recall policy was refused; `code` names the one reason. */
export class RecallRejectedError extends RobotIdError {
  constructor(
    override readonly code: RecallErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** Wrong argument type: a programming error, not bad input from the wire. */
export function expectBytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name}: expected Uint8Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name}: expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value instanceof Map) return `map(${value.size})`;
  return typeof value;
}

/** True when `err` is a RobotIdError with the given code (or any code when omitted). */
export function isRobotIdError(err: unknown, code?: string): err is RobotIdError {
  return err instanceof RobotIdError && (code === undefined || err.code === code);
}
