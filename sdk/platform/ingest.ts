/**
 * The fleet ingest (docs/protocol.md §"Fleet ingest"): the platform side that receives what
 * units publish, verifies every message against the unit's identity record, stores events and
 * acks exactly once, tracks presence, reports gaps and broken chains, and confirms storage to
 * each unit with a signed receipt. Transport-agnostic: feed it with `handle(topic, payload)`
 * (mqtt.ts wires a broker), call `flush()` to make accepted entries durable and issue
 * receipts, and `tick()` to detect missed heartbeat deadlines.
 *
 * Per message, in the order of docs/STYLE.md: capture now; size cap, strict decode, signature
 * over the bytes received against the unit's cached verified identity (verifyUnitMessage);
 * freshness (heartbeat, birth); the sequence against the marks (a duplicate is quiet); store.
 */
import { EventEmitter } from 'node:events';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519, nodeEd25519Unkept } from '../crypto/ed25519-node.js';
import { toHex } from '../crypto/hash.js';
import type { Signer } from '../crypto/signer.js';
import { bytesEqual } from '../cbor/index.js';
import { isRobotIdError, MessageError } from '../errors.js';
import { parseUnitTopic, unitTopic } from '../topics.js';
import { Revocations } from '../trust/revocation.js';
import type { TrustStore } from '../trust/trust-store.js';
import type { VerifiedIdentity } from '../trust/verify-identity.js';
import { verifyUnitMessage } from '../messages/unit-message.js';
import { entryHash } from '../messages/event.js';
import { heartbeatKind } from '../messages/heartbeat.js';
import { birthKind } from '../messages/birth.js';
import { deathKind } from '../messages/death.js';
import { offlineKind } from '../messages/offline.js';
import { signReceipt } from '../messages/receipt.js';
import { verifyOrder } from '../messages/order.js';
import { IdentityDirectory, type RegistryEntry } from './identities.js';
import { PresenceTracker } from './presence.js';
import { countStored, declaredLost } from './lost.js';
import { newUnitMarks, type IngestStore, type StoredStream, type UnitMarks } from './ingest-store.js';
import type { IngestEvents, IngestScrapped, WireKind } from './events.js';
import { StoreRekeys, type SignedKind } from './store-rekeys.js';
import { StoreIdentities } from './store-identities.js';
import { IdentityLookups, type IdentityLookupOptions } from './identity-lookups.js';
import { verifyAckEntry, verifyEventEntry, type EntryCheck } from './rekey-entry.js';

export interface ReceiptSigner {
  signer: Signer;
  /** The platform certificate with the receipt.sign role. */
  certificate: Uint8Array;
}

export interface IngestOptions {
  trust: TrustStore;
  /**
   * Where entries, marks and device rekeys are kept (platform/store). Without it the ingest
   * keeps marks and rekeys in memory and issues no receipts.
   */
  store?: IngestStore;
  registry?: readonly RegistryEntry[];
  /** Issues receipts when set (requires `store`: a receipt names only what is durably stored). */
  receipts?: ReceiptSigner;
  /** Where receipts go (mqtt.ts publishes them at QoS 1). */
  publish?: (topic: string, payload: Uint8Array) => void;
  revocations?: Revocations;
  backend?: Ed25519Backend;
  /** Milliseconds clock (default Date.now). */
  now?: () => number;
  /** Added to a heartbeat's nextDueBy before the unit is reported offline (default 5000). */
  heartbeatGraceMs?: number;
  /** Largest difference between a heartbeat's or birth's time and ours (default 300 s). */
  maxSkewS?: number;
  /** Least time between receipts repeated for duplicates only (default 1000 ms). */
  receiptRepeatMs?: number;
  /**
   * Least time between two receipts to one unit (default 200 ms): a unit streaming events gets
   * one receipt naming all of them instead of one per group commit, which keeps signing off
   * the verification path. A unit that is due later stays pending for a later flush.
   */
  receiptMinIntervalMs?: number;
  /** Bounds of the lookups of unknown units in a store that has them (identity-lookups.ts). */
  identityLookups?: IdentityLookupOptions;
}

const KIND_OF_CHANNEL = { hb: 'heartbeat', evt: 'event', ack: 'ack', birth: 'birth', death: 'death', offline: 'offline', identity: 'identity' } as const;

