/**
 * Recall verification (docs/protocol.md §"Recall verification order"). Each step names its
 * number in that section; the first failure is thrown as a RecallRejectedError with one
 * stable code. `now` is captured once by the caller and used for every time check. Replay and
 * rollback (step 8) need the robot's durable marks and live in the agent's recall store.
 */
import { decodeSign1 } from '../cose/sign1.js';
import { openMulti, type OpenedMulti } from '../cose/object.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { sha256 } from '../crypto/hash.js';
import { kidHex } from '../crypto/signer.js';
import { RecallRejectedError, RobotIdError, TrustError, type RecallErrorCode } from '../errors.js';
import type { RobotCode } from '../code/index.js';
import { iso, type VerifiedCertificate } from '../trust/verify-certificate.js';
import { verifyMultiIssuer } from '../trust/verify-issuer.js';
import { Revocations } from '../trust/revocation.js';
import type { CertificateCache } from '../trust/cert-cache.js';
import { ROLES } from '../trust/roles.js';
import type { TrustStore } from '../trust/trust-store.js';
import { RECALL_MAX_BYTES, checkNoticeShape, recallKind, type RecallAction, type RecallNotice } from './notice.js';
import { DEFAULT_THRESHOLDS, thresholdFor, type Thresholds } from './policy.js';
import { outsideCountry, outsideEnterprise, targetMatches } from './target.js';

/** What the verifier already knows about this recall id (the robot's stored revision). */
export interface PreviousRevision {
  revision: number;
  issuer: string;
  action: RecallAction;
}

export interface RecallCheck {
  trust: TrustStore;
  /** Seconds since the epoch, captured once (on a robot: the clock with its time floor). */
  now: number;
  /** The unit judging the notice; omit to skip the target step (an operator's `recall verify`). */
  unit?: RobotCode;
  /** From the verified root-signed policy; DEFAULT_THRESHOLDS when there is none. */
  thresholds?: Thresholds;
  revocations?: Revocations;
  /** Tolerance for a notice that looks slightly early (robot clocks drift). Default 300 s. */
  clockSkewSeconds?: number;
  previous?: PreviousRevision;
  maxBytes?: number;
  backend?: Ed25519Backend;
  /** This verifier's own certificate cache (sdk/trust/cert-cache.ts); never shared across robots. */
  certCache?: CertificateCache;
  /** Longest accepted notAfter - issuedAt (default 400 days): bounds what a lapsed key could backdate. */
  maxLifetimeSeconds?: number;
  /** Skip step 6 (the validity window): only for offline inspection by operators. */
  skipTime?: boolean;
}

export interface VerifiedRecall {
  notice: RecallNotice;
  /** The exact bytes verified. */
  bytes: Uint8Array;
  /** SHA-256 of `bytes`. */
  hash: Uint8Array;
  /** The verified certificate of each signature, in signature order. */
  signers: VerifiedCertificate[];
  /** Distinct certified subjects ("enterprise:1234", "platform:recall-a"), the threshold count. */
  subjects: string[];
  /** Country of the root every signer chains to. */
  rootCountry: string;
  /** Signatures required for this notice (after the stronger-of rule). */
  required: number;
}

export const DEFAULT_MAX_LIFETIME_SECONDS = 400 * 86400;

const reject = (code: RecallErrorCode, message: string, cause?: unknown): never => {
  throw new RecallRejectedError(code, message, cause === undefined ? undefined : { cause });
};

