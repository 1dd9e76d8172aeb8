/**
 * The unit's trust store as it follows root rotations (docs/protocol.md §"Root rotation", "On
 * the unit"). Statements arrive in the country index (label 9); each is applied in order by
 * sdk applyRotation (R1-R8). When any applies, the new store is written to the configured
 * `trustStore` file atomically (write .new, fsync, rename, fsync the directory) and only then
 * taken by the agent's one TrustStore object, which every verifier holds. A refused statement
 * is counted and logged with its reason; it never stops the rest of the index being processed.
 */
import { RotationError, TrustError, applyRotations, keyIdFor, kidHex, rootVersion, verifyIdentityRecord, type RotationStatement, type TrustStore } from '../../sdk/index.js';

export interface RootTrustLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RootTrustDeps {
  /** The agent's one trust store (updated in place after the file is written). */
  trust: TrustStore;
  /** Where it is persisted (config trustStore). */
  path: string;
  /** The unit's country: only its rotations are taken. */
  country: string;
  log: RootTrustLog;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** Called after a rotation was applied and persisted. */
  onChange?: () => void;
  /**
   * The unit's identity record as on disk: a statement after which it would no longer verify
   * (a hand-over dated before the record was issued) is refused, ROTATION_IDENTITY.
   */
  identity?: Uint8Array;
}

export interface RotationRejection {
  code: string;
  message: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface RootTrustStatus {
  country: string;
  rootVersion: number;
  rootKid: string;
  applied: { version: number; kid: string; notBefore: number }[];
  rejected: { total: number; byCode: Record<string, number>; last?: RotationRejection };
}

export class RootTrust {
  private readonly applied: RootTrustStatus['applied'] = [];
  private readonly rejected: RootTrustStatus['rejected'] = { total: 0, byCode: {} };
  /** Statements refused once are not logged again each time the index is re-sent. */
  private readonly seenRefusals = new Set<string>();

  constructor(private readonly deps: RootTrustDeps) {}

  /** The version of the unit's country's current root (1 for a store that never rotated). */
  rootVersion(): number {
    const r = this.deps.trust.currentRoot(this.deps.country);
    return r ? rootVersion(r) : 1;
  }

  /** Applies what extends the held chain; returns the number of statements applied. */
  offer(statements: readonly Uint8Array[]): number {
    if (statements.length === 0) return 0;
    // A rotation never takes away the unit's own identity: a statement after which the record
    // would not verify (a hand-over dated before it was issued) is refused, and the chain stops there.
    const record = this.deps.identity;
    const guard = (next: TrustStore, s: RotationStatement) =>
      record && !this.verifies(record, next)
        ? new RotationError('ROTATION_IDENTITY', `root rotation of ${s.country} to version ${s.version}: this unit's identity record would no longer verify under it (the hand-over precedes the record's issue time)`)
        : undefined;
    const r = applyRotations(statements, this.deps.trust, { country: this.deps.country }, guard);
    for (const err of r.refused) this.refuse(err);
    if (r.applied.length === 0) return 0;
    // Persist before acting: the file first, then every verifier sees the new roots.
    try {
      r.trust.save(this.deps.path);
    } catch (err) {
      this.deps.log.error({ path: this.deps.path, err: { message: (err as Error).message } }, 'trust store could not be written; rotation not applied');
      return 0;
    }
    this.deps.trust.adopt(r.trust);
    for (const s of r.applied) {
      this.applied.push({ version: s.version, kid: kidHex(keyIdFor(s.alg, s.publicKey)), notBefore: s.notBefore });
      this.deps.log.info({ country: s.country, version: s.version, notBefore: s.notBefore }, 'root rotation applied');
    }
    this.deps.onChange?.();
    return r.applied.length;
  }

  private verifies(record: Uint8Array, trust: TrustStore): boolean {
    try {
      verifyIdentityRecord(record, trust);
      return true;
    } catch (err) {
      if (err instanceof TrustError) return false;
      throw err;
    }
  }

  private refuse(err: RotationError): void {
    const key = `${err.code}:${err.message}`;
    if (this.seenRefusals.has(key)) return;
    // Bounded: an index topic that keeps changing its bad statements costs a counter, not memory.
    if (this.seenRefusals.size >= 256) this.seenRefusals.clear();
    this.seenRefusals.add(key);
    this.rejected.total++;
    this.rejected.byCode[err.code] = (this.rejected.byCode[err.code] ?? 0) + 1;
    this.rejected.last = { code: err.code, message: err.message, at: (this.deps.now ?? Date.now)() };
    this.deps.log.warn({ reason: err.code }, 'root rotation refused');
  }

  status(): RootTrustStatus {
    const current = this.deps.trust.currentRoot(this.deps.country);
    return {
      country: this.deps.country,
      rootVersion: this.rootVersion(),
      rootKid: current ? kidHex(current.kid) : '',
      applied: [...this.applied],
      rejected: { ...this.rejected, byCode: { ...this.rejected.byCode } },
    };
  }
}