export class FleetIngest extends EventEmitter<IngestEvents> {
  readonly identities: IdentityDirectory;
  readonly presence: PresenceTracker;
  readonly stats = { verified: 0, rejected: 0, duplicates: 0, stored: 0, receipts: 0, replayed: 0, truncatedBytes: 0 };
  private readonly marks: Map<string, UnitMarks>;
  private readonly store: IngestStore | undefined;
  private readonly dirty = new Set<string>();
  private readonly dupWanted = new Set<string>();
  private readonly lastReceipt = new Map<string, number>();
  private readonly now: () => number;
  private readonly backend: Ed25519Backend;
  private closed = false;
  /** Scrapped events accepted and not yet durable (reported by the next flush). */
  private scrappedPending: IngestScrapped[] = [];
  private revocationList: Revocations | undefined;
  /** The records each unit had before its rekeys, and those learned from the store (§"Device rekey"). */
  private readonly rekeys: StoreRekeys;
  /** The identity records the store keeps, loaded at start; new ones queued (§"Fleet ingest"). */
  readonly storedIdentities: StoreIdentities;
  /** Units stored after the start, looked up when their messages arrive (store-dependent). */
  private readonly lookups: IdentityLookups | undefined;

  constructor(private readonly options: IngestOptions) {
    super();
    if (options.receipts && !options.store) throw new RangeError('ingest: receipts need a store (they name only what is durably stored)');
    this.now = options.now ?? Date.now;
    // Units' messages are verified without keeping an imported key per unit (1.2 KiB each); the
    // records, under a few enterprise keys, with the backend that keeps them.
    this.backend = options.backend ?? nodeEd25519Unkept;
    this.revocationList = options.revocations;
    this.identities = new IdentityDirectory(options.trust, { revocations: options.revocations?.withoutScrapped(), backend: options.backend ?? nodeEd25519 });
    for (const e of options.registry ?? []) this.identities.add(e.code, e.identity);
    this.presence = new PresenceTracker(options.heartbeatGraceMs ?? 5000);
    this.rekeys = new StoreRekeys(this.identities, options.store, (err) => void this.emit('failure', err));
    // After the registry and the rekeys: the records the store keeps, verified again.
    this.storedIdentities = new StoreIdentities(this.identities, options.store);
    const store = options.store;
    this.lookups = store?.lookupIdentities
      ? new IdentityLookups(
          {
            query: (codes) => store.lookupIdentities!(codes),
            known: (code) => this.identities.bytesOf(code) !== undefined,
            learn: (record) => this.storedIdentities.learn(record),
            judge: (topic, payload, because) => this.handleOnce(topic, payload, true, because ?? null),
            lookup: (l) => void this.emit('lookup', l),
            lookupQuery: (q) => void this.emit('lookupQuery', q),
            failure: (err) => void this.emit('failure', err),
            now: this.now,
          },
          options.identityLookups,
        )
      : undefined;
    if (options.store) {
      this.store = options.store;
      this.marks = options.store.marks;
      this.stats.replayed = options.store.opened.replayed;
      this.stats.truncatedBytes = options.store.opened.truncated;
    } else {
      this.marks = new Map();
    }
  }

  /**
   * The platform's revocations now in force: every record is judged again at its next use, so a
   * revoked unit's messages are reported `MSG_REVOKED`, never stored or receipted
   * (docs/protocol.md §"Revocation").
   */
  setRevocations(revocations: Revocations): void {
    this.revocationList = revocations;
    this.identities.setRevocations(revocations.withoutScrapped());
  }

  /**
   * A scrapped unit may not operate: its heartbeats, births and new entries are refused. Its
   * entries already stored are still answered (duplicates), so the unit gets the receipt for
   * its final `scrapped` event, after which it destroys its key.
   */
  private refuseScrapped(code: string): void {
    if (this.revocationList?.isCodeScrapped(code)) throw new MessageError('MSG_REVOKED', `${code} is scrapped: it may not be sold or operated`);
  }

  /** The platform's revocations now in force (none when it was given none). */
  get revocations(): Revocations {
    return this.revocationList ?? Revocations.none;
  }

  /** Highest contiguous seq stored per stream, and the event chain head. */
  marksOf(code: string): { event: number; ack: number; head: Uint8Array } {
    const m = this.marks.get(code);
    return { event: m?.event.contiguous ?? 0, ack: m?.ack.contiguous ?? 0, head: m?.event.head ?? new Uint8Array(32) };
  }

  units(): string[] {
    return [...this.marks.keys()];
  }

