/**
 * The enterprise's step of a device rekey (docs/protocol.md §"Device rekey", step R2): from a
 * verified request, a new identity record for the same code and hardware, binding the new key,
 * recordVersion one above the record the unit holds, signed by the enterprise key in use now
 * (a renewed key signs records of units its predecessor provisioned).
 */
import { KeyError, TrustError } from '../errors.js';
import type { Authority } from '../authority/authority.js';
import type { Revocations } from '../trust/revocation.js';
import { signIdentityRecord } from '../trust/identity.js';
import { verifyIdentityRecord, type VerifiedIdentity } from '../trust/verify-identity.js';
import { signLabel } from '../label/sign.js';
import { verifyRekeyRequest } from './request.js';

export interface RekeyIssueInput {
  enterprise: Authority;
  request: Uint8Array;
  /** Seconds since the epoch; default now. */
  now?: number;
  revocations?: Revocations;
}

export interface RekeyIssued {
  bytes: Uint8Array;
  identity: VerifiedIdentity;
  previousVersion: number;
  /** The unit's new label (the printed one names the old key), signed with the same key, at the same time. */
  label: Uint8Array;
}

export async function issueRekeyedRecord(input: RekeyIssueInput): Promise<RekeyIssued> {
  const ent = input.enterprise;
  if (ent.meta.kind !== 'enterprise' || !ent.certificate) throw new KeyError('KEY_FORMAT', `${ent.dir}: expected an enterprise authority, got ${ent.meta.kind}`);
  const v = verifyRekeyRequest(input.request, ent.trust, { revocations: input.revocations });
  const old = v.current.record;
  if (v.current.code.enterprise !== ent.meta.subject) {
    throw new TrustError('TRUST_ENTERPRISE_MISMATCH', `code ${old.code} belongs to enterprise ${v.current.code.enterprise}, not ${ent.meta.subject}`);
  }
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const issuedAt = Math.max(now, old.issuedAt);
  const bytes = await signIdentityRecord(ent.signer, {
    code: old.code,
    devicePublicKey: v.request.newPublicKey,
    deviceAlg: v.newAlg,
    modelName: old.modelName,
    manufactureDate: old.manufactureDate,
    hardwareBinding: old.hardwareBinding,
    issuedAt,
    recordVersion: old.recordVersion + 1,
    enterpriseCert: ent.certificate,
  });
  const label = await signLabel(ent.signer, { code: old.code, modelName: old.modelName, devicePublicKey: v.request.newPublicKey, deviceAlg: v.newAlg, issuedAt });
  return { bytes, identity: verifyIdentityRecord(bytes, ent.trust, { revocations: input.revocations }), previousVersion: old.recordVersion, label };
}
