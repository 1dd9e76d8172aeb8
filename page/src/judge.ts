/**
 * The verdict on a scanned text, with the SDK's own verifiers on the noble backend: a label
 * (RL1:) against the trust bundle, or a full identity record (RID1:) against its roots. The
 * verdict rests on the bundle this page holds, never on the unit or the network.
 */
import { nobleEd25519 } from '../../sdk/crypto/ed25519-noble.js';
import { RobotIdError } from '../../sdk/errors.js';
import { decodeLabelPayload, payloadKind } from '../../sdk/label/payload.js';
import { verifyLabel, type VerifiedLabel } from '../../sdk/label/verify.js';
import type { TrustBundle } from '../../sdk/label/bundle.js';
import { decodeQrPayload } from '../../sdk/qr/payload.js';
import { Revocations } from '../../sdk/trust/revocation.js';
import { verifyIdentityRecord, type VerifiedIdentity } from '../../sdk/trust/verify-identity.js';
import type { RobotCode } from '../../sdk/code/types.js';

export type VerdictState = 'valid' | 'invalid' | 'revoked' | 'scrapped' | 'nobundle';

export interface Judgement {
  state: VerdictState;
  /** i18n key of the reason, when not valid. */
  reason?: string;
  /** The verifier's own words (code: message), for the technical detail. */
  detail?: string;
  code?: RobotCode;
  enterpriseName?: string;
  modelName?: string;
  /** Seconds since the epoch. */
  issuedAt?: number;
  kind?: 'label' | 'record';
  label?: VerifiedLabel;
  identity?: VerifiedIdentity;
  /** The identity record bytes when a RID1 payload was scanned (for attestation). */
  recordBytes?: Uint8Array;
}

const backend = nobleEd25519;

function verifyAs(kind: 'label' | 'record', bytes: Uint8Array, bundle: TrustBundle, revocations: Revocations): Judgement {
  if (kind === 'label') {
    const label = verifyLabel(bytes, bundle, { backend, revocations });
    return { state: 'valid', kind, label, code: label.code, enterpriseName: label.enterprise.certificate.name, modelName: label.label.model, issuedAt: label.label.issuedAt };
  }
  const identity = verifyIdentityRecord(bytes, bundle.trust, { backend, revocations });
  const r = identity.record;
  return { state: 'valid', kind, identity, recordBytes: bytes, code: identity.code, enterpriseName: identity.enterprise.certificate.name, modelName: r.modelName, issuedAt: r.issuedAt };
}

export function judge(text: string, bundle: TrustBundle | undefined): Judgement {
  const kind = payloadKind(text);
  if (!kind) return { state: 'invalid', reason: 'reason.malformed', detail: 'expected a payload starting RL1: or RID1:' };
  if (!bundle) return { state: 'nobundle', reason: 'reason.noBundle' };
  let bytes: Uint8Array;
  try {
    bytes = kind === 'label' ? decodeLabelPayload(text) : decodeQrPayload(text);
  } catch (err) {
    return { state: 'invalid', reason: 'reason.malformed', detail: describeError(err) };
  }
  try {
    return verifyAs(kind, bytes, bundle, bundle.revocations);
  } catch (err) {
    if (!(err instanceof RobotIdError)) return { state: 'invalid', reason: 'reason.other', detail: describeError(err) };
    if (err.code === 'TRUST_REVOKED') {
      // Revoked by the loaded list: say which unit, and whether it was scrapped.
      try {
        const j = verifyAs(kind, bytes, bundle, Revocations.none);
        const scrapped = j.code !== undefined && bundle.revocations.isCodeScrapped(j.code.code);
        return { ...j, state: scrapped ? 'scrapped' : 'revoked', reason: scrapped ? 'reason.scrapped' : 'reason.TRUST_REVOKED', detail: describeError(err) };
      } catch {
        // Invalid for another reason too (an enterprise key revoked): the revocation is the verdict.
        return { state: 'revoked', reason: 'reason.TRUST_REVOKED', detail: describeError(err) };
      }
    }
    const reason = `reason.${err.code}`;
    return { state: 'invalid', reason: /MALFORMED|NONDETERMINISTIC|WRONG_KIND|QR_/.test(err.code) ? 'reason.malformed' : reason, detail: describeError(err) };
  }
}

export function describeError(err: unknown): string {
  if (err instanceof RobotIdError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
