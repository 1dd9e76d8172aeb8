/**
 * Recall delivery on the robot (docs/protocol.md §"Delivery and reconciliation"):
 *   - subscribes to the recall topics and the index topic of each of the unit's scopes;
 *   - hands every notice to the recall handler (which verifies, stores, acts, acknowledges);
 *   - verifies every index (steps I1-I6), rejects and reports rollbacks, forks, expired and
 *     untrusted ones, persists the new mark (I7) before acting, then reconciles: what an index
 *     lists that the robot lacks is fetched again from its retained topic;
 *   - applies the revocations the indexes carry (the handler's verifiers take `revocations()`)
 *     and reports when the unit's own key or code is revoked;
 *   - tracks freshness: cut off for longer than maxAgeMs is reported (heartbeat, local socket).
 */
import {
  CertificateCache,
  IndexError,
  Revocations,
  countryScope,
  indexRotations,
  kidHex,
  missingRecalls,
  recallFilter,
  indexTopic,
  recallTopic,
  requiredScopes,
  revocationsOf,
  scopeOfTopic,
  scopePath,
  scopesOfUnit,
  parseScopePath,
  verifyIndex,
  type RecallScope,
  type RobotCode,
  type TrustStore,
} from '../../sdk/index.js';
import { freshness, type Freshness } from './freshness.js';
import { IndexMarks } from './marks.js';
import type { IndexRejection, NoticeSink, RecallSyncStatus, SyncLink, SyncLog } from './types.js';

/**
 * Resolves on a later turn of the event loop (after pending I/O callbacks). Each queued
 * message is handled on its own turn, so a burst (every retained notice and index of four
 * scopes after a reconnect) never holds the loop for all of its verifications and fsync'd
 * writes: heartbeats, receipts, acks whose write completed and the local API run in between.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface RecallSyncDeps {
  code: RobotCode;
  /** kid of the unit's own device key. */
  deviceKid: Uint8Array;
  trust: TrustStore;
  /** Directory for the index marks (e.g. <stateDir>/recall-index). */
  dir: string;
  notices: NoticeSink;
  maxAgeMs: number;
  log: SyncLog;
  /** Milliseconds since the epoch (the agent's clock with its time floor). */
  now?: () => number;
  /** How often freshness is re-evaluated (default min(maxAgeMs / 4, 60 s), at least 100 ms). */
  checkIntervalMs?: number;
  /** The held policy's renewal overlap (seconds) by which superseded index signers are judged; 0 when absent. */
  overlapS?: () => number;
  /** Called when stale or revoked changes (e.g. to send a heartbeat at once). */
  onChange?: (status: RecallSyncStatus) => void;
  /** The agent's own certificate cache (one per agent, never shared across robots); a private one by default. */
  certCache?: CertificateCache;
  /**
   * Takes the root rotation statements a country index carries (agent/trust RootTrust fits):
   * applied, persisted and adopted into `trust` before the index itself is verified.
   */
  rotations?: { offer(statements: readonly Uint8Array[]): number };
}

export class RecallSync {
  static readonly noRevocations = Revocations.none;

  private readonly marks: IndexMarks;
  private readonly scopes: RecallScope[];
  private readonly country: string;
  private readonly startedMs: number;
  private readonly missingSince = new Map<string, number>();
  private readonly rejected: RecallSyncStatus['rejected'] = { total: 0, byCode: {} };
  private revs: Revocations = Revocations.none;
  private timer: NodeJS.Timeout | undefined;
  private link: SyncLink | undefined;
  private last: { stale: boolean; revoked: boolean } = { stale: false, revoked: false };
  /** Serialises message handling so marks and reconciliation see one order. */
  private queue: Promise<void> = Promise.resolve();

  private readonly certCache: CertificateCache;

