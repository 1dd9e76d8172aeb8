/**
 * The units' identity records the ingest keeps in its store (docs/protocol.md §"Fleet ingest"):
 * at start, every record the store holds, each verified again like a registry record (the store
 * is not trusted more than the wire, docs/threat-model.md); afterwards, each record verified on
 * a unit's identity topic that the store does not hold yet (first seen, or a higher
 * recordVersion), queued for the next commit.
 */
import { bytesEqual } from '../cbor/index.js';
import { isRobotIdError, MessageError } from '../errors.js';
import type { VerifiedIdentity } from '../trust/verify-identity.js';
import type { TrustStore } from '../trust/trust-store.js';
import { IdentityDirectory, type IdentityOptions, type RegistryEntry } from './identities.js';
import type { IngestStore, StoredIdentity } from './ingest-store.js';

export interface StoredIdentityProblem {
  code: string;
  /** A MessageError code: MSG_UNKNOWN_UNIT (does not verify), MSG_WRONG_UNIT. */
  reason: string;
  message: string;
}

export class StoreIdentities {
  /** The recordVersion the store holds per code, as far as this process knows. */
  private readonly kept = new Map<string, number>();
  /** Records the store held at open that did not verify (passed over). */
  readonly problems: StoredIdentityProblem[] = [];
  /** Records the store held at open that are now in use or known. */
  loaded = 0;

  constructor(
    private readonly identities: IdentityDirectory,
    private readonly store: IngestStore | undefined,
  ) {
    this.load(store?.opened.identities ?? []);
  }

  /**
   * Learns the records the store held at open, after the registry and the rekeys: a record is
   * used when no record of its unit is known, or when it has a higher recordVersion and binds
   * the same device key as the one in use (another key is adopted only through a rekey).
   */
  load(stored: readonly StoredIdentity[]): void {
    for (const s of stored) {
      const refused = this.judge(s);
      // The reason is the check's own code (TRUST_BAD_SIGNATURE, ...), not the refusal's.
      if (refused) this.problems.push({ code: s.code, reason: refused.reason, message: refused.error.message });
    }
  }

  /**
   * One stored record, judged as `load` judges each (also for a unit looked up while the ingest
   * runs, identity-lookups.ts). Returns the refusal when it is passed over.
   */
  learn(s: StoredIdentity): MessageError | undefined {
    return this.judge(s)?.error;
  }

  /** `learn`, with the code of the check that refused the record (INTERNAL for a non-robot-id error). */
  private judge(s: StoredIdentity): { error: MessageError; reason: string } | undefined {
    this.kept.set(s.code, Math.max(this.kept.get(s.code) ?? -1, s.recordVersion));
    let v: VerifiedIdentity;
    try {
      v = this.identities.check(s.code, s.record);
    } catch (err) {
      const reason = isRobotIdError(err) ? err.code : 'INTERNAL';
      const refused = err instanceof MessageError ? err : new MessageError('MSG_UNKNOWN_UNIT', `identity record of ${s.code} (${reason}): ${(err as Error).message}`, { cause: err });
      // A revoked unit stays known: its messages are refused as revoked, not as unknown.
      if (refused.code !== 'MSG_REVOKED') return { error: refused, reason };
      this.identities.add(s.code, s.record);
      this.loaded++;
      return undefined;
    }
    let known: VerifiedIdentity | undefined;
    try {
      known = this.identities.get(s.code);
    } catch {
      // No record known (or the registry's does not verify): the store's is used.
      known = undefined;
    }
    if (!known || (bytesEqual(known.deviceKid, v.deviceKid) && v.record.recordVersion > known.record.recordVersion)) this.identities.replace(s.code, s.record);
    this.loaded++;
    return undefined;
  }

  /** After a record on `code`'s identity topic was judged: queues it if it is the one in use and new to the store. */
  seen(code: string, bytes: Uint8Array): void {
    if (!this.store) return;
    let v: VerifiedIdentity;
    try {
      v = this.identities.get(code);
    } catch (err) {
      if (err instanceof MessageError) return;
      throw err;
    }
    if (!bytesEqual(v.bytes, bytes) || v.record.recordVersion <= (this.kept.get(code) ?? -1)) return;
    this.kept.set(code, v.record.recordVersion);
    this.store.appendIdentity({ code, record: bytes, recordVersion: v.record.recordVersion });
  }
}

/**
 * The records a store holds, judged exactly as a worker judges them at start (StoreIdentities
 * over a directory of its own): the record in use per unit, a revoked unit's included (it stays
 * known, as revoked), and the records passed over. For the commands that read a store without a
 * registry (`fleet units --db`, `fleet history --db`).
 */
export function judgeStoredIdentities(
  stored: readonly StoredIdentity[],
  trust: TrustStore,
  options: IdentityOptions = {},
): { entries: RegistryEntry[]; problems: StoredIdentityProblem[] } {
  const directory = new IdentityDirectory(trust, options);
  const judged = new StoreIdentities(directory, undefined);
  judged.load(stored);
  const refused = new Set(judged.problems.map((p) => p.code));
  const entries: RegistryEntry[] = [];
  for (const code of new Set(stored.map((s) => s.code))) {
    const identity = directory.bytesOf(code);
    if (identity && !refused.has(code)) entries.push({ code, identity });
  }
  return { entries, problems: judged.problems };
}
