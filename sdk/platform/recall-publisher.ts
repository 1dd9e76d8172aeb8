/**
 * The platform's recall publisher (docs/protocol.md §"Delivery and reconciliation"): each
 * notice retained on its own topic in every scope it targets, the signed index of each scope
 * retained beside them, and idempotent republishing of the whole retained set, which is what
 * restores a broker that lost its memory. State lives in a PublisherStore (files or PostgreSQL,
 * platform/store/), every change one atomic commit under the store's lock; the MQTT
 * connection is passed in (anything with a publish that resolves on the broker's PUBACK).
 */
import { IndexError, RecallRejectedError, TrustError } from '../errors.js';
import { verifyCertificate } from '../trust/verify-certificate.js';
import { ROLES } from '../trust/roles.js';
import type { Signer } from '../crypto/signer.js';
import { encodePayload } from '../cose/object.js';
import { recallKind } from '../recall/notice.js';
import { verifyRecallNotice, type VerifiedRecall } from '../recall/verify.js';
import { policyForUnit, type VerifiedPolicy } from '../recall/policy.js';
import { indexTopic, recallTopic } from '../topics.js';
import type { TrustStore } from '../trust/trust-store.js';
import { Revocations, type RevocationInput } from '../trust/revocation.js';
import { parseScopePath } from '../recall-index/scope.js';
import type { IndexState } from './index-state.js';
import type { PublisherStore } from './publisher-store.js';
import { checkRotationChain } from './rotations.js';
import { openRotation, type RotationStatement } from '../trust/rotation.js';
import { scopesOfTarget } from './recall-scopes.js';

export interface RetainedTransport {
  /** Publishes retained at QoS 1; resolves when the broker acknowledged it. */
  publishRetained(topic: string, payload: Uint8Array): Promise<void>;
}

export interface PublisherOptions {
  /** Where the publisher state lives (platform/store/files or platform/store/postgres). */
  store: PublisherStore;
  /** The platform key with index.sign and its certificate. */
  signer: Signer;
  certificate: Uint8Array;
  country: string;
  /** The platform's trust store: notices are verified before they are published. */
  trust: TrustStore;
  revocations?: Revocations;
  /** Seconds since the epoch. */
  now?: () => number;
  /** Index lifetime (default 1 day); unchanged indexes are re-signed at half of it. */
  indexLifetimeSeconds?: number;
  /** At most this many publishes awaiting PUBACK at once (default 32). */
  window?: number;
}

/** An active recall a revocation would stop from verifying, and the reason it would give. */
export interface WeakenedRecall {
  recallId: string;
  revision: number;
  reason: string;
}

export interface PublishResult {
  recallId: string;
  revision: number;
  /** Whether the state changed (false: the same notice again, republished as it was). */
  changed: boolean;
  scopes: string[];
  /** Indexes newly signed (scope paths), country last. */
  indexes: string[];
}

export const DEFAULT_INDEX_LIFETIME_SECONDS = 86400;

interface Item {
  topic: string;
  payload: Uint8Array;
}

export class RecallPublisher {
  private readonly now: () => number;
  private readonly lifetime: number;

  constructor(private readonly opts: PublisherOptions) {
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.lifetime = opts.indexLifetimeSeconds ?? DEFAULT_INDEX_LIFETIME_SECONDS;
  }

  /** The committed state, as its readers see it (undefined before the first change). */
  committed(): Promise<IndexState | undefined> {
    return this.opts.store.read();
  }

  /** The country whose indexes it signs. */
  get country(): string {
    return this.opts.country;
  }

  /** Verifies a signed notice (signatures, roles, threshold, scope; not a unit target). */
  async verify(bytes: Uint8Array): Promise<VerifiedRecall> {
    const now = this.now();
    // The platform's own revocation list (what it publishes) applies to what it publishes.
    const revocations = this.revocations(await this.committed());
    const v = verifyRecallNotice(bytes, { trust: this.opts.trust, now, revocations, skipTime: true });
    if (now > v.notice.notAfter) throw new RecallRejectedError('RECALL_EXPIRED', `recall ${v.notice.recallId}: expired; not publishing it`);
    if (v.rootCountry !== this.opts.country) {
      throw new IndexError('INDEX_SCOPE', `recall ${v.notice.recallId}: signed under the root of ${v.rootCountry}, this platform publishes for ${this.opts.country}`);
    }
    return v;
  }

  /** Records the notice, signs the indexes it changes, then publishes notice and indexes. */
  async publish(bytes: Uint8Array, transport: RetainedTransport): Promise<PublishResult> {
    const v = await this.verify(bytes);
    const n = v.notice;
    const scopes = scopesOfTarget(n.target, v.rootCountry);
    const { changed, indexes } = await this.mutate(transport, (state) =>
      state.putNotice(bytes, {
        recallId: n.recallId,
        revision: n.revision,
        campaignId: n.campaignId,
        notAfter: n.notAfter,
        // The payload is what the signers signed; a co-signed copy shares it.
        payload: encodePayload(recallKind, n),
        scopes,
      }).changed,
      (state, signed) => [
        ...scopes.map((s) => ({ topic: recallTopic(parseScopePath(s)!, n.recallId), payload: bytes })),
        ...this.indexItemsOf(state, scopes.concat(signed)),
      ],
    );
    // (the items are sent by mutate, after the commit, under the store's lock)
    return { recallId: n.recallId, revision: n.revision, changed, scopes, indexes };
  }