  /**
   * A message signed by a key this process does not know for the unit: reads the unit's rekeys
   * from the store (one read per unit at a time, shared by the messages that wait on it), then
   * judges the message again, once. `flush` waits for these reads first.
   */
  private recheck(code: string, kind: SignedKind, topic: string, payload: Uint8Array, err: unknown): void {
    void this.rekeys.read(code).then(() => {
      if (this.closed) return;
      // Learned nothing new: refused as it was.
      if (!this.rekeys.miss(code, kind, payload, err)) this.handleOnce(topic, payload, false);
      else this.reject(topic, code, kind, err);
    });
  }

  /** One message from the broker. Never throws for bad input: it is reported as 'rejected'. */
  handle(topic: string, payload: Uint8Array): void {
    this.handleOnce(topic, payload, true);
  }

  /**
   * `looked`: judged after a lookup of the unit (never held again), with why it is still unknown
   * (null: its record was found). Otherwise a message of a unit not known may be held for one.
   */
  private handleOnce(topic: string, payload: Uint8Array, mayRecheck: boolean, looked?: MessageError | null): void {
    const t = parseUnitTopic(topic);
    if (!t || t.channel === 'receipt' || this.closed) return;
    const kind: WireKind = KIND_OF_CHANNEL[t.channel];
    // Not stored or receipted before the unit's record, looked up in the store, verifies.
    if (looked === undefined && this.lookups?.hold(t.code, kind === 'identity', topic, payload)) return;
    const nowMs = this.now();
    try {
      if (kind === 'identity') return this.onIdentity(t.code, payload);
      const identity = this.identities.get(t.code);
      if (kind !== 'event' && kind !== 'ack') this.refuseScrapped(t.code);
      switch (kind) {
        case 'event':
          return this.onEntry(t.code, 'event', identity, payload);
        case 'ack':
          return this.onEntry(t.code, 'ack', identity, payload);
        case 'heartbeat':
          return this.onHeartbeat(t.code, identity, payload, nowMs);
        case 'birth':
          return this.onBirth(t.code, identity, payload, nowMs);
        case 'death':
        case 'offline':
          return this.onEnd(t.code, kind, identity, payload);
      }
    } catch (err) {
      if (mayRecheck && kind !== 'identity' && this.rekeys.miss(t.code, kind, payload, err)) return this.recheck(t.code, kind, topic, payload, err);
      // Unknown after a lookup (or one remembered): the refusal says what the store held.
      const because = isRobotIdError(err) && err.code === 'MSG_UNKNOWN_UNIT' && this.identities.bytesOf(t.code) === undefined ? (looked ?? this.lookups?.why(t.code)) : undefined;
      this.reject(topic, t.code, kind, because ?? err);
    }
  }

  private reject(topic: string, code: string | undefined, kind: WireKind | 'unknown', err: unknown, seq?: number): void {
    this.stats.rejected++;
    const reason = isRobotIdError(err) ? err.code : 'INTERNAL';
    this.emit('rejected', { code, kind, seq, verified: false, reason, message: err instanceof Error ? err.message : String(err), topic });
  }

  private onIdentity(code: string, bytes: Uint8Array): void {
    this.identities.offer(code, bytes);
    const v = this.identities.get(code);
    this.storedIdentities.seen(code, bytes);
    this.stats.verified++;
    this.emit('message', { code, kind: 'identity', seq: v.record.recordVersion, verified: true, value: v.record });
  }

  private onEntry(code: string, stream: StoredStream, identity: VerifiedIdentity, bytes: Uint8Array): void {
    const check: EntryCheck = { trust: this.options.trust, epochs: this.rekeys.epochs, backend: this.backend, revocations: this.revocationList?.withoutScrapped() };
    const ev = stream === 'event' ? verifyEventEntry(code, identity, bytes, check) : undefined;
    const opened = ev ? ev.opened : verifyAckEntry(code, identity, bytes, check);
    this.stats.verified++;
    const value = opened.value;
    let m = this.marks.get(code);
    if (!m) this.marks.set(code, (m = newUnitMarks()));
    const mark = m[stream];
    if (mark.isDuplicate(value.seq)) {
      // Step 7: an entry already stored is a quiet duplicate; the unit evidently lacks a receipt.
      this.stats.duplicates++;
      this.dupWanted.add(code);
      this.emit('duplicate', { code, kind: stream, seq: value.seq });
      // Stored before a crash that lost the rekeys file's line: learned again from the resend.
      if (ev?.rekey && !this.rekeys.epochs.has(code, value.seq)) this.adoptRekey(code, value.seq, ev.under, ev.rekey.next.bytes, ev.rekey.ackSeq);
      return;
    }
    this.refuseScrapped(code);
    const hash = entryHash(bytes);
    const prevHash = 'prevHash' in value ? value.prevHash : new Uint8Array(32);
    this.store?.append({ code, stream, seq: value.seq, hash, prevHash, bytes });
    const lost = stream === 'event' ? declaredLost(value) : undefined;
    const storedBefore = lost ? countStored(mark, lost) : 0;
    const adv = mark.record(value.seq, { hash, prevHash }, stream === 'event', lost);
    this.stats.stored++;
    this.dirty.add(code);
    this.emit('message', {
      code,
      kind: stream,
      seq: value.seq,
      verified: true,
      ...('kind' in value ? { eventKind: value.kind } : {}),
      value,
    });
    if (lost) this.emit('lost', { code, seq: value.seq, ...lost, stored: storedBefore });
    if (ev?.rekey) this.adoptRekey(code, value.seq, ev.under, ev.rekey.next.bytes, ev.rekey.ackSeq);
    if ('kind' in value && value.kind === 'scrapped' && this.scrapOrdered(identity, value.order, value.time)) this.scrappedPending.push({ code, seq: value.seq, time: value.time });
    if (adv.gap) this.emit('gap', { code, stream, ...adv.gap });
    for (const b of adv.breaks) this.emit('chain', { code, seq: b.seq, source: 'event', expected: toHex(b.expected), got: toHex(b.got) });
  }

