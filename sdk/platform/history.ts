/**
 * A unit's traced life as the platform holds it (docs/protocol.md §"Traced history"): its
 * identity record, every event and recall ack the ingest stored, and the recycler's record,
 * in order, each verified again now: the device key's signature over the exact bytes stored,
 * each event's link to the one before it, each order against its signer's certificate at the
 * time the unit applied it. Nothing is taken from the store on trust; what fails is shown
 * with the reason, never dropped.
 */
import { bytesEqual } from '../cbor/index.js';
import { toHex } from '../crypto/hash.js';
import { isRobotIdError } from '../errors.js';
import { TRANSITION_EVENTS, isRegistrationEvent, isTransitionEvent, type LifecycleState, type OrderSubject } from '../lifecycle/index.js';
import { eventKind, type EventPayload } from '../messages/event.js';
import { orderKind, verifyOrder } from '../messages/order.js';
import { verifyRecycling } from '../messages/recycling.js';
import { verifyUnitMessage } from '../messages/unit-message.js';
import { openSign1 } from '../cose/object.js';
import { recallAckKind } from '../recall/ack.js';
import { Revocations } from '../trust/revocation.js';
import type { TrustStore } from '../trust/trust-store.js';
import { verifyIdentityRecord, type VerifiedIdentity } from '../trust/verify-identity.js';
import { verifyRekeyedEvent } from '../rekey/announce.js';
import type { StoredRecord } from './ingest-store.js';

export interface HistoryOrder {
  transition: OrderSubject;
  orderId: string;
  /** Subject and name of the signer's certificate. */
  issuer: string;
  verified: boolean;
  problem?: string;
  operator?: string;
  region?: string;
  reason?: string;
}

export interface HistoryEntry {
  /** Seconds since the epoch (the signer's clock). */
  time: number;
  /** manufactured, an event kind (registered, commissioned, maintenance, scrapped, ...), recall-ack, recycled. */
  what: string;
  source: 'identity' | 'event' | 'ack' | 'recycling';
  seq?: number;
  /** Who signed the entry: the unit (its device kid) or an authority. */
  signedBy: string;
  verified: boolean;
  problem?: string;
  /** Events: how the entry links to the one before it. */
  chain?: 'first' | 'linked' | 'broken' | 'after-missing';
  technician?: string;
  note?: string;
  order?: HistoryOrder;
  recall?: { recallId: string; revision: number; campaignId: string; status: string; reason?: string };
  facility?: string;
}

export interface UnitHistory {
  code: string;
  modelName?: string;
  enterprise?: string;
  /** The lifecycle state the verified events lead to. */
  state: LifecycleState;
  /** The registration in force: from the latest verified registration event. */
  registration?: { operator: string; region: string };
  scrapped: boolean;
  recycled: boolean;
  /** Entries that failed verification (they are listed, marked). */
  problems: number;
  entries: HistoryEntry[];
}

export interface HistoryInput {
  code: string;
  /** What the ingest stored, in the order it stored it (other units' entries are passed over). */
  stored: Iterable<StoredRecord>;
  /** The unit's identity record (from the registry). Without it nothing of the unit's verifies. */
  identity?: Uint8Array;
  trust: TrustStore;
  /** Recycling records (their signed bytes) the platform holds for the unit. */
  recycling?: Uint8Array[];
}

function why(err: unknown): string {
  return isRobotIdError(err) ? `${err.code}: ${err.message}` : String(err);
}

/** The stored records of one unit, one per (stream, seq), in seq order, each with its place in the store. */
function storedOf(records: Iterable<StoredRecord>, code: string): (StoredRecord & { pos: number })[] {
  const seen = new Map<string, StoredRecord & { pos: number }>();
  let pos = 0;
  for (const r of records) {
    pos++;
    if (r.code !== code) continue;
    const key = `${r.stream}:${r.seq}`;
    if (!seen.has(key)) seen.set(key, { ...r, pos });
  }
  return [...seen.values()].sort((a, b) => a.seq - b.seq);
}

