/**
 * The receipt (docs/protocol.md §"Delivery and exactly-once"): the platform's signed statement
 * to one unit of what it has durably stored, per stream, as the highest CONTIGUOUS sequence
 * (every entry 1..seq is stored). Signed by a platform key with the receipt.sign role; its
 * certificate rides in the unprotected header. The agent drops outbox entries only on a
 * receipt that verifies and names its own code.
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, openSign1, signObject } from '../cose/object.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import type { Signer } from '../crypto/signer.js';
import { MessageError, RobotIdError } from '../errors.js';
import type { Revocations } from '../trust/revocation.js';
import type { CertificateCache } from '../trust/cert-cache.js';
import { ROLES } from '../trust/roles.js';
import type { TrustStore } from '../trust/trust-store.js';
import { verifySign1Issuer } from '../trust/verify-issuer.js';
import type { VerifiedCertificate } from '../trust/verify-certificate.js';
import { PROTOCOL_VERSION } from '../version.js';

export interface Receipt {
  v: number;
  code: string;
  /** Highest event seq such that every event 1..event is stored (0: none). */
  event: number;
  /** Highest ack seq such that every ack 1..ack is stored (0: none). */
  ack: number;
  /** Hash of the stored event `event` (the chain head the platform holds); absent when event = 0. */
  eventHead?: Uint8Array;
  /** Seconds since the epoch. */
  issuedAt: number;
}

export const receiptSchema = defineSchema<Receipt>('receipt', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 64 },
  event: { l: 2, t: 'uint' },
  ack: { l: 3, t: 'uint' },
  eventHead: { l: 4, t: 'bstr', max: 32, optional: true },
  issuedAt: { l: 5, t: 'uint' },
});

export const receiptKind = defineKind<Receipt>({
  name: 'receipt',
  contentType: CONTENT_TYPES.receipt,
  schema: receiptSchema,
  maxBytes: 4096,
});

/** `certificate` is the platform key's certificate (role receipt.sign). */
export function signReceipt(platform: Signer, certificate: Uint8Array, value: Omit<Receipt, 'v'>): Promise<Uint8Array> {
  return signObject(receiptKind, { v: PROTOCOL_VERSION, ...value }, platform, certificate);
}

export interface ReceiptCheck {
  /** The code of the unit verifying (a receipt for anyone else is refused). */
  code: string;
  revocations?: Revocations;
  backend?: Ed25519Backend;
  /** This verifier's own certificate cache (sdk/trust/cert-cache.ts); never shared across robots. */
  certCache?: CertificateCache;
}

export interface VerifiedReceipt {
  receipt: Receipt;
  issuer: VerifiedCertificate;
}

/**
 * Verification order (docs/protocol.md §"Receipts"): size cap and strict decode (openSign1),
 * then the issuer's certificate (platform, receipt.sign, valid at issuedAt) and the signature
 * over the bytes received, then the unit named. Errors: MessageError MSG_MALFORMED,
 * MSG_WRONG_KIND, MSG_BAD_SIGNATURE (cause: the TrustError), MSG_WRONG_UNIT.
 */
export function verifyReceipt(bytes: Uint8Array, trust: TrustStore, check: ReceiptCheck): VerifiedReceipt {
  let opened;
  try {
    opened = openSign1(receiptKind, bytes);
  } catch (err) {
    const code = err instanceof RobotIdError && err.code === 'COSE_WRONG_KIND' ? 'MSG_WRONG_KIND' : 'MSG_MALFORMED';
    throw new MessageError(code, `receipt: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let issuer: VerifiedCertificate;
  try {
    issuer = verifySign1Issuer(opened.cose, trust, {
      at: opened.value.issuedAt,
      role: ROLES.receiptSign,
      subjectKinds: ['platform'],
      revocations: check.revocations,
      backend: check.backend,
      cache: check.certCache,
    });
  } catch (err) {
    throw new MessageError('MSG_BAD_SIGNATURE', `receipt: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (opened.value.code !== check.code) {
    throw new MessageError('MSG_WRONG_UNIT', `receipt: expected one for ${check.code}, got one for ${opened.value.code}`);
  }
  return { receipt: opened.value, issuer };
}