  /**
   * The announcement is accepted: from its seq on, the unit's messages are verified under the
   * new record, and the store keeps the rekey with the event's commit.
   */
  private adoptRekey(code: string, seq: number, previous: VerifiedIdentity, record: Uint8Array, ackSeq: number): void {
    const next = this.identities.replace(code, record);
    this.rekeys.epochs.add(code, seq, previous, ackSeq);
    this.store?.appendRekey({ code, seq, previous: previous.bytes, record, ackSeq });
    this.emit('rekeyed', { code, seq, recordVersion: next.record.recordVersion, deviceKid: toHex(next.deviceKid) });
  }

  private fresh(kind: string, time: number, nowMs: number): void {
    const skew = this.options.maxSkewS ?? 300;
    if (Math.abs(time - nowMs / 1000) > skew) throw new MessageError('MSG_STALE', `${kind}: signed at ${time}, more than ${skew} s from now (${Math.floor(nowMs / 1000)})`);
  }

  private onHeartbeat(code: string, identity: VerifiedIdentity, bytes: Uint8Array, nowMs: number): void {
    const hb = verifyUnitMessage(heartbeatKind, bytes, identity, this.backend).value;
    this.fresh('heartbeat', hb.time, nowMs);
    const verdict = this.presence.heartbeat(code, hb, hb.nextDueBy);
    if (verdict !== 'ok') throw new MessageError('MSG_REPLAYED', `heartbeat (${hb.boot}, ${hb.counter}) of ${code} is not newer than the last one`);
    this.stats.verified++;
    this.emit('message', { code, kind: 'heartbeat', seq: hb.counter, boot: hb.boot, verified: true, value: hb });
    // The unit's log head against ours: the same seq must have the same hash.
    const m = this.marks.get(code);
    if (m && hb.logSeq === m.event.contiguous && hb.logSeq > 0 && !bytesEqual(hb.logHash, m.event.head)) {
      this.emit('chain', { code, seq: hb.logSeq, source: 'heartbeat', expected: toHex(m.event.head), got: toHex(hb.logHash) });
    }
    if (this.presence.seen(code)) this.emit('online', { code, boot: hb.boot, via: 'heartbeat' });
  }

  private onBirth(code: string, identity: VerifiedIdentity, bytes: Uint8Array, nowMs: number): void {
    const b = verifyUnitMessage(birthKind, bytes, identity, this.backend).value;
    this.fresh('birth', b.time, nowMs);
    if (this.presence.birth(code, b) !== 'ok') throw new MessageError('MSG_REPLAYED', `birth (${b.boot}, ${b.session}) of ${code} is not newer than the latest`);
    this.stats.verified++;
    this.emit('message', { code, kind: 'birth', seq: b.session, boot: b.boot, verified: true, value: b });
    this.emit('online', { code, boot: b.boot, session: b.session, via: 'birth' });
  }

  private onEnd(code: string, kind: 'death' | 'offline', identity: VerifiedIdentity, bytes: Uint8Array): void {
    const v = kind === 'death' ? verifyUnitMessage(deathKind, bytes, identity, this.backend).value : verifyUnitMessage(offlineKind, bytes, identity, this.backend).value;
    this.stats.verified++;
    const stale = this.presence.end(code, v) !== 'ok';
    this.emit('message', { code, kind, seq: v.session, boot: v.boot, verified: true, ...(stale ? { stale } : {}), value: v });
    if (!stale) this.emit('offline', { code, boot: v.boot, session: v.session, via: kind });
  }

