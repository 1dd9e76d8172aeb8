/**
 * The platform's recall-index state (docs/protocol.md §"Recall index"), as a pure model: which
 * notice is current for every recall and in which scopes it is published, the revocations, the
 * policy and root rotations the country index carries, and the last signed index of every scope
 * with its version. It does no I/O: a PublisherStore (sdk/platform/publisher-store.ts; files or
 * PostgreSQL under platform/store/) loads it, lets one change run on it under the store's lock,
 * and commits what the change recorded (`pending()`) atomically before anything is published,
 * so a crash never leaves a published index the state does not know about, and a republish
 * after broker amnesia sends the same bytes again.
 */
import { IndexError } from '../errors.js';
import { sha256, toHex } from '../crypto/hash.js';
import type { Signer } from '../crypto/signer.js';
import { signIndex } from '../recall-index/sign.js';
import { revocationsFromLists } from '../recall-index/verify.js';
import type { KeyRevocation, Revocations } from '../trust/revocation.js';
import { countryScope } from '../recall-index/scope.js';
import { INDEX_LIMITS, type IndexEntry, type IndexRevocations, type ScopeVersion } from '../recall-index/kind.js';

export const INDEX_STATE_FORMAT = 'robot-id-index-state/1';

export interface RecallRecord {
  recallId: string;
  revision: number;
  campaignId: string;
  /** Hex SHA-256 of the notice bytes. */
  sha256: string;
  /** Hex SHA-256 of the notice payload (a co-signed copy has the same payload). */
  payloadSha256: string;
  /** Scope paths it is published in. */
  scopes: string[];
  /** The notice's notAfter: after it, the recall leaves every index. */
  notAfter: number;
}

export interface ScopeRecord {
  version: number;
  issuedAt: number;
  expiresAt: number;
  /** What the signed index said, apart from version and time: re-sign when it changes. */
  content: string;
}

export interface IndexStateJson {
  format: string;
  country: string;
  recalls: Record<string, RecallRecord>;
  scopes: Record<string, ScopeRecord>;
  revocations: IndexRevocations;
  /** The country's root-signed recall policy carried by the country index (base64), and its version. */
  policy?: { version: number; bytes: string };
  /** The country's root rotation statements the country index carries (base64), in version order. */
  rotations?: string[];
}

export interface NoticeFacts {
  recallId: string;
  revision: number;
  campaignId: string;
  notAfter: number;
  payload: Uint8Array;
  scopes: string[];
}

export interface SignOptions {
  signer: Signer;
  certificate: Uint8Array;
  /** Seconds since the epoch. */
  now: number;
  lifetimeSeconds: number;
  /** Re-sign an unchanged index when less than this is left of its lifetime (default half). */
  refreshBeforeSeconds?: number;
}

/** Where a store keeps the committed blobs: read on demand (synchronously) by the model. */
export interface StateBlobs {
  /** The committed notice bytes of a recall (INDEX_STATE_INVALID when the store lacks them). */
  notice(recallId: string): Uint8Array;
  /** The committed signed index of a scope (INDEX_STATE_INVALID when the store lacks it). */
  index(scope: string): Uint8Array;
}

/** What one change recorded, for the store to commit atomically (blobs before the state). */
export interface PendingChanges {
  json: IndexStateJson;
  /** Notices written, by recallId. */
  notices: Map<string, Uint8Array>;
  /** Indexes signed, by scope path. */
  indexes: Map<string, Uint8Array>;
  /** Recalls forgotten: their notices are removed after the state no longer names them. */
  forgotten: string[];
  /** Whether the revocations changed (a store may tell the ingest workers). */
  revocationsChanged: boolean;
}

export function emptyStateJson(country: string): IndexStateJson {
  return { format: INDEX_STATE_FORMAT, country, recalls: {}, scopes: {}, revocations: { keys: [], codes: [] } };
}

/** Parses a stored state document (`where` names it in errors). */
export function parseStateJson(text: string, where: string): IndexStateJson {
  let json: IndexStateJson;
  try {
    json = JSON.parse(text) as IndexStateJson;
  } catch (err) {
    throw new IndexError('INDEX_STATE_INVALID', `${where}: expected JSON (${(err as Error).message})`, { cause: err });
  }
  return checkStateJson(json, where);
}

/** Checks a decoded state document's format (`where` names it in errors). */
export function checkStateJson(json: IndexStateJson, where: string): IndexStateJson {
  if (typeof json !== 'object' || json === null || json.format !== INDEX_STATE_FORMAT) {
    throw new IndexError('INDEX_STATE_INVALID', `${where}: expected format ${INDEX_STATE_FORMAT}, got ${String((json as { format?: unknown } | null)?.format)}`);
  }
  return json;
}

export class IndexState {
  private notices = new Map<string, Uint8Array>();
  private indexes = new Map<string, Uint8Array>();
  private forgotten = new Set<string>();
  private dirty = false;
  private revocationsChanged = false;

  /** A state over a decoded document (checked by the store) and the store's committed blobs. */
  constructor(
    private json: IndexStateJson,
    private readonly blobs: StateBlobs,
  ) {}

