/**
 * The recycling record (docs/protocol.md §"Recycling"): a certified recycler's signed statement
 * that a scrapped unit was taken apart and its materials recovered. It closes the unit's traced
 * life on the platform side. Signed by a key with the recycling.confirm role (a recycler,
 * certified by the root: `robot-id platform certify --role recycling`); its certificate rides
 * in the unprotected header. The unit plays no part: its key is gone by then.
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, openSign1, signObject } from '../cose/object.js';
import type { Signer } from '../crypto/signer.js';
import { MessageError, RobotIdError } from '../errors.js';
import { ROLES } from '../trust/roles.js';
import { Revocations } from '../trust/revocation.js';
import type { TrustStore } from '../trust/trust-store.js';
import { verifySign1Issuer } from '../trust/verify-issuer.js';
import type { VerifiedCertificate } from '../trust/verify-certificate.js';
import { PROTOCOL_VERSION } from '../version.js';

export interface Recycling {
  v: number;
  /** The recycled unit (canonical code). */
  code: string;
  /** Seconds since the epoch. */
  recycledAt: number;
  /** Where: the recycler's facility. */
  facility?: string;
  note?: string;
}

export const RECYCLING_MAX_BYTES = 4096;

export const recyclingSchema = defineSchema<Recycling>('recycling', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 64 },
  recycledAt: { l: 2, t: 'uint' },
  facility: { l: 3, t: 'tstr', max: 256, optional: true },
  note: { l: 4, t: 'tstr', max: 1024, optional: true },
});

export const recyclingKind = defineKind<Recycling>({
  name: 'recycling',
  contentType: CONTENT_TYPES.recycling,
  schema: recyclingSchema,
  maxBytes: RECYCLING_MAX_BYTES,
});

export async function signRecycling(signer: Signer, certificate: Uint8Array, input: Omit<Recycling, 'v'>): Promise<Uint8Array> {
  return signObject(recyclingKind, { v: PROTOCOL_VERSION, ...input }, signer, certificate);
}

export interface VerifiedRecycling {
  record: Recycling;
  issuer: VerifiedCertificate;
  bytes: Uint8Array;
}

/**
 * Size cap and strict decode; the recycler's certificate (recycling.confirm, valid at
 * recycledAt) and signature over the bytes received; the unit named, when `code` is given.
 * Every failure is a MessageError 'RECYCLING_INVALID' naming the reason.
 */
export function verifyRecycling(bytes: Uint8Array, trust: TrustStore, check: { code?: string; revocations?: Revocations } = {}): VerifiedRecycling {
  const fail = (why: string, cause?: unknown): never => {
    throw new MessageError('RECYCLING_INVALID', `recycling record: ${why}`, cause === undefined ? undefined : { cause });
  };
  let opened;
  try {
    opened = openSign1(recyclingKind, bytes);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), err);
  }
  const record = opened.value;
  let issuer: VerifiedCertificate;
  try {
    issuer = verifySign1Issuer(opened.cose, trust, { at: record.recycledAt, role: ROLES.recyclingConfirm, revocations: check.revocations ?? Revocations.none });
  } catch (err) {
    return fail(`recycler: ${err instanceof RobotIdError ? `${err.code}: ${err.message}` : String(err)}`, err);
  }
  if (check.code !== undefined && record.code !== check.code) fail(`names unit ${record.code}, expected ${check.code}`);
  return { record, issuer, bytes };
}
