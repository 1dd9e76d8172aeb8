/**
 * The robot's recall pipeline (docs/protocol.md §"Recalls on the robot"). Transport-free: the
 * wire (MQTT subscription to the unit's recall topics) calls `handleNotice(bytes, source)`;
 * the composition root calls `start()` once after boot to re-establish active recalls.
 *
 * Order for each notice: verification steps 1-7 (sdk/recall/verify.ts), step 8 replay and
 * rollback against the durable store, then the notice and its mark are stored durably, then
 * 'verified' is acknowledged, then the local action runs and its outcome is recorded and
 * acknowledged. Notices are handled one at a time; actions run one at a time in the
 * background so a slow action never holds up verification.
 */
import {
  CertificateCache,
  DEFAULT_THRESHOLDS,
  RecallRejectedError,
  actionRank,
  checkRecall,
  overlapOf,
  noticeToJson,
  openRecall,
  resolvesFor,
  signRecallAck,
  toHex,
  type AckStatus,
  type OpenedMulti,
  type RecallAction,
  type RecallNotice,
  Revocations,
  type Signer,
  type Thresholds,
  type TrustStore,
  type VerifiedIdentity,
  type VerifiedRecall,
} from '../../sdk/index.js';
import { existsSync, readFileSync } from 'node:fs';
import { runAction } from './action-runner.js';
import { writeStateFile, STATE_FILE_FORMAT, type EnforcementState } from './state-file.js';
import { RateLimitedCounter } from './rate-limit.js';
import { RecallStore } from './store.js';
import type { AckSink, ActionOutcome, ActionRun, ActiveRecall, RecallActionConfig, RecallLog, RecallRecord } from './types.js';

export interface RecallHandlerDeps {
  identity: VerifiedIdentity;
  trust: TrustStore;
  /** The device key: signs acknowledgements. */
  device: Signer;
  /** Seconds since the epoch: the agent's clock, never behind its persisted time floor. */
  now: () => number;
  acks: AckSink;
  /** The recall store directory, e.g. <stateDir>/recalls. */
  dir: string;
  action?: RecallActionConfig;
  log: RecallLog;
  /** Current revocations (from the platform index); none by default. */
  revocations?: () => Revocations;
  /** The agent's own certificate cache (one per agent, never shared across robots); a private one by default. */
  certCache?: CertificateCache;
  /** A signed policy file shipped with the unit; installed at open when newer than the held one. */
  policyFile?: string;
  clockSkewSeconds?: number;
  maxNoticeBytes?: number;
  /** At most one log line per this many seconds for unacknowledged rejections (default 60). */
  logIntervalSeconds?: number;
}

export type NoticeResult =
  | { result: 'accepted'; record: RecallRecord; applied: Promise<ActionOutcome | undefined> }
  /** The held revision again (a retained topic after reconnect, a replay): quietly ignored. */
  | { result: 'duplicate'; recallId: string; revision: number; reason: 'RECALL_REPLAYED' }
  | { result: 'rejected'; error: RecallRejectedError; acknowledged: boolean };

/**
 * Rejections of notices whose every signature verified: acknowledged with the reason, so the
 * platform learns why. Everything else (bad or missing signatures, wrong role, lapsed or
 * revoked keys, garbage, rollback) is counted and logged, never acknowledged.
 */
export const ACKNOWLEDGED_REJECTIONS: ReadonlySet<string> = new Set(['RECALL_SCOPE', 'RECALL_THRESHOLD', 'RECALL_NOT_YET_VALID', 'RECALL_EXPIRED', 'RECALL_LIFETIME', 'RECALL_TARGET']);

const MAX_REJECTION_MARKS = 1024;

export interface RecallStatusReport {
  strongestAction: RecallAction | null;
  activeRecalls: ActiveRecall[];
  recalls: RecallRecord[];
  policy: { source: 'signed' | 'default'; version: number | null; thresholds: Thresholds };
  counters: { accepted: number; duplicate: number; acknowledgedRejections: number; unacknowledged: Record<string, number> };
}

export class RecallHandler {
  readonly store: RecallStore;
  private notices: Promise<unknown> = Promise.resolve();
  private actions: Promise<unknown> = Promise.resolve();
  private readonly rejectionMarks = new Set<string>();
  private readonly unacknowledged: RateLimitedCounter;
  private readonly counts = { accepted: 0, duplicate: 0, acknowledgedRejections: 0 };

  private readonly certCache: CertificateCache;