  /**
   * Whether a scrapped event carries a scrap order that verifies as the unit verified it (at
   * the time it applied it). Only then does the platform revoke the code: a stolen device key
   * alone cannot scrap a unit out of the market.
   */
  private scrapOrdered(identity: VerifiedIdentity, order: Uint8Array | undefined, at: number): boolean {
    if (!order) return false;
    try {
      verifyOrder(order, this.options.trust, { code: identity.code.code, enterprise: identity.code.enterprise, transition: 'scrapped', now: at });
      return true;
    } catch {
      return false;
    }
  }

  /** Reports units whose heartbeat deadline passed. */
  tick(): void {
    for (const code of this.presence.expired(this.now())) this.emit('offline', { code, via: 'deadline' });
  }

  /**
   * Makes every accepted entry durable (one commit), then issues receipts naming the marks
   * the store reports committed (entries accepted during an asynchronous commit wait for the
   * next one). Resolves when the receipts have been handed to `publish`.
   */
  async flush(): Promise<number> {
    // Messages held for a lookup of their unit begun before this flush are judged first (one may
    // then wait on a read of its unit's rekeys), and those waiting on such reads: they join this commit.
    await this.lookups?.settled();
    await this.rekeys.settled();
    // What this commit covers; entries accepted while it runs are owed by the next one.
    const scrapped = this.scrappedPending.splice(0);
    const dirty = new Set(this.dirty);
    const dupWanted = new Set(this.dupWanted);
    this.dirty.clear();
    this.dupWanted.clear();
    let written = 0;
    try {
      written = (await this.store?.commit(new Set([...dirty, ...dupWanted]))) ?? 0;
    } catch (err) {
      // Nothing is committed: no receipt goes out, the store keeps the batch for the next commit.
      this.scrappedPending.unshift(...scrapped);
      for (const c of dirty) this.dirty.add(c);
      for (const c of dupWanted) this.dupWanted.add(c);
      this.emit('failure', err instanceof Error ? err : new Error(String(err)));
      return 0;
    }
    // Passed over by the store (a rekey this process had not met): judged again under it.
    const again = this.store?.takeUnjudged() ?? [];
    if (again.length > 0) {
      await Promise.all([...new Set(again.map((r) => r.code))].map((code) => this.rekeys.read(code)));
      for (const r of again) this.handleOnce(unitTopic(r.code, r.stream === 'event' ? 'evt' : 'ack'), r.bytes, false);
    }
    // Durable now: the platform may revoke the scrapped units' codes.
    for (const s of scrapped) this.emit('scrapped', s);
    const rs = this.options.receipts;
    if (!rs || !this.store) return written;
    const nowMs = this.now();
    const due: { code: string; event: number; ack: number; head?: Uint8Array }[] = [];
    const repeat = this.options.receiptRepeatMs ?? 1000;
    const minInterval = this.options.receiptMinIntervalMs ?? 200;
    for (const code of new Set([...dirty, ...dupWanted])) {
      const since = nowMs - (this.lastReceipt.get(code) ?? -Infinity);
      if (since < (dirty.has(code) ? minInterval : repeat)) {
        (dirty.has(code) ? this.dirty : this.dupWanted).add(code);
        continue;
      }
      const m = this.store.committed(code);
      if (!m) continue;
      due.push({ code, event: m.event, ack: m.ack, head: m.head });
      this.lastReceipt.set(code, nowMs);
    }
    const issuedAt = Math.floor(nowMs / 1000);
    await Promise.all(
      due.map(async (d) => {
        try {
          const bytes = await signReceipt(rs.signer, rs.certificate, { code: d.code, event: d.event, ack: d.ack, ...(d.head ? { eventHead: d.head } : {}), issuedAt });
          this.options.publish?.(unitTopic(d.code, 'receipt'), bytes);
          this.stats.receipts++;
          this.emit('receipt', { code: d.code, event: d.event, ack: d.ack });
        } catch (err) {
          this.emit('failure', err instanceof Error ? err : new Error(String(err)));
        }
      }),
    );
    return written;
  }

  /** Units owed a receipt that a later flush will issue (their minimum interval had not passed). */
  get receiptsPending(): number {
    return this.options.receipts ? this.dirty.size + this.dupWanted.size : 0;
  }

  /** Flushes, snapshots the marks and closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.lookups?.close();
    await this.store?.close();
  }
}