function orderOf(bytes: Uint8Array, trust: TrustStore, identity: VerifiedIdentity, at: number, expected: OrderSubject): HistoryOrder {
  let decoded;
  try {
    decoded = openSign1(orderKind, bytes).value;
  } catch (err) {
    return { transition: expected, orderId: '', issuer: 'unknown', verified: false, problem: why(err) };
  }
  const base: HistoryOrder = {
    transition: decoded.transition,
    orderId: toHex(decoded.orderId),
    issuer: 'unknown',
    verified: false,
    ...(decoded.operator ? { operator: toHex(decoded.operator) } : {}),
    ...(decoded.region ? { region: decoded.region } : {}),
    ...(decoded.reason ? { reason: decoded.reason } : {}),
  };
  try {
    // Judged at the time the unit applied it, as the unit judged it.
    const v = verifyOrder(bytes, trust, { code: identity.code.code, enterprise: identity.code.enterprise, transition: expected, now: at });
    return { ...base, issuer: `${v.issuer.certificate.subject} (${v.issuer.certificate.name})`, verified: true };
  } catch (err) {
    return { ...base, problem: why(err) };
  }
}

/** Builds and verifies the history of `input.code`. */
export function unitHistory(input: HistoryInput): UnitHistory {
  const { code, trust } = input;
  const entries: HistoryEntry[] = [];
  let identity: VerifiedIdentity | undefined;
  if (input.identity) {
    try {
      // The record as issued: judged at its issue time, revocations aside (a scrapped unit's
      // record is revoked now, and its history must still read).
      identity = verifyIdentityRecord(input.identity, trust, { revocations: Revocations.none });
      entries.push({
        time: identity.record.issuedAt,
        what: 'manufactured',
        source: 'identity',
        signedBy: `${identity.enterprise.certificate.subject} (${identity.enterprise.certificate.name})`,
        verified: identity.code.code === code,
        ...(identity.code.code === code ? {} : { problem: `the record is for ${identity.code.code}` }),
        note: `${identity.record.modelName}, made ${identity.record.manufactureDate}`,
      });
    } catch (err) {
      entries.push({ time: 0, what: 'manufactured', source: 'identity', signedBy: 'unknown', verified: false, problem: why(err) });
    }
  }
  let state: LifecycleState = 'manufactured';
  let registration: UnitHistory['registration'];
  let prev: StoredRecord | undefined;
  const body: HistoryEntry[] = [];
  // Where each entry was stored: the order of arrival breaks ties of time (one-second clocks).
  const arrival = new Map<HistoryEntry, number>();
  // An entry that does not verify has no trusted time: it keeps its place after the one before it.
  const place = (e: HistoryEntry): void => {
    if (e.time === 0) e.time = body.at(-1)?.time ?? 0;
    body.push(e);
  };
  const stored = storedOf(input.stored, code);
  // Every record the unit had: the registry's, then each one a verified rekeyed event installed.
  const records: VerifiedIdentity[] = identity ? [identity] : [];
  let current = identity;
  for (const r of stored.filter((x) => x.stream === 'event')) {
    const e = eventEntry(r, current, trust, prev);
    prev = r;
    arrival.set(e.entry, r.pos);
    place(e.entry);
    if (e.next) records.push((current = e.next));
    if (!e.entry.verified || !e.value) continue;
    const kind = e.value.kind;
    if (isTransitionEvent(kind) && state !== 'scrapped') state = TRANSITION_EVENTS[kind];
    if (isRegistrationEvent(kind) && e.entry.order?.verified && e.entry.order.operator && e.entry.order.region) {
      registration = { operator: e.entry.order.operator, region: e.entry.order.region };
    }
  }
  const events = body.splice(0);
  for (const r of stored.filter((x) => x.stream === 'ack')) {
    const e = ackEntry(r, records);
    arrival.set(e, r.pos);
    place(e);
  }
  entries.push(...mergeByTime(events, body.splice(0), arrival));
  let recycled = false;
  for (const bytes of input.recycling ?? []) {
    try {
      const v = verifyRecycling(bytes, trust, { code });
      recycled = true;
      entries.push({
        time: v.record.recycledAt,
        what: 'recycled',
        source: 'recycling',
        signedBy: `${v.issuer.certificate.subject} (${v.issuer.certificate.name})`,
        verified: true,
        ...(v.record.facility ? { facility: v.record.facility } : {}),
        ...(v.record.note ? { note: v.record.note } : {}),
      });
    } catch (err) {
      entries.push({ time: 0, what: 'recycled', source: 'recycling', signedBy: 'unknown', verified: false, problem: why(err) });
    }
  }
  return {
    code,
    ...(identity ? { modelName: identity.record.modelName, enterprise: `${identity.enterprise.certificate.subject} (${identity.enterprise.certificate.name})` } : {}),
    state,
    ...(registration ? { registration } : {}),
    scrapped: state === 'scrapped',
    recycled,
    problems: entries.filter((e) => !e.verified).length,
    entries,
  };
}