  private constructor(private readonly deps: RecallHandlerDeps) {
    this.certCache = deps.certCache ?? new CertificateCache();
    this.store = RecallStore.open(deps.dir, deps.trust);
    this.unacknowledged = new RateLimitedCounter(deps.logIntervalSeconds ?? 60, deps.now);
  }

  static open(deps: RecallHandlerDeps): RecallHandler {
    const h = new RecallHandler(deps);
    if (deps.policyFile && existsSync(deps.policyFile)) {
      try {
        h.installPolicy(new Uint8Array(readFileSync(deps.policyFile)));
      } catch (err) {
        deps.log.error({ err: brief(err), file: deps.policyFile }, 'recall policy file refused');
      }
    }
    return h;
  }

  /** After boot: acknowledge what a crash left unacknowledged and re-run active recalls' action. */
  async start(): Promise<void> {
    const action = this.deps.action;
    let rerun = 0;
    for (const r of this.store.all()) {
      const again = action !== undefined && (r.state === 'active' || r.outcome === undefined);
      // A state file's outcome is itself the acknowledgement (see process()).
      if (r.acked === undefined && !(again && 'file' in action)) await this.acknowledge(r, 'verified');
      if (again) {
        void this.scheduleAction(r.recallId, r.revision, 'boot');
        rerun++;
      }
    }
    // A state file is written at every start even with nothing in force: it usually lives on
    // /run (emptied by a reboot), and its consumer must not take a missing file for "no recall".
    if (action && 'file' in action && rerun === 0) {
      const { outcome, error } = writeStateFile(action.file, this.enforcementState({ trigger: 'boot' }), 'boot', this.deps.now);
      if (outcome.status !== 'applied') this.deps.log.error({ file: action.file, err: error }, 'recall state file not written');
    }
    const active = this.activeRecalls();
    if (active.length > 0) this.deps.log.warn({ active: active.map((a) => ({ recallId: a.recallId, action: a.action })) }, 'active recalls re-established');
  }

  /** Verifies and, when accepted, stores and acts on one notice. Never throws for bad input. */
  handleNotice(bytes: Uint8Array, source = 'unknown'): Promise<NoticeResult> {
    const run = this.notices.then(() => this.process(bytes, source));
    this.notices = run.catch(() => undefined);
    return run;
  }

  private async process(bytes: Uint8Array, source: string): Promise<NoticeResult> {
    // §"Recall verification order" step 0: capture the time once for every check below.
    const now = this.deps.now();
    let opened: OpenedMulti<RecallNotice>;
    try {
      opened = openRecall(bytes, this.deps.maxNoticeBytes); // steps 1-2
    } catch (err) {
      return this.unverified(err, source);
    }
    const n = opened.value;
    const held = this.store.get(n.recallId);
    let verified: VerifiedRecall;
    try {
      verified = checkRecall(opened, bytes, {
        trust: this.deps.trust,
        now,
        unit: this.deps.identity.code,
        thresholds: this.thresholds().thresholds,
        revocations: (this.deps.revocations?.() ?? Revocations.none).withOverlap(this.overlapS()),
        certCache: this.certCache,
        clockSkewSeconds: this.deps.clockSkewSeconds,
        previous: held && { revision: held.revision, issuer: held.issuer, action: held.action },
      }); // steps 3-7
    } catch (err) {
      if (err instanceof RecallRejectedError && ACKNOWLEDGED_REJECTIONS.has(err.code)) return this.rejectedSigned(n, err, source);
      return this.unverified(err, source);
    }
    // Step 8: replay and rollback against the durable marks.
    try {
      this.store.checkRevision(n.recallId, n.revision);
    } catch (err) {
      if (err instanceof RecallRejectedError && err.code === 'RECALL_REPLAYED') {
        this.counts.duplicate++;
        this.deps.log.debug({ recallId: n.recallId, revision: n.revision, source }, 'recall duplicate ignored');
        return { result: 'duplicate', recallId: n.recallId, revision: n.revision, reason: err.code };
      }
      return this.unverified(err, source);
    }
    // Step 9: the notice and the new mark are durable before anything is acted on.
    const record: RecallRecord = {
      recallId: n.recallId,
      revision: n.revision,
      campaignId: n.campaignId,
      issuer: n.issuer,
      action: n.action,
      state: resolvesFor(n, this.deps.identity.code.code) ? 'resolved' : 'active',
      issuedAt: n.issuedAt,
      notAfter: n.notAfter,
      acceptedAt: now,
      sha256: toHex(verified.hash),
      signers: verified.subjects,
    };
    this.store.commit(record, bytes);
    this.counts.accepted++;
    this.deps.log.info({ recallId: n.recallId, revision: n.revision, action: n.action, state: record.state, source }, 'recall accepted');
    const action = this.deps.action;
    if (action && 'file' in action) {
      // The state file is written inline, in well under a millisecond: its outcome is the
      // notice's only acknowledgement, sent where 'verified' would be (a program's outcome can
      // take seconds, so it is acknowledged 'verified' first).
      const outcome = await this.runStateFile(action.file, record, 'accepted');
      return { result: 'accepted', record: this.store.get(n.recallId)!, applied: Promise.resolve(outcome) };
    }
    await this.acknowledge(record, 'verified');
    return { result: 'accepted', record: this.store.get(n.recallId)!, applied: this.scheduleAction(n.recallId, n.revision, 'accepted') };
  }

