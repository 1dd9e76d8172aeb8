/**
 * Where `recall status` gets its inputs (docs/protocol.md §"Campaign status"):
 *   - notices: the retained recall topics on the broker, guided by the signed indexes (the
 *     country index names every scope index, each index names its recalls and their hashes),
 *     so the command knows when it has everything and says what the broker is missing. Each
 *     topic an index names is also subscribed by its exact name, since some brokers (RabbitMQ's
 *     MQTT plugin) deliver retained messages only to exact-topic subscriptions;
 *   - acks: the fleet ingest's durable store (`--ingest <dir>`, messages.log): the ingest
 *     stores an ack (fdatasync) before its receipt lets the unit drop it, so every ack a unit
 *     ever delivered is there, however long ago; plus acks arriving live while it listens.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import {
  type IndexState,
  RobotIdError,
  countryScope,
  indexTopic,
  parseScopePath,
  recallTopic,
  fleetFilter,
  parseUnitTopic,
  scopeOfTopic,
  sha256,
  toHex,
  verifyIndex,
  verifyRecallNotice,
  type RecallIndex,
  type TrustStore,
  type VerifiedRecall,
} from '../../sdk/index.js';
import { STORE_FILE } from '../../platform/store/files/ingest-state.js';
import { scanStore } from '../../platform/store/files/message-log.js';

export interface Collected {
  notices: VerifiedRecall[];
  /** What the indexes list that the broker did not deliver (scopes or recall topics). */
  missing: string[];
  /** Retained objects that failed verification (forged notices, bad indexes). */
  refused: { topic: string; code: string }[];
  liveAcks: { code: string; bytes: Uint8Array }[];
}

/** Reads every ack the ingest stored. */
export function acksFromIngest(dir: string): { code: string; bytes: Uint8Array }[] {
  const file = join(dir, STORE_FILE);
  if (!existsSync(file)) throw new RobotIdError('INGEST_STORE_MISSING', `${dir}: expected the fleet ingest's state directory with ${STORE_FILE}`);
  const out: { code: string; bytes: Uint8Array }[] = [];
  scanStore(file, 0, (r) => {
    if (r.stream === 'ack') out.push({ code: r.code, bytes: r.bytes });
  });
  return out;
}

export async function collectFromBroker(client: MqttClient, trust: TrustStore, countries: string[], waitMs: number): Promise<Collected> {
  const now = Math.floor(Date.now() / 1000);
  const indexes = new Map<string, RecallIndex>();
  const notices = new Map<string, { bytes: Uint8Array; v: VerifiedRecall }>(); // by sha256 hex
  const refused: Collected['refused'] = [];
  const liveAcks: Collected['liveAcks'] = [];
  const wanted = (): string[] => {
    const need: string[] = [];
    for (const c of countries) {
      const ci = indexes.get(countryScope(c));
      if (!ci) {
        need.push(`index ${countryScope(c)}`);
        continue;
      }
      for (const s of ci.scopes ?? []) if (!indexes.has(s.scope)) need.push(`index ${s.scope}`);
    }
    for (const i of indexes.values()) for (const e of i.entries) if (!notices.has(toHex(e.sha256))) need.push(`recall ${i.scope}/${e.recallId}@${e.revision}`);
    return need;
  };
  let done!: () => void;
  const complete = new Promise<void>((r) => (done = r));
  client.on('message', (topic, payload) => {
    const bytes = new Uint8Array(payload);
    const unit = parseUnitTopic(topic);
    if (unit?.channel === 'ack') {
      liveAcks.push({ code: unit.code, bytes });
      return;
    }
    const where = scopeOfTopic(topic);
    if (!where || bytes.length === 0) return;
    try {
      if (where.recallId) {
        const v = verifyRecallNotice(bytes, { trust, now, skipTime: true });
        notices.set(toHex(sha256(bytes)), { bytes, v });
      } else {
        indexes.set(where.scope, verifyIndex(bytes, trust, { now, scope: where.scope }).index);
      }
    } catch (err) {
      if (!(err instanceof RobotIdError)) throw err;
      refused.push({ topic, code: err.code });
    }
    if (where.recallId === undefined) followIndex(indexes.get(where.scope));
    if (wanted().length === 0) done();
  });
  // Brokers that deliver retained messages only to exact-topic subscriptions (RabbitMQ's MQTT
  // plugin) give nothing to the wildcards: walk from each country index by the exact names the
  // indexes give. On other brokers the same message may arrive twice; it is kept once.
  const asked = new Set<string>();
  const ask = (topics: string[]): void => {
    const fresh = topics.filter((t) => !asked.has(t));
    for (const t of fresh) asked.add(t);
    if (fresh.length > 0) client.subscribe(fresh, { qos: 1 });
  };
  const followIndex = (index: RecallIndex | undefined): void => {
    const scope = index && parseScopePath(index.scope);
    if (!index || !scope) return;
    ask([
      ...(index.scopes ?? []).flatMap((s) => {
        const narrower = parseScopePath(s.scope);
        return narrower ? [indexTopic(narrower)] : [];
      }),
      ...index.entries.map((e) => recallTopic(scope, e.recallId)),
    ]);
  };
  await client.subscribeAsync(['rid/v1/index/#', 'rid/v1/recall/#', fleetFilter('ack')], { qos: 1 });
  ask(countries.map((c) => indexTopic({ kind: 'country', country: c })));
  await Promise.race([complete, new Promise((r) => setTimeout(r, waitMs))]);
  return { notices: [...notices.values()].map((n) => n.v), missing: wanted(), refused, liveAcks };
}

/** A notice the platform published, as its own state holds it, and where it is retained. */
export interface StoredNotice {
  notice: VerifiedRecall;
  sha256: string;
  topics: string[];
}

/**
 * The campaign's notices from the platform's own publisher state (`recall publish --state` or `--db`,
 * read with `readExisting`: a state that does not exist is an error, never an empty campaign):
 * what it signed and published, verified again, whatever the broker still holds.
 */
export function noticesFromState(state: IndexState, trust: TrustStore, campaignId: string): StoredNotice[] {
  const now = Math.floor(Date.now() / 1000);
  return state
    .recalls()
    .filter((r) => r.campaignId === campaignId)
    .map((r) => ({
      notice: verifyRecallNotice(state.noticeBytes(r.recallId), { trust, now, skipTime: true }),
      sha256: r.sha256,
      topics: r.scopes.flatMap((s) => {
        const scope = parseScopePath(s);
        return scope ? [recallTopic(scope, r.recallId)] : [];
      }),
    }));
}

/**
 * Which of the stored notices the broker does not deliver as retained, asked by their exact
 * topics (brokers such as RabbitMQ's MQTT plugin deliver retained messages only to exact-topic
 * subscriptions): a wiped broker lacks them all; another payload there is named too.
 */
export async function brokerLacks(client: MqttClient, stored: StoredNotice[], waitMs: number): Promise<string[]> {
  const expected = new Map<string, string>();
  for (const s of stored) for (const t of s.topics) expected.set(t, s.sha256);
  if (expected.size === 0) return [];
  const seen = new Map<string, string>();
  client.on('message', (topic, payload) => {
    if (expected.has(topic) && payload.length > 0) seen.set(topic, toHex(sha256(new Uint8Array(payload))));
  });
  await client.subscribeAsync([...expected.keys()], { qos: 1 });
  const end = Date.now() + waitMs;
  while (seen.size < expected.size && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return [...expected].flatMap(([topic, hash]) => (seen.get(topic) === hash ? [] : [`${topic} (${seen.has(topic) ? 'another notice there' : 'not retained'})`]));
}