  /** An empty state of `country`. */
  static empty(country: string, blobs: StateBlobs): IndexState {
    return new IndexState(emptyStateJson(country), blobs);
  }

  /** What changed since the state was loaded; undefined when nothing did. */
  pending(): PendingChanges | undefined {
    if (!this.dirty) return undefined;
    return {
      json: this.json,
      notices: new Map(this.notices),
      indexes: new Map(this.indexes),
      forgotten: [...this.forgotten],
      revocationsChanged: this.revocationsChanged,
    };
  }

  /** The state document (for stores and readers; not to be changed). */
  document(): IndexStateJson {
    return this.json;
  }

  get country(): string {
    return this.json.country;
  }

  recalls(): RecallRecord[] {
    return Object.values(this.json.recalls);
  }

  scopes(): string[] {
    return Object.keys(this.json.scopes);
  }

  /** The version of the last signed index of every scope. */
  scopeVersions(): { scope: string; version: number }[] {
    return Object.entries(this.json.scopes).map(([scope, r]) => ({ scope, version: r.version }));
  }

  revocations(): IndexRevocations {
    const r = this.json.revocations;
    return {
      keys: [...r.keys],
      codes: [...r.codes],
      ...(r.details?.length ? { details: r.details.map((d) => ({ ...d })) } : {}),
      ...(r.scrapped?.length ? { scrapped: [...r.scrapped] } : {}),
    };
  }

  /** The policy the country index carries, if any. */
  policy(): { version: number; bytes: Uint8Array } | undefined {
    const p = this.json.policy;
    return p && { version: p.version, bytes: new Uint8Array(Buffer.from(p.bytes, 'base64')) };
  }

  /**
   * Sets the policy the country index carries (verified by the caller): only a newer version
   * (`INDEX_POLICY_VERSION` otherwise), so robots are never offered a downgrade. True when it changed.
   */
  setPolicy(version: number, bytes: Uint8Array): boolean {
    const held = this.json.policy;
    if (held && version === held.version && Buffer.from(held.bytes, 'base64').equals(Buffer.from(bytes))) return false;
    if (held && version <= held.version) {
      throw new IndexError('INDEX_POLICY_VERSION', `recall policy version ${version}: expected a version above the published ${held.version}`);
    }
    this.json.policy = { version, bytes: Buffer.from(bytes).toString('base64') };
    this.save();
    return true;
  }

  /** The root rotation statements the country index carries, in the order added (version order). */
  rotations(): Uint8Array[] {
    return (this.json.rotations ?? []).map((b) => new Uint8Array(Buffer.from(b, 'base64')));
  }

  /**
   * Appends a root rotation statement to the country index (verified by the caller as the next
   * link of the chain, sdk/platform/rotations.ts). Statements are only ever added. True when it changed.
   */
  addRotation(bytes: Uint8Array): boolean {
    const b64 = Buffer.from(bytes).toString('base64');
    if (this.json.rotations?.includes(b64)) return false;
    if ((this.json.rotations?.length ?? 0) >= INDEX_LIMITS.rotations) {
      throw new IndexError('INDEX_STATE_INVALID', `root rotation: the country index carries at most ${INDEX_LIMITS.rotations} statements`);
    }
    this.json.rotations = [...(this.json.rotations ?? []), b64];
    this.save();
    return true;
  }

  noticeBytes(recallId: string): Uint8Array {
    return this.notices.get(recallId) ?? this.blobs.notice(recallId);
  }

  indexBytes(scope: string): Uint8Array {
    return this.indexes.get(scope) ?? this.blobs.index(scope);
  }

  /**
   * Makes `bytes` the current notice of its recall. The same bytes again change nothing
   * (idempotent publish); a copy of the same revision with the same payload and more
   * signatures replaces it; an older revision, or another payload under the same revision,
   * is refused.
   */
  putNotice(bytes: Uint8Array, facts: NoticeFacts): { changed: boolean } {
    const digest = toHex(sha256(bytes));
    const payloadDigest = toHex(sha256(facts.payload));
    const held = this.json.recalls[facts.recallId];
    if (held) {
      if (facts.revision < held.revision) {
        throw new IndexError('INDEX_NOTICE_STALE', `recall ${facts.recallId}: revision ${facts.revision} is older than the published revision ${held.revision}`);
      }
      if (facts.revision === held.revision && held.payloadSha256 !== payloadDigest) {
        throw new IndexError('INDEX_NOTICE_CONFLICT', `recall ${facts.recallId}: revision ${facts.revision} is already published with other content`);
      }
      if (held.sha256 === digest && facts.scopes.every((s) => held.scopes.includes(s))) return { changed: false };
    }
    this.notices.set(facts.recallId, bytes);
    this.forgotten.delete(facts.recallId);
    const scopes = [...new Set([...(held && held.revision === facts.revision ? held.scopes : []), ...facts.scopes])].sort();
    this.json.recalls[facts.recallId] = {
      recallId: facts.recallId,
      revision: facts.revision,
      campaignId: facts.campaignId,
      sha256: digest,
      payloadSha256: payloadDigest,
      scopes,
      notAfter: facts.notAfter,
    };
    this.save();
    return { changed: true };
  }