  /** What the platform publishes (its index state) and any list it was given, together. */
  private revocations(state: IndexState | undefined): Revocations {
    const own = state ? state.revocationList() : Revocations.none;
    const given = this.opts.revocations;
    return given ? own.with({ keys: given.keyRevocations(), codes: given.codes, scrapped: given.scrapped }) : own;
  }

  /**
   * Active recalls that verify today and would not once `add` is revoked (docs/protocol.md
   * §"Revocation"): a compromised key's signatures stop counting, so a notice it co-signed can
   * fall below its threshold. Judged as a unit would judge the signatures and the threshold
   * (the published policy's, or the default), without the validity window or a target.
   */
  async weakenedBy(add: RevocationInput): Promise<WeakenedRecall[]> {
    const state = await this.committed();
    if (!state) return [];
    return this.weakenedIn(state, add);
  }

  private weakenedIn(state: IndexState, add: RevocationInput): WeakenedRecall[] {
    const now = this.now();
    const before = this.revocations(state);
    const after = before.with(add);
    const held = state.policy();
    const thresholds = held ? policyForUnit(held.bytes, this.opts.trust, this.opts.country).policy.thresholds : undefined;
    const out: WeakenedRecall[] = [];
    for (const r of state.recalls()) {
      if (r.notAfter <= now) continue;
      const bytes = state.noticeBytes(r.recallId);
      try {
        verifyRecallNotice(bytes, { trust: this.opts.trust, now, revocations: before, thresholds, skipTime: true });
      } catch {
        continue; // not in force as it stands: nothing to weaken
      }
      try {
        verifyRecallNotice(bytes, { trust: this.opts.trust, now, revocations: after, thresholds, skipTime: true });
      } catch (err) {
        out.push({ recallId: r.recallId, revision: r.revision, reason: (err as { code?: string }).code ?? 'INTERNAL' });
      }
    }
    return out;
  }

  /**
   * Adds revocations to the country index and republishes it. Refused (`INDEX_WEAKENS_RECALLS`,
   * nothing changed) when an active recall would stop verifying, unless `weakenRecalls`: re-issue
   * those recalls as new revisions signed by keys that still count first.
   */
  async revoke(add: RevocationInput, transport: RetainedTransport, options: { weakenRecalls?: boolean } = {}): Promise<{ changed: boolean; indexes: string[]; weakened: WeakenedRecall[] }> {
    const keys = [...(add.keys ?? [])];
    let weakened: WeakenedRecall[] = [];
    // Judged inside the change, so a recall published meanwhile is judged too.
    const r0 = await this.mutate(transport, (state) => {
      weakened = this.weakenedIn(state, add);
      if (weakened.length > 0 && !options.weakenRecalls) {
        throw new IndexError(
          'INDEX_WEAKENS_RECALLS',
          `revoking would stop ${weakened.length} active recall(s) from verifying: ${weakened.map((w) => `${w.recallId} revision ${w.revision} (${w.reason})`).join(', ')}; re-issue each as a new revision signed by keys that still count (recall cosign, recall publish), or revoke with --weaken-recalls`,
        );
      }
      return state.revoke({ keys, codes: [...(add.codes ?? [])] });
    });
    return { ...r0, weakened };
  }

  /**
   * Distributes the country's root-signed recall policy in the country index (docs/protocol.md
   * §"Recall index"): verified as a unit of this country would verify it, and only a version
   * above the one published (INDEX_POLICY_VERSION), so no robot is offered a downgrade.
   */
  async publishPolicy(bytes: Uint8Array, transport: RetainedTransport): Promise<{ version: number; changed: boolean; indexes: string[] }> {
    const verified = this.checkPolicy(bytes);
    const r = await this.mutate(transport, (state) => state.setPolicy(verified.policy.version, bytes));
    return { version: verified.policy.version, ...r };
  }

  /** The policy as a unit of this platform's country would verify it (RECALL_POLICY otherwise). */
  checkPolicy(bytes: Uint8Array): VerifiedPolicy {
    return policyForUnit(bytes, this.opts.trust, this.opts.country);
  }

  /**
   * Carries a root rotation statement in the country index (docs/protocol.md §"Root rotation"):
   * only the next link of the chain the index already carries (RotationError otherwise), so a
   * unit that was offline can walk from its provisioned root to the newest.
   */
  async publishRotation(bytes: Uint8Array, transport: RetainedTransport): Promise<{ version: number; changed: boolean; indexes: string[] }> {
    const statement = await this.checkRotation(bytes);
    const r = await this.mutate(transport, (state) => state.addRotation(bytes));
    return { version: statement?.version ?? openRotation(bytes).value.version, ...r };
  }