  private unverified(err: unknown, source: string): NoticeResult {
    if (!(err instanceof RecallRejectedError)) throw err;
    const { log, suppressed } = this.unacknowledged.record(err.code);
    if (log) this.deps.log.warn({ reason: err.code, source, suppressed, err: brief(err) }, 'recall notice refused');
    return { result: 'rejected', error: err, acknowledged: false };
  }

  private async rejectedSigned(n: RecallNotice, err: RecallRejectedError, source: string): Promise<NoticeResult> {
    const mark = `${n.recallId}#${n.revision}#${err.code}`;
    this.counts.acknowledgedRejections++;
    if (this.rejectionMarks.has(mark)) return { result: 'rejected', error: err, acknowledged: false };
    if (this.rejectionMarks.size >= MAX_REJECTION_MARKS) this.rejectionMarks.clear();
    this.rejectionMarks.add(mark);
    this.deps.log.warn({ recallId: n.recallId, revision: n.revision, reason: err.code, source }, 'recall rejected');
    const acked = await this.acknowledge(n, 'rejected', err.code);
    return { result: 'rejected', error: err, acknowledged: acked };
  }

  /**
   * Appends a signed ack; records it on the held record when it concerns the held revision,
   * together with `note` (an action's outcome) in the same store write.
   */
  private async acknowledge(r: Pick<RecallRecord, 'recallId' | 'revision' | 'campaignId'>, status: AckStatus, reason?: string, note?: (rec: RecallRecord) => void): Promise<boolean> {
    const { device, identity, now } = this.deps;
    try {
      const { seq } = await this.deps.acks.appendAck((seq) =>
        signRecallAck(device, { code: identity.code.code, seq, recallId: r.recallId, revision: r.revision, campaignId: r.campaignId, status, reason, time: now() }),
      );
      if (status !== 'rejected') {
        this.store.update(r.recallId, r.revision, (rec) => {
          note?.(rec);
          rec.acked = status;
        });
      }
      this.deps.log.debug({ recallId: r.recallId, revision: r.revision, status, seq }, 'recall acknowledged');
      return true;
    } catch (err) {
      // The ack log is full or failing. The recall itself is stored and in force; a missing
      // ack is sent again after the next start (acked stays as it was). The outcome is still
      // worth keeping if the store can take it.
      if (note) {
        try {
          this.store.update(r.recallId, r.revision, note);
        } catch {
          // the store is failing too: reported with the error below
        }
      }
      this.deps.log.error({ recallId: r.recallId, status, err: brief(err) }, 'recall acknowledgement not stored');
      return false;
    }
  }

  /** Records an action's outcome; acknowledges it when it differs from what was acknowledged. */
  private async recordOutcome(rec: RecallRecord, outcome: ActionOutcome): Promise<void> {
    const note = (r: RecallRecord) => (r.outcome = outcome);
    if (rec.acked !== outcome.status) await this.acknowledge(rec, outcome.status, outcome.reason, note);
    else this.store.update(rec.recallId, rec.revision, note);
  }

  /** The built-in action: writes the whole enforcement state, then records and acknowledges the outcome. */
  private async runStateFile(file: string, rec: RecallRecord, trigger: ActionOutcome['trigger']): Promise<ActionOutcome> {
    const written = writeStateFile(file, this.enforcementState({ trigger, recallId: rec.recallId, revision: rec.revision, state: rec.state }), trigger, this.deps.now);
    this.logOutcome(rec, written);
    await this.recordOutcome(rec, written.outcome);
    return written.outcome;
  }

  private logOutcome(rec: RecallRecord, { outcome, stderrTail, error }: ActionRun): void {
    const level = outcome.status === 'applied' ? 'info' : 'error';
    this.deps.log[level]({ recallId: rec.recallId, revision: rec.revision, outcome, stderr: stderrTail || undefined, err: error }, 'recall action finished');
  }

