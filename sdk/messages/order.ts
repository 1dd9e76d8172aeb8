/**
 * Lifecycle orders (docs/protocol.md §"Orders"): decommission, recommission or scrap one unit,
 * signed by the unit's enterprise or by a platform key, both with the order.issue role; or
 * register it to an operator (`registered`), signed by a platform key with registration.issue,
 * naming a pseudonymous operator and the region of operation. The signer's certificate rides
 * in the unprotected header. An order is single-use (its id is recorded in the event log that
 * applies it) and valid for a bounded window.
 */
import { defineSchema } from '../cbor/index.js';
import { CONTENT_TYPES } from '../cose/content-types.js';
import { defineKind, openSign1, signObject } from '../cose/object.js';
import type { Signer } from '../crypto/signer.js';
import { MessageError, RobotIdError } from '../errors.js';
import { ORDER_SUBJECTS, type OrderSubject } from '../lifecycle/index.js';
import { ROLES } from '../trust/roles.js';
import { Revocations } from '../trust/revocation.js';
import type { TrustStore } from '../trust/trust-store.js';
import { verifySign1Issuer } from '../trust/verify-issuer.js';
import type { VerifiedCertificate } from '../trust/verify-certificate.js';
import { PROTOCOL_VERSION } from '../version.js';

export interface Order {
  v: number;
  /** The one unit this order is for (canonical code). */
  code: string;
  transition: OrderSubject;
  /** 16 random bytes; an order is applied at most once. */
  orderId: Uint8Array;
  /** Seconds since the epoch. */
  issuedAt: number;
  notAfter: number;
  reason?: string;
  /**
   * Registration only: the operator, pseudonymous (a keyed hash the platform resolves; never a
   * name: personal data stays on the platform), 16 bytes.
   */
  operator?: Uint8Array;
  /** Registration only: the region of operation, a 6-digit administrative division code (GB/T 2260). */
  region?: string;
}

export const ORDER_MAX_BYTES = 4096;
export const OPERATOR_ID_BYTES = 16;
const REGION = /^[0-9]{6}$/;

export const orderSchema = defineSchema<Order>('order', {
  v: { l: 0, t: 'uint' },
  code: { l: 1, t: 'tstr', max: 64 },
  transition: { l: 2, t: { oneOf: ORDER_SUBJECTS } },
  orderId: { l: 3, t: 'bstr', max: 16 },
  issuedAt: { l: 4, t: 'uint' },
  notAfter: { l: 5, t: 'uint' },
  reason: { l: 6, t: 'tstr', max: 512, optional: true },
  operator: { l: 7, t: 'bstr', max: OPERATOR_ID_BYTES, optional: true },
  region: { l: 8, t: 'tstr', max: 6, optional: true },
});

/** A registration names an operator and a region; no other order does. */
function checkRegistrationFields(order: Omit<Order, 'v'>): string | undefined {
  if (order.transition === 'registered') {
    if (order.operator?.length !== OPERATOR_ID_BYTES) return `a registration names its operator: expected ${OPERATOR_ID_BYTES} bytes`;
    if (order.region === undefined || !REGION.test(order.region)) return `a registration names its region: expected 6 digits, got ${JSON.stringify(order.region)}`;
  } else if (order.operator !== undefined || order.region !== undefined) {
    return `a ${order.transition} order names no operator or region`;
  }
  return undefined;
}

/** The role an order's signer needs. */
export function orderRole(transition: OrderSubject): typeof ROLES.orderIssue | typeof ROLES.registrationIssue {
  return transition === 'registered' ? ROLES.registrationIssue : ROLES.orderIssue;
}

export const orderKind = defineKind<Order>({
  name: 'order',
  contentType: CONTENT_TYPES.order,
  schema: orderSchema,
  maxBytes: ORDER_MAX_BYTES,
});

export async function signOrder(signer: Signer, certificate: Uint8Array, order: Omit<Order, 'v'>): Promise<Uint8Array> {
  if (order.notAfter <= order.issuedAt) throw new RangeError('order: expected notAfter after issuedAt');
  if (order.orderId.length !== 16) throw new RangeError(`order: expected a 16-byte orderId, got ${order.orderId.length}`);
  const bad = checkRegistrationFields(order);
  if (bad) throw new RangeError(`order: ${bad}`);
  return signObject(orderKind, { v: PROTOCOL_VERSION, ...order }, signer, certificate);
}

export interface OrderCheck {
  /** The unit applying the order (canonical code) and its enterprise. */
  code: string;
  enterprise: string;
  transition: OrderSubject;
  /** Seconds since the epoch, captured once by the caller. */
  now: number;
  revocations?: Revocations;
  /** Tolerated clock difference between the issuer and the unit, seconds. */
  skewSeconds?: number;
}

export interface VerifiedOrder {
  order: Order;
  issuer: VerifiedCertificate;
  bytes: Uint8Array;
}

/**
 * Verification in the order of docs/protocol.md §"Orders": size cap and strict decode, the
 * issuer's certificate (order.issue, valid at issuedAt) and signature over the bytes
 * received, scope (an enterprise only for its own units), the unit and transition named,
 * then the validity window. Every failure is a MessageError 'ORDER_INVALID' naming the reason.
 */
export function verifyOrder(bytes: Uint8Array, trust: TrustStore, check: OrderCheck): VerifiedOrder {
  const fail = (why: string, cause?: unknown): never => {
    throw new MessageError('ORDER_INVALID', `order: ${why}`, cause === undefined ? undefined : { cause });
  };
  let opened;
  try {
    opened = openSign1(orderKind, bytes);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), err);
  }
  const order = opened.value;
  let issuer: VerifiedCertificate;
  try {
    issuer = verifySign1Issuer(opened.cose, trust, { at: order.issuedAt, role: orderRole(order.transition), revocations: check.revocations ?? Revocations.none });
  } catch (err) {
    return fail(`issuer: ${err instanceof RobotIdError ? `${err.code}: ${err.message}` : String(err)}`, err);
  }
  const cert = issuer.certificate;
  if (cert.subjectKind === 'enterprise' && cert.subject !== check.enterprise) {
    fail(`signed by enterprise ${cert.subject}, which may not order units of enterprise ${check.enterprise}`);
  }
  if (order.code !== check.code) fail(`names unit ${order.code}, this unit is ${check.code}`);
  if (order.transition !== check.transition) fail(`orders ${order.transition}, the event submitted needs a ${check.transition} order`);
  const bad = checkRegistrationFields(order);
  if (bad) fail(bad);
  const skew = check.skewSeconds ?? 300;
  if (check.now + skew < order.issuedAt) fail(`issued at ${order.issuedAt}, later than now (${check.now})`);
  if (check.now > order.notAfter) fail(`expired at ${order.notAfter} (now ${check.now})`);
  return { order, issuer, bytes };
}