  constructor(private readonly deps: RecallSyncDeps) {
    this.certCache = deps.certCache ?? new CertificateCache();
    this.marks = IndexMarks.open(deps.dir);
    this.scopes = scopesOfUnit(deps.code);
    this.country = countryScope(deps.code.country);
    this.startedMs = this.now();
    this.revs = revocationsOf(this.marks.all().map(([, m]) => m.index));
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(link: SyncLink): void {
    this.link = link;
    link.on('message', (topic, payload) => {
      const where = scopeOfTopic(topic);
      if (!where || !this.scopes.some((s) => scopePath(s) === where.scope)) return;
      const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      this.queue = this.queue
        .then(nextTurn)
        .then(() => (where.recallId ? this.onNotice(topic, where.scope, bytes) : this.onIndex(where.scope, bytes)))
        .catch((err: unknown) => this.deps.log.error({ topic, err: { message: (err as Error).message } }, 'recall sync failed on a message'));
    });
    for (const s of this.scopes) {
      link.subscribe(indexTopic(s));
      link.subscribe(recallFilter(s));
    }
    const interval = this.deps.checkIntervalMs ?? Math.max(100, Math.min(this.deps.maxAgeMs / 4, 60_000));
    this.timer = setInterval(() => this.evaluate(), interval);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Resolves once every message received so far has been handled (for orderly shutdown and tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** The union of revocations of the held indexes: pass to every verifier. */
  revocations(): Revocations {
    return this.revs.withOverlap(this.deps.overlapS?.() ?? 0);
  }

  private async onNotice(topic: string, scope: string, bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return; // a cleared retained topic
    try {
      await this.deps.notices.handleNotice(bytes, topic);
    } catch (err) {
      // The handler reports its own rejections; an exception here is a bug, not bad input.
      this.deps.log.error({ scope, err: { message: (err as Error).message } }, 'recall handler failed');
    }
  }

  private async onIndex(scope: string, bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    // Root rotation, "On the unit": the statements prove themselves (both keys signed each), so
    // they are applied before the index's own signature, which may be under the newest root.
    if (scope === this.country && this.deps.rotations) this.deps.rotations.offer(indexRotations(bytes));
    // I1-I6 with one reference time, against the held mark and the held revocations.
    const nowMs = this.now();
    let v;
    try {
      v = verifyIndex(bytes, this.deps.trust, {
        now: Math.floor(nowMs / 1000),
        scope,
        country: this.deps.code.country,
        held: this.marks.heldFor(scope),
        revocations: this.revocations(),
        certCache: this.certCache,
      });
    } catch (err) {
      if (!(err instanceof IndexError)) throw err;
      this.reject({ scope, code: err.code, message: err.message, at: nowMs });
      return;
    }
    if (v.duplicate) return;
    // I7: persist the new mark before acting on the entries.
    this.marks.accept(v);
    this.deps.log.info({ scope, version: v.index.version, entries: v.index.entries.length }, 'recall index accepted');
    this.revs = revocationsOf(this.marks.all().map(([, m]) => m.index));
    if (scope === this.country) {
      // A narrower index the country index now names is required from this moment on.
      for (const s of this.requiredScopes().keys()) if (!this.missingSince.has(s)) this.missingSince.set(s, nowMs);
      if (v.index.policy) this.offerPolicy(v.index.policy);
    }
    this.reconcile(scope);
    this.evaluate();
  }

  /**
   * The country's recall policy, as the country index carries it: the handler installs a newer
   * one for this unit's country and refuses an older one or another country's (the policy's own
   * root signature is checked there, apart from the index's platform signature).
   */
  private offerPolicy(bytes: Uint8Array): void {
    try {
      this.deps.notices.installPolicy(bytes);
    } catch (err) {
      this.deps.log.warn({ reason: (err as { code?: string }).code ?? 'INTERNAL' }, 'recall policy in the country index refused');
    }
  }

  private reject(r: IndexRejection): void {
    this.rejected.total++;
    this.rejected.byCode[r.code] = (this.rejected.byCode[r.code] ?? 0) + 1;
    this.rejected.last = r;
    this.deps.log.warn({ scope: r.scope, reason: r.code }, 'recall index rejected');
  }

  /** Fetches again what the index of `scope` lists and the robot lacks. */
  private reconcile(scope: string): void {
    const held = this.marks.get(scope);
    if (!held) return;
    const missing = missingRecalls(held.index, (id) => this.deps.notices.revisionOf(id));
    for (const m of missing) {
      const topic = recallTopic(parseScopePath(scope)!, m.recallId);
      this.deps.log.info({ scope, recallId: m.recallId, revision: m.revision }, 'fetching recall listed in index');
      if (this.link?.refetch) this.link.refetch(topic);
      else this.link?.subscribe(topic);
    }
  }

  private requiredScopes(): Map<string, number> {
    const country = this.marks.get(this.country);
    const required = new Map<string, number>([[this.country, 0]]);
    if (country) {
      const mine = this.scopes.map(scopePath).filter((s) => s !== this.country);
      for (const [s, v] of requiredScopes(country.index, mine)) required.set(s, v);
    }
    return required;
  }

  private fresh(nowMs: number): Freshness {
    return freshness({
      nowMs,
      startedMs: this.startedMs,
      maxAgeMs: this.deps.maxAgeMs,
      required: this.requiredScopes(),
      held: (s) => this.marks.get(s),
      missingSince: this.missingSince,
    });
  }

  private revokedNow(): RecallSyncStatus['revoked'] {
    const deviceKey = this.revs.isKeyRevoked(this.deps.deviceKid);
    const code = this.revs.isCodeRevoked(this.deps.code.code);
    return deviceKey || code ? { deviceKey, code } : false;
  }

  /** Re-evaluates freshness and revocation; logs and reports transitions. */
  evaluate(): RecallSyncStatus {
    const s = this.status();
    const revoked = s.revoked !== false;
    if (s.stale !== this.last.stale) {
      if (s.stale) this.deps.log.warn({ since: s.incompleteSince, required: s.required }, 'cut off from recall information');
      else this.deps.log.info({}, 'recall information current again');
    }
    if (revoked && !this.last.revoked) this.deps.log.error({ ...s.revoked, kid: kidHex(this.deps.deviceKid) }, 'this unit is revoked');
    const changed = s.stale !== this.last.stale || revoked !== this.last.revoked;
    this.last = { stale: s.stale, revoked };
    if (changed) this.deps.onChange?.(s);
    return s;
  }

  status(): RecallSyncStatus {
    const nowMs = this.now();
    const f = this.fresh(nowMs);
    const required = this.requiredScopes();
    const missing = [];
    for (const [scope, m] of this.marks.all()) {
      if (this.scopes.some((s) => scopePath(s) === scope)) missing.push(...missingRecalls(m.index, (id) => this.deps.notices.revisionOf(id)));
    }
    return {
      stale: f.stale,
      ...(f.incompleteSince !== undefined ? { incompleteSince: f.incompleteSince } : {}),
      maxAgeMs: this.deps.maxAgeMs,
      indexes: this.marks.all().map(([scope, m]) => ({
        scope,
        version: m.version,
        issuedAt: m.issuedAt,
        expiresAt: m.expiresAt,
        current: m.version >= (required.get(scope) ?? 0) && nowMs < m.expiresAt * 1000,
      })),
      required: [...required.keys()],
      missing,
      revoked: this.revokedNow(),
      rejected: { ...this.rejected, byCode: { ...this.rejected.byCode } },
    };
  }

  /** The two heartbeat fields this module owns. */
  heartbeat(): { recallIndexStale: boolean; revoked: boolean } {
    const s = this.status();
    return { recallIndexStale: s.stale, revoked: s.revoked !== false };
  }
}