  private scheduleAction(recallId: string, revision: number, trigger: ActionOutcome['trigger']): Promise<ActionOutcome | undefined> {
    const config = this.deps.action;
    if (!config) return Promise.resolve(undefined);
    const run = this.actions.then(async () => {
      const rec = this.store.get(recallId);
      if (!rec || rec.revision !== revision) return undefined; // superseded before it ran
      if ('file' in config) return this.runStateFile(config.file, rec, trigger);
      const ran = await runAction(config, this.actionInput(rec, trigger), trigger, this.deps.now);
      this.logOutcome(rec, ran);
      // The record as it is now: the action may have run for seconds.
      const current = this.store.get(recallId);
      if (current && current.revision === revision) await this.recordOutcome(current, ran.outcome);
      return ran.outcome;
    });
    this.actions = run.catch((err: unknown) => this.deps.log.error({ recallId, err: brief(err) }, 'recall action could not be recorded'));
    return run;
  }

  /** The JSON document the local action reads on standard input. */
  private actionInput(rec: RecallRecord, trigger: ActionOutcome['trigger']): unknown {
    const held = this.store.notice(rec.recallId);
    return {
      unit: this.deps.identity.code.code,
      trigger,
      state: rec.state,
      action: rec.action,
      signers: rec.signers,
      notice: held ? noticeToJson(held.notice) : null,
      record: rec,
    };
  }

  /** The state file's content: everything in force on this unit now. */
  private enforcementState(cause: EnforcementState['cause']): EnforcementState {
    const active = this.activeRecalls().map(({ outcome: _, ...r }) => r);
    return { v: STATE_FILE_FORMAT, unit: this.deps.identity.code.code, strongestAction: active[0]?.action ?? null, activeRecalls: active, cause, updatedAt: this.deps.now() };
  }

  /** Installs a root-signed recall policy for this unit's country (newer versions only). */
  installPolicy(bytes: Uint8Array): boolean {
    const installed = this.store.installPolicy(bytes, this.deps.trust, this.deps.identity.code.country);
    if (installed) this.deps.log.info({ version: this.store.policy()!.policy.version, thresholds: this.store.policy()!.policy.thresholds }, 'recall policy installed');
    return installed;
  }

  /** The renewal overlap window of the held policy (docs/protocol.md §"Key renewal"; default when none). */
  overlapS(): number {
    return overlapOf(this.store.policy()?.policy);
  }

  thresholds(): RecallStatusReport['policy'] {
    const p = this.store.policy()?.policy;
    if (p && p.country === this.deps.identity.code.country) return { source: 'signed', version: p.version, thresholds: p.thresholds };
    return { source: 'default', version: null, thresholds: { ...DEFAULT_THRESHOLDS } };
  }

  /** The overlay on the lifecycle state: recalls in force on this unit, strongest first. */
  activeRecalls(): ActiveRecall[] {
    return this.store
      .all()
      .filter((r) => r.state === 'active')
      .sort((a, b) => actionRank(b.action) - actionRank(a.action) || (a.recallId < b.recallId ? -1 : 1))
      .map((r) => ({ recallId: r.recallId, revision: r.revision, campaignId: r.campaignId, action: r.action, issuer: r.issuer, acceptedAt: r.acceptedAt, outcome: r.outcome?.status }));
  }

  /** The ids of the active recalls, for the heartbeat's `activeRecalls` field. */
  activeRecallIds(): string[] {
    return this.activeRecalls().map((a) => a.recallId);
  }

  strongestAction(): RecallAction | null {
    return this.activeRecalls()[0]?.action ?? null;
  }

  /** Held revision of a recall id (for reconciling the platform index). */
  revisionOf(recallId: string): number | undefined {
    return this.store.revisionOf(recallId);
  }

  status(): RecallStatusReport {
    return {
      strongestAction: this.strongestAction(),
      activeRecalls: this.activeRecalls(),
      recalls: this.store.all(),
      policy: this.thresholds(),
      counters: { ...this.counts, unacknowledged: this.unacknowledged.snapshot() },
    };
  }

  /** Resolves when every notice handed in so far and every action scheduled has finished. */
  async idle(): Promise<void> {
    await this.notices;
    await this.actions;
  }
}

function brief(err: unknown): { code?: string; message: string } {
  const message = (err instanceof Error ? err.message : String(err)).slice(0, 300);
  return typeof (err as { code?: unknown })?.code === 'string' ? { code: (err as { code: string }).code, message } : { message };
}