  /** Recalls past their notAfter: no index lists them; their retained topics are to be cleared. */
  expired(now: number): RecallRecord[] {
    return Object.values(this.json.recalls).filter((r) => r.notAfter <= now);
  }

  /** Drops a recall from the state (after its retained topics were cleared). */
  forget(recallId: string): void {
    if (!this.json.recalls[recallId]) return;
    delete this.json.recalls[recallId];
    this.notices.delete(recallId);
    this.forgotten.add(recallId);
    this.save();
  }

  /** The revocations as a list the verifiers take (reasons and times included). */
  revocationList(): Revocations {
    return revocationsFromLists(this.json.revocations);
  }

  /**
   * Adds revoked keys (hex kids: compromised; or with a reason and time) and codes (`scrapped`:
   * codes of scrapped units); returns whether anything changed. A key already listed keeps its
   * stricter entry.
   */
  revoke(add: { keys?: (string | KeyRevocation)[]; codes?: string[]; scrapped?: string[] }): boolean {
    const before = JSON.stringify(this.json.revocations);
    const merged = this.revocationList().with({ keys: add.keys ?? [], codes: add.codes ?? [], scrapped: add.scrapped ?? [] });
    const details = merged
      .keyRevocations()
      .filter((r) => r.reason !== 'keyCompromise')
      .map((r) => ({ kid: r.kid, reason: r.reason, at: r.at }))
      .sort((a, b) => (a.kid < b.kid ? -1 : 1));
    this.json.revocations = {
      keys: [...merged.keys].sort(),
      codes: [...merged.codes].sort(),
      ...(details.length ? { details } : {}),
      ...(merged.scrapped.size ? { scrapped: [...merged.scrapped].sort() } : {}),
    };
    if (JSON.stringify(this.json.revocations) === before) return false;
    this.revocationsChanged = true;
    this.save();
    return true;
  }

  /**
   * Signs, with the next version, every scope index whose content changed or that nears its
   * expiry, then the country index (which lists every narrower scope's version and carries
   * the revocations). Returns the scopes newly signed, country last.
   */
  async signDue(opts: SignOptions): Promise<string[]> {
    const refresh = opts.refreshBeforeSeconds ?? Math.floor(opts.lifetimeSeconds / 2);
    const country = countryScope(this.json.country);
    const byScope = new Map<string, IndexEntry[]>();
    for (const r of Object.values(this.json.recalls)) {
      if (r.notAfter <= opts.now) continue;
      for (const s of r.scopes) {
        const list = byScope.get(s) ?? [];
        list.push({ recallId: r.recallId, revision: r.revision, sha256: Buffer.from(r.sha256, 'hex') });
        byScope.set(s, list);
      }
    }
    // A scope once published keeps an index (maybe empty), so robots never see one vanish.
    for (const s of Object.keys(this.json.scopes)) if (!byScope.has(s)) byScope.set(s, []);
    byScope.delete(country);
    const signed: string[] = [];
    const sign = async (scope: string, entries: IndexEntry[], revocations: IndexRevocations, scopes?: ScopeVersion[], policy?: Uint8Array, rotations?: Uint8Array[]) => {
      const content = JSON.stringify({
        entries: entries.map((e) => [e.recallId, e.revision, toHex(e.sha256)]).sort(),
        revocations,
        scopes: scopes?.map((s) => [s.scope, s.version]).sort(),
        ...(policy ? { policy: toHex(policy) } : {}),
        ...(rotations?.length ? { rotations: rotations.map(toHex) } : {}),
      });
      const held = this.json.scopes[scope];
      if (held && held.content === content && held.expiresAt - opts.now > refresh) return;
      const version = (held?.version ?? 0) + 1;
      const expiresAt = opts.now + opts.lifetimeSeconds;
      const extra = { ...(policy ? { policy } : {}), ...(rotations?.length ? { rotations } : {}) };
      const bytes = await signIndex({ scope, version, issuedAt: opts.now, expiresAt, entries, revocations, scopes, ...extra }, opts.signer, opts.certificate);
      this.indexes.set(scope, bytes);
      this.json.scopes[scope] = { version, issuedAt: opts.now, expiresAt, content };
      signed.push(scope);
    };
    const none: IndexRevocations = { keys: [], codes: [] };
    for (const [scope, entries] of [...byScope].sort(([a], [b]) => (a < b ? -1 : 1))) await sign(scope, entries, none);
    const narrower = Object.entries(this.json.scopes)
      .filter(([s]) => s !== country)
      .map(([scope, r]) => ({ scope, version: r.version }));
    const countryEntries = Object.values(this.json.recalls)
      .filter((r) => r.notAfter > opts.now && r.scopes.includes(country))
      .map((r) => ({ recallId: r.recallId, revision: r.revision, sha256: Buffer.from(r.sha256, 'hex') }));
    await sign(country, countryEntries, this.revocations(), narrower, this.policy()?.bytes, this.rotations());
    if (signed.length > 0) this.save();
    return signed;
  }

  /** Records that the document changed: the store commits it after the change returns. */
  private save(): void {
    this.dirty = true;
  }
}