/**
 * Events (in seq order: the unit's own order, whatever order they arrived in) and acks (in seq
 * order) merged by time; at equal times (one-second clocks) the one stored first goes first.
 * Neither list is ever reordered within itself.
 */
function mergeByTime(events: HistoryEntry[], acks: HistoryEntry[], arrival: Map<HistoryEntry, number>): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < events.length || j < acks.length) {
    const e = events[i];
    const a = acks[j];
    const takeEvent = a === undefined || (e !== undefined && (e.time < a.time || (e.time === a.time && arrival.get(e)! <= arrival.get(a)!)));
    out.push(takeEvent ? events[i++]! : acks[j++]!);
  }
  return out;
}

function eventEntry(r: StoredRecord, identity: VerifiedIdentity | undefined, trust: TrustStore, prev: StoredRecord | undefined): { entry: HistoryEntry; value?: EventPayload; next?: VerifiedIdentity } {
  const chain: HistoryEntry['chain'] = r.seq === 1 ? 'first' : prev?.seq !== r.seq - 1 ? 'after-missing' : bytesEqual(prev.hash, r.prevHash) ? 'linked' : 'broken';
  if (!identity) return { entry: { time: 0, what: 'event', source: 'event', seq: r.seq, signedBy: 'unknown', verified: false, problem: 'no verified identity record for the unit', chain } };
  let value: EventPayload;
  let next: VerifiedIdentity | undefined;
  try {
    const peek = openSign1(eventKind, r.bytes);
    if (peek.value.kind === 'rekeyed' && !bytesEqual(peek.cose.protected.kid!, identity.deviceKid)) {
      // The announcement: the new key's signature, the old key's handover, the new record.
      const v = verifyRekeyedEvent(r.bytes, identity, trust, { revocations: Revocations.none });
      value = v.event.value;
      next = v.next;
    } else {
      value = verifyUnitMessage(eventKind, r.bytes, identity).value;
    }
  } catch (err) {
    return { entry: { time: 0, what: 'event', source: 'event', seq: r.seq, signedBy: `device ${toHex(identity.deviceKid)}`, verified: false, problem: why(err), chain } };
  }
  const entry: HistoryEntry = {
    time: value.time,
    what: value.kind,
    source: 'event',
    seq: value.seq,
    signedBy: next ? `device ${toHex(next.deviceKid)}, handed over by ${toHex(identity.deviceKid)}` : `device ${toHex(identity.deviceKid)}`,
    verified: chain !== 'broken',
    ...(chain === 'broken' ? { problem: 'does not link to the entry before it (prevHash)' } : {}),
    chain,
    ...(value.technician ? { technician: value.technician } : {}),
    ...(value.note ? { note: value.note } : {}),
    ...(next ? { note: `record version ${next.record.recordVersion}` } : {}),
  };
  if (value.order) {
    const expected: OrderSubject = isRegistrationEvent(value.kind) || value.kind === 'registration-refused' ? 'registered' : (value.kind as OrderSubject);
    entry.order = orderOf(value.order, trust, identity, value.time, expected);
  }
  return { entry, value, ...(next ? { next } : {}) };
}

function ackEntry(r: StoredRecord, records: readonly VerifiedIdentity[]): HistoryEntry {
  let identity = records.at(-1);
  try {
    const kid = openSign1(recallAckKind, r.bytes).cose.protected.kid!;
    identity = records.find((i) => bytesEqual(i.deviceKid, kid)) ?? identity;
  } catch {
    // Undecodable: verifyUnitMessage below names the reason.
  }
  if (!identity) return { time: 0, what: 'recall-ack', source: 'ack', seq: r.seq, signedBy: 'unknown', verified: false, problem: 'no verified identity record for the unit' };
  try {
    const a = verifyUnitMessage(recallAckKind, r.bytes, identity).value;
    return {
      time: a.time,
      what: 'recall-ack',
      source: 'ack',
      seq: a.seq,
      signedBy: `device ${toHex(identity.deviceKid)}`,
      verified: true,
      recall: { recallId: a.recallId, revision: a.revision, campaignId: a.campaignId, status: a.status, ...(a.reason ? { reason: a.reason } : {}) },
    };
  } catch (err) {
    return { time: 0, what: 'recall-ack', source: 'ack', seq: r.seq, signedBy: `device ${toHex(identity.deviceKid)}`, verified: false, problem: why(err) };
  }
}
