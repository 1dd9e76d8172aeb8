/**
 * What a certified key may sign. A certificate lists its roles; every verifier names the
 * role it requires. Enterprise keys act only for their own enterprise's products; platform
 * keys act for every product under their root. See docs/threat-model.md.
 */
export const ROLES = {
  /** Sign identity records (enterprise). */
  identityIssue: 'identity.issue',
  /** Sign recall notices (enterprise: own products; platform: any product under the root). */
  recallIssue: 'recall.issue',
  /** Sign decommission/scrap orders (enterprise: own products; platform: any). */
  orderIssue: 'order.issue',
  /** Sign the platform's recall index, revocations and time (platform). */
  indexSign: 'index.sign',
  /** Confirm receipt of telemetry (platform). */
  receiptSign: 'receipt.sign',
  /** Sign registration orders: a unit sold into operation, its operator and region (platform). */
  registrationIssue: 'registration.issue',
  /** Confirm that a scrapped unit was recycled (a certified recycler, certified by the root). */
  recyclingConfirm: 'recycling.confirm',
} as const;

export type Role = (typeof ROLES)[keyof typeof ROLES];
export const ALL_ROLES: readonly Role[] = Object.values(ROLES);

export const ENTERPRISE_DEFAULT_ROLES: readonly Role[] = [ROLES.identityIssue, ROLES.recallIssue, ROLES.orderIssue];
export const PLATFORM_ROLE_NAMES: Record<string, readonly Role[]> = {
  recall: [ROLES.recallIssue],
  index: [ROLES.indexSign],
  receipt: [ROLES.receiptSign],
  order: [ROLES.orderIssue],
  registration: [ROLES.registrationIssue],
  recycling: [ROLES.recyclingConfirm],
};

export function isRole(value: string): value is Role {
  return (ALL_ROLES as readonly string[]).includes(value);
}