/** Steps 1-2: size cap, then strict decode, content type, schema, version and shape. */
export function openRecall(bytes: Uint8Array, maxBytes: number = RECALL_MAX_BYTES): OpenedMulti<RecallNotice> {
  // §1 size cap, before any decoding.
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`recall notice: expected Uint8Array, got ${typeof bytes}`);
  if (bytes.length > maxBytes) reject('RECALL_TOO_LARGE', `recall notice: expected at most ${maxBytes} bytes, got ${bytes.length}`);
  // §2 strict decode: a deterministic COSE_Sign whose content type is the recall's.
  let opened: OpenedMulti<RecallNotice>;
  try {
    opened = openMulti(recallKind, bytes);
  } catch (err) {
    if (err instanceof RobotIdError && err.code === 'COSE_WRONG_KIND') reject('RECALL_WRONG_KIND', err.message, err);
    if (isSign1(bytes, maxBytes)) reject('RECALL_WRONG_KIND', 'recall notice: expected a COSE_Sign, got a COSE_Sign1 (another object kind)', err);
    return reject('RECALL_MALFORMED', `recall notice: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  checkNoticeShape(opened.value);
  return opened;
}

function isSign1(bytes: Uint8Array, maxBytes: number): boolean {
  try {
    decodeSign1(bytes, { maxBytes, what: 'object' });
    return true;
  } catch {
    return false; // not even a COSE_Sign1: plain garbage, reported as malformed by the caller
  }
}

/** Maps a signer-certificate failure to its recall reason. */
function signerError(err: unknown, index: number): never {
  const why = err instanceof Error ? err.message : String(err);
  if (!(err instanceof TrustError)) return reject('RECALL_BAD_SIGNATURE', `recall signature ${index}: ${why}`, err);
  const code: RecallErrorCode =
    err.code === 'TRUST_MISSING_ROLE'
      ? 'RECALL_ROLE'
      : err.code === 'TRUST_NOT_VALID_AT_TIME'
        ? 'RECALL_CERT_EXPIRED'
        : err.code === 'TRUST_REVOKED'
          ? 'RECALL_REVOKED'
          : 'RECALL_BAD_SIGNATURE';
  return reject(code, `recall signature ${index}: ${why}`, err);
}

const subjectKey = (c: VerifiedCertificate) => `${c.certificate.subjectKind}:${c.certificate.subject}`;

/** Steps 3-7 on an opened notice. */
export function checkRecall(opened: OpenedMulti<RecallNotice>, bytes: Uint8Array, check: RecallCheck): VerifiedRecall {
  const n = opened.value;
  const revocations = check.revocations ?? Revocations.none;
  // §3 signatures over the bytes received: each signer's certificate chains to a root of the
  // trust store, holds recall.issue, was valid at issuedAt, and its key made the signature.
  const signers: VerifiedCertificate[] = [];
  opened.cose.signatures.forEach((sig, i) => {
    try {
      signers.push(verifyMultiIssuer(opened.cose, sig, check.trust, { at: n.issuedAt, role: ROLES.recallIssue, revocations, backend: check.backend, cache: check.certCache }));
    } catch (err) {
      signerError(err, i);
    }
  });
  const rootCountry = signers[0]!.root.country;
  // §4 issuer scope: the first signer is the issuer; every signer may sign for the whole target.
  const first = signers[0]!.certificate;
  if (n.issuer !== first.subject) reject('RECALL_SCOPE', `recall ${n.recallId}: names issuer ${n.issuer}, first signer is ${first.subject}`);
  for (const s of signers) {
    if (s.root.country !== rootCountry) reject('RECALL_SCOPE', `recall ${n.recallId}: signers chain to roots of ${rootCountry} and ${s.root.country}`);
    const c = s.certificate;
    const why = c.subjectKind === 'platform' ? outsideCountry(n.target, rootCountry) : outsideEnterprise(n.target, c.subject, rootCountry);
    if (why) reject('RECALL_SCOPE', `recall ${n.recallId}: ${why}`);
  }
  if (check.previous && check.previous.issuer !== n.issuer && first.subjectKind !== 'platform') {
    reject('RECALL_SCOPE', `recall ${n.recallId}: issued by ${check.previous.issuer}; only it or a platform key may revise it, not ${n.issuer}`);
  }
  // §5 threshold: distinct certified subjects; a revision needs the stronger of its own action's
  // threshold and the stored revision's, so one signer cannot downgrade or resolve a stop.
  const kids = signers.map((s) => kidHex(s.kid));
  if (new Set(kids).size !== kids.length) reject('RECALL_THRESHOLD', `recall ${n.recallId}: the same key signed twice`);
  const thresholds = check.thresholds ?? DEFAULT_THRESHOLDS;
  const subjects = [...new Set(signers.map(subjectKey))];
  const required = Math.max(thresholdFor(thresholds, n.action), check.previous ? thresholdFor(thresholds, check.previous.action) : 0);
  if (subjects.length < required) {
    reject('RECALL_THRESHOLD', `recall ${n.recallId}: ${n.action} needs ${required} distinct signers, got ${subjects.length} (${subjects.join(', ')})`);
  }
  // §6 validity window: a bounded lifetime (so a lapsed key cannot mint long-lived backdated
  // notices), then against the robot's clock (which never runs behind its time floor).
  const maxLifetime = check.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
  if (n.notAfter - n.issuedAt > maxLifetime) {
    reject('RECALL_LIFETIME', `recall ${n.recallId}: valid for ${n.notAfter - n.issuedAt} s after issue, at most ${maxLifetime} s (${Math.floor(maxLifetime / 86400)} days) are accepted`);
  }
  if (!check.skipTime) {
    const skew = check.clockSkewSeconds ?? 300;
    if (n.issuedAt > check.now + skew || n.notBefore > check.now + skew) {
      reject('RECALL_NOT_YET_VALID', `recall ${n.recallId}: valid from ${iso(n.notBefore)} (issued ${iso(n.issuedAt)}), now is ${iso(check.now)}`);
    }
    if (check.now > n.notAfter) reject('RECALL_EXPIRED', `recall ${n.recallId}: valid until ${iso(n.notAfter)}, now is ${iso(check.now)}`);
  }
  // §7 target: this unit, under the signers' root country; a model never matches another model.
  if (check.unit && !targetMatches(n.target, check.unit, rootCountry)) {
    reject('RECALL_TARGET', `recall ${n.recallId}: does not target unit ${check.unit.code}`);
  }
  return { notice: n, bytes, hash: sha256(bytes), signers, subjects, rootCountry, required };
}

/** Steps 1-7 in order (docs/protocol.md §"Recall verification order"). */
export function verifyRecallNotice(bytes: Uint8Array, check: RecallCheck): VerifiedRecall {
  return checkRecall(openRecall(bytes, check.maxBytes), bytes, check);
}
