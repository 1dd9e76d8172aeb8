import { CoseError, EncodingError, RobotIdError, TrustError, type TrustErrorCode } from '../errors.js';

/**
 * Folds the decoding errors of the layers below into the one TrustError reason a verifier
 * returns: malformed, non-deterministic encoding or wrong object kind.
 */
export function asTrustError(err: unknown, what: string): TrustError {
  if (err instanceof TrustError) return err;
  let code: TrustErrorCode = 'TRUST_MALFORMED';
  if (err instanceof EncodingError && err.code === 'CBOR_NONDETERMINISTIC') code = 'TRUST_NONDETERMINISTIC';
  if (err instanceof CoseError && err.code === 'COSE_WRONG_KIND') code = 'TRUST_WRONG_KIND';
  const message = err instanceof RobotIdError ? err.message : String(err);
  return new TrustError(code, message.startsWith(what) ? message : `${what}: ${message}`, { cause: err });
}
