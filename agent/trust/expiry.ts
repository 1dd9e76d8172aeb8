/**
 * Expiry of what the unit depends on (docs/protocol.md §"Heartbeats", label 20): its
 * enterprise's certificate (from its identity record) and its country's current root. Expiry
 * never stops the unit (its record is judged at its issue time); it is reported so operators
 * renew in time: days left here, on the local socket and in every heartbeat.
 */
import { rootVersion, type TrustStore, type VerifiedIdentity } from '../../sdk/index.js';

export interface ExpiryItem {
  kind: 'enterprise' | 'root';
  /** The enterprise code, or `<country> v<version>` for a root. */
  subject: string;
  /** Seconds since the epoch. */
  notAfter: number;
  /** Whole days from now to notAfter, rounded down (negative once past). */
  daysLeft: number;
}

export interface ExpiryStatus {
  items: ExpiryItem[];
  /** The item expiring first. */
  nearest: ExpiryItem;
}

export function expiryOf(identity: VerifiedIdentity, trust: TrustStore, nowS: number): ExpiryStatus {
  const days = (notAfter: number) => Math.floor((notAfter - nowS) / 86400);
  const cert = identity.enterprise.certificate;
  const items: ExpiryItem[] = [{ kind: 'enterprise', subject: cert.subject, notAfter: cert.notAfter, daysLeft: days(cert.notAfter) }];
  const root = trust.currentRoot(identity.code.country);
  if (root?.notAfter !== undefined) items.push({ kind: 'root', subject: `${root.country} v${rootVersion(root)}`, notAfter: root.notAfter, daysLeft: days(root.notAfter) });
  const nearest = items.reduce((a, b) => (b.notAfter < a.notAfter ? b : a));
  return { items, nearest };
}