  /**
   * The statement as the next link after those published (undefined when it is already
   * published). The index key must chain to the store units will hold from the hand-over on,
   * or every index it signs after it would be INDEX_UNTRUSTED on a unit that applied it.
   */
  async checkRotation(bytes: Uint8Array): Promise<RotationStatement | undefined> {
    const state = await this.committed();
    const r = checkRotationChain(this.opts.trust, this.opts.country, state?.rotations() ?? [], bytes);
    const s = r.statement ?? openRotation(bytes).value;
    try {
      verifyCertificate(this.opts.certificate, r.trust, { at: Math.max(this.now(), s.notBefore), role: ROLES.indexSign, subjectKinds: ['platform'] });
    } catch (err) {
      if (!(err instanceof TrustError)) throw err;
      throw new IndexError('INDEX_UNTRUSTED', `root rotation to version ${s.version}: the index key's certificate would not verify on a unit that applied it (${err.message}); certify the index key under the new root first`, { cause: err });
    }
    return r.statement;
  }

  /** Re-signs indexes that near expiry or lost an expired recall; publishes those. Run on a timer. */
  async refresh(transport: RetainedTransport): Promise<string[]> {
    const { indexes } = await this.mutate(transport, () => false, (state, signed) => this.indexItemsOf(state, signed));
    await this.clearExpired(transport);
    return indexes;
  }

  /**
   * Clears the retained topics of recalls past their notAfter (an empty retained message
   * deletes a retained topic), then forgets them. Indexes stopped listing them already.
   */
  async clearExpired(transport: RetainedTransport): Promise<string[]> {
    // Under the lock, so a revision published meanwhile is never the one cleared.
    return this.opts.store.change(this.opts.country, async (state) => {
      const gone = state.expired(this.now());
      const clear = gone.flatMap((r) => r.scopes.map((s) => ({ topic: recallTopic(parseScopePath(s)!, r.recallId), payload: new Uint8Array(0) })));
      await this.send(transport, clear);
      for (const r of gone) state.forget(r.recallId);
      return gone.map((r) => r.recallId);
    });
  }

  /**
   * Publishes the whole retained set again, byte for byte (after re-signing what is due):
   * every notice in each of its scopes, then every narrower index, the country index last.
   * Run on every (re)connect: a broker restarted empty is whole again afterwards.
   */
  async republishAll(transport: RetainedTransport): Promise<{ notices: number; indexes: number }> {
    let notices = 0;
    let indexes = 0;
    await this.mutate(transport, () => false, (state) => {
      const items: Item[] = [];
      for (const r of state.recalls()) {
        if (r.notAfter <= this.now()) continue;
        const bytes = state.noticeBytes(r.recallId);
        for (const s of r.scopes) items.push({ topic: recallTopic(parseScopePath(s)!, r.recallId), payload: bytes });
      }
      notices = items.length;
      const scopes = state.scopes();
      indexes = scopes.length;
      return [...items, ...this.indexItemsOf(state, scopes)];
    });
    await this.clearExpired(transport);
    return { notices, indexes };
  }

  private countryScope(): string {
    return `c/${this.opts.country}`;
  }

  /**
   * One change under the store's lock: `change`, then the indexes it made due signed, committed;
   * then, still under the lock, the items of the committed state sent (by default the indexes
   * signed now, or the country index when none was), so two publishers' sends never cross and
   * the broker ends with the newest index of every scope.
   */
  private async mutate(
    transport: RetainedTransport,
    change: (state: IndexState) => boolean,
    items: (state: IndexState, signed: string[]) => Item[] = (state, signed) => this.indexItemsOf(state, signed.length ? signed : [this.countryScope()]),
  ): Promise<{ changed: boolean; indexes: string[] }> {
    return this.opts.store.change(
      this.opts.country,
      async (state) => {
        const changed = change(state);
        const indexes = await state.signDue({ signer: this.opts.signer, certificate: this.opts.certificate, now: this.now(), lifetimeSeconds: this.lifetime });
        return { changed, indexes };
      },
      (out, state) => this.send(transport, items(state, out.indexes)),
    );
  }

  /** Index items for these scopes (deduplicated), narrower first, the country index last. */
  private indexItemsOf(state: IndexState, scopes: string[]): Item[] {
    const known = new Set(state.scopes());
    const country = this.countryScope();
    const list = [...new Set(scopes)].filter((s) => known.has(s) && s !== country).sort();
    if (known.has(country)) list.push(country);
    return list.map((s) => ({ topic: indexTopic(parseScopePath(s)!), payload: state.indexBytes(s) }));
  }

  private async send(transport: RetainedTransport, items: Item[]): Promise<void> {
    const window = this.opts.window ?? 32;
    // Notices before indexes; within a bounded window of unacknowledged publishes.
    for (let i = 0; i < items.length; i += window) {
      await Promise.all(items.slice(i, i + window).map((it) => transport.publishRetained(it.topic, it.payload)));
    }
  }
}
