/**
 * The durable recall store (docs/protocol.md §"Recalls on the robot"): the robot's marks per
 * recall id and the notice bytes they came from, plus the root-signed recall policy.
 *
 *   <dir>/recalls.json              { format, recalls: RecallRecord[] } sorted by recallId
 *   <dir>/notices/<sha256>.cose     the exact bytes of each held revision
 *   <dir>/policy.cose               the held recall policy (highest version seen)
 *
 * Every write is atomic (write .new, fsync, rename, fsync the directory). A new revision's
 * notice file is written before recalls.json names it, so after a crash the store is either
 * the old state or the new one; an orphaned notice file is removed on the next open.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  RecallRejectedError,
  openRecall,
  sha256,
  toHex,
  policyForUnit,
  verifyPolicy,
  writeFileAtomicSync,
  type RecallNotice,
  type TrustStore,
  type VerifiedPolicy,
} from '../../sdk/index.js';
import { RecallStoreError } from './errors.js';
import type { RecallRecord } from './types.js';

export const RECALL_STORE_FORMAT = 'robot-id-recalls/1';
export const RECALL_STORE_FILES = { state: 'recalls.json', notices: 'notices', policy: 'policy.cose' } as const;

export class RecallStore {
  private readonly records = new Map<string, RecallRecord>();
  private heldPolicy: VerifiedPolicy | undefined;
  /** Held in memory because the disk refused them (a full file system); written by retrySave(). */
  private readonly unsavedNotices = new Map<string, Uint8Array>();
  private unsavedPolicy: Uint8Array | undefined;
  private stateUnsaved = false;

  private constructor(readonly dir: string) {}

  /** Opens (creating) the store in `dir`; an unreadable recalls.json is an error, never "empty". */
  static open(dir: string, trust: TrustStore): RecallStore {
    const store = new RecallStore(dir);
    mkdirSync(join(dir, RECALL_STORE_FILES.notices), { recursive: true, mode: 0o750 });
    store.loadRecords();
    store.loadPolicy(trust);
    store.removeOrphans();
    return store;
  }

  private loadRecords(): void {
    const path = join(this.dir, RECALL_STORE_FILES.state);
    if (!existsSync(path)) return;
    let json: { format?: unknown; recalls?: unknown };
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as typeof json;
    } catch (err) {
      throw new RecallStoreError('RECALL_STORE_INVALID', `${path}: expected JSON (${(err as Error).message})`, { cause: err });
    }
    if (json.format !== RECALL_STORE_FORMAT || !Array.isArray(json.recalls)) {
      throw new RecallStoreError('RECALL_STORE_INVALID', `${path}: expected format ${RECALL_STORE_FORMAT} with a recalls array`);
    }
    for (const r of json.recalls as RecallRecord[]) {
      if (typeof r?.recallId !== 'string' || !Number.isSafeInteger(r.revision) || typeof r.sha256 !== 'string') {
        throw new RecallStoreError('RECALL_STORE_INVALID', `${path}: a record lacks recallId, revision or sha256`);
      }
      this.records.set(r.recallId, r);
    }
  }

  private loadPolicy(trust: TrustStore): void {
    const path = join(this.dir, RECALL_STORE_FILES.policy);
    if (!existsSync(path)) return;
    // A held policy that no longer verifies (e.g. the trust store changed) is not used; the
    // caller sees policy() === undefined and falls back to the built-in default.
    try {
      this.heldPolicy = verifyPolicy(new Uint8Array(readFileSync(path)), trust);
    } catch (err) {
      if (!(err instanceof RecallRejectedError)) throw err;
      this.heldPolicy = undefined;
    }
  }

  private removeOrphans(): void {
    const wanted = new Set([...this.records.values()].map((r) => `${r.sha256}.cose`));
    for (const f of readdirSync(join(this.dir, RECALL_STORE_FILES.notices))) {
      if (!wanted.has(f)) rmSync(join(this.dir, RECALL_STORE_FILES.notices, f), { force: true });
    }
  }

  get(recallId: string): RecallRecord | undefined {
    const r = this.records.get(recallId);
    return r && structuredClone(r);
  }

  /** The revision held for `recallId` (for index reconciliation), or undefined. */
  revisionOf(recallId: string): number | undefined {
    return this.records.get(recallId)?.revision;
  }

  all(): RecallRecord[] {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  /**
   * Step 8 of §"Recall verification order": an equal revision is a quiet duplicate
   * (RECALL_REPLAYED), a lower one a rollback (RECALL_ROLLBACK).
   */
  checkRevision(recallId: string, revision: number): void {
    const held = this.records.get(recallId);
    if (!held) return;
    if (revision === held.revision) throw new RecallRejectedError('RECALL_REPLAYED', `recall ${recallId}: revision ${revision} is already held`);
    if (revision < held.revision) {
      throw new RecallRejectedError('RECALL_ROLLBACK', `recall ${recallId}: revision ${revision} is older than the held revision ${held.revision}`);
    }
  }

  /** Durably stores a newly accepted revision: the notice bytes first, then the mark. */
  commit(record: RecallRecord, bytes: Uint8Array): void {
    const hash = toHex(sha256(bytes));
    if (hash !== record.sha256) throw new RangeError(`commit: record sha256 ${record.sha256} does not match the bytes (${hash})`);
    const previous = this.records.get(record.recallId);
    this.unsavedNotices.set(hash, bytes);
    this.records.set(record.recallId, structuredClone(record));
    this.persist();
    if (previous && previous.sha256 !== hash) {
      this.unsavedNotices.delete(previous.sha256);
      rmSync(this.noticePath(previous.sha256), { force: true });
    }
  }

  /** Durably updates a held record (outcome, acked status) in place. */
  update(recallId: string, revision: number, change: (r: RecallRecord) => void): RecallRecord | undefined {
    const held = this.records.get(recallId);
    if (!held || held.revision !== revision) return undefined; // superseded meanwhile: nothing to record
    change(held);
    this.persist();
    return structuredClone(held);
  }

  /** The held notice, decoded; undefined when its file is missing or does not match its hash. */
  notice(recallId: string): { notice: RecallNotice; bytes: Uint8Array } | undefined {
    const r = this.records.get(recallId);
    if (!r) return undefined;
    try {
      const bytes = this.unsavedNotices.get(r.sha256) ?? new Uint8Array(readFileSync(this.noticePath(r.sha256)));
      if (toHex(sha256(bytes)) !== r.sha256) return undefined;
      return { notice: openRecall(bytes).value, bytes };
    } catch {
      return undefined; // missing or damaged evidence: the record (and the recall) stays in force
    }
  }

  policy(): VerifiedPolicy | undefined {
    return this.heldPolicy;
  }

  /**
   * Installs a verified policy for `country`: a higher version replaces the held one, the same
   * version is a quiet duplicate (false), a lower one is a rollback (RECALL_POLICY).
   */
  installPolicy(bytes: Uint8Array, trust: TrustStore, country: string): boolean {
    const verified = policyForUnit(bytes, trust, country);
    const held = this.heldPolicy?.policy.version;
    if (held !== undefined && verified.policy.version < held) {
      throw new RecallRejectedError('RECALL_POLICY', `recall policy: version ${verified.policy.version} is older than the held version ${held}`);
    }
    if (held !== undefined && verified.policy.version === held) return false;
    this.heldPolicy = verified;
    this.unsavedPolicy = bytes;
    this.persist();
    return true;
  }

  private noticePath(hash: string): string {
    return join(this.dir, RECALL_STORE_FILES.notices, `${hash}.cose`);
  }

  /**
   * Writes what memory holds: new notices' bytes first, then the policy, then the state file.
   * A write that fails (a full disk) leaves it held in memory, where it is in force, and
   * `unsaved` true until retrySave() succeeds: a recall is enforced whether or not the disk
   * took it (docs/operations.md §"A full disk"). Never throws.
   */
  private persist(): void {
    try {
      this.retrySave();
    } catch {
      // Held in memory; StorageHealth retries and reports it.
    }
  }

  /** True while memory holds a notice, policy or record the disk does not have. */
  get unsaved(): boolean {
    return this.stateUnsaved || this.unsavedNotices.size > 0 || this.unsavedPolicy !== undefined;
  }

  /** Writes everything held only in memory; throws RECALL_STORE_IO while it still cannot. */
  retrySave(): void {
    for (const [hash, bytes] of this.unsavedNotices) {
      this.write(() => writeFileAtomicSync(this.noticePath(hash), bytes));
      this.unsavedNotices.delete(hash);
    }
    if (this.unsavedPolicy) {
      const bytes = this.unsavedPolicy;
      this.write(() => writeFileAtomicSync(join(this.dir, RECALL_STORE_FILES.policy), bytes));
      this.unsavedPolicy = undefined;
    }
    const recalls = [...this.records.values()].sort((a, b) => (a.recallId < b.recallId ? -1 : a.recallId > b.recallId ? 1 : 0));
    const text = JSON.stringify({ format: RECALL_STORE_FORMAT, recalls }, null, 1) + '\n';
    this.stateUnsaved = true;
    this.write(() => writeFileAtomicSync(join(this.dir, RECALL_STORE_FILES.state), text));
    this.stateUnsaved = false;
  }

  private write(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      throw new RecallStoreError('RECALL_STORE_IO', `recall store ${this.dir}: ${(err as Error).message}`, { cause: err });
    }
  }
}
