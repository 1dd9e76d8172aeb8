/**
 * `robot-id recall status <campaign>`: where every targeted unit of the registry stands, from
 * signed acknowledgements only (docs/protocol.md §"Campaign status"). Acks come from the fleet
 * ingest's store (--ingest <dir>), which holds every ack a unit delivered, plus any arriving
 * while the command listens. Notices come from the platform's own publisher state (--state
 * <dir>, or with --db and no --state the database's: what it signed and published, so the
 * answer survives a broker wipe; the broker, if named, is only asked by exact topics what it
 * lacks), or else from the broker's retained topics, guided by the signed indexes. With --db
 * and no --registry the targeted units are the identity records the workers keep.
 */
import { TrustStore, campaignStatus, readExisting, verifyIdentityRecord, verifyRecallNotice, RobotIdError, type IndexState, type VerifiedIdentity, type VerifiedRecall, type CampaignStatus, type Revocations } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, requirePositional, requireString, type Command, type Io, type Values } from '../command.js';
import { brokerOptions, connectBroker, unreachableAs3 } from '../platform/broker.js';
import { brokerLacks, collectFromBroker, noticesFromState } from '../platform/campaign-sources.js';
import { openPublisherStore } from '../../platform/store/open-publisher.js';
import { redactUrl } from '../../platform/store/postgres/errors.js';
import { dbOption } from '../platform/db.js';
import { storeChoice, storedAcks, unitEntries } from '../platform/stored-acks.js';
import { csvRow } from '../csv.js';
import { loadRevocations } from '../revocations.js';

function printText(io: Io, s: CampaignStatus, notes: string[]): void {
  io.out(`campaign ${s.campaignId}: ${s.notices.map((n) => `${n.recallId}@${n.revision} (${n.action})`).join(', ')}`);
  io.out(
    `  ${Object.entries(s.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  for (const u of s.units) {
    const why = u.recalls.map((r) => (r.reason ? `${r.recallId}: ${r.state} (${r.reason})` : `${r.recallId}: ${r.state}`)).join('; ');
    io.out(`  ${u.code}  ${u.state.padEnd(8)}  ${why}`);
  }
  for (const n of notes) io.err(`note: ${n}`);
}

/** The campaign as the options name it: notices, acks, revocations; with notes on what is missing. */
async function computeCampaign(values: Values, positionals: string[], io: Io): Promise<{ campaignId: string; stateDir?: string; status: CampaignStatus; notes: string[] }> {
  const campaignId = requirePositional(positionals, 0, '<campaign>');
  const trust = TrustStore.load(requireString(values, 'trust'));
  const waitS = Number(optionalString(values, 'wait') ?? '5');
  if (!Number.isFinite(waitS) || waitS < 0) throw new UsageError('--wait: expected seconds >= 0');
  const notes: string[] = [];
  const store = storeChoice(values);
  const stored = store ? await storedAcks(store) : [];
  if (!store) notes.push('no --ingest or --db: only acknowledgements arriving while listening are counted');
  // The publisher state: --state <dir>, else the database's (with --db or ROBOT_ID_PLATFORM_DB).
  const stateDir = optionalString(values, 'state');
  const publisherAt = stateDir !== undefined ? { dir: stateDir } : store?.kind === 'db' ? { url: store.url } : undefined;
  let collected: { notices: VerifiedRecall[]; liveAcks: { code: string; bytes: Uint8Array }[] };
  let ownRevocations: Revocations | undefined;
  if (publisherAt) {
    // What the platform published, from its own state; the broker only says what it lacks.
    // Read once: the notices and the revocations come from the same snapshot.
    const publisher = await openPublisherStore(publisherAt);
    let state: IndexState;
    try {
      state = await readExisting(publisher);
    } finally {
      await publisher.close();
    }
    const fromState = noticesFromState(state, trust, campaignId);
    ownRevocations = state.revocationList();
    collected = { notices: fromState.map((n) => n.notice), liveAcks: [] };
    if (optionalString(values, 'broker') !== undefined) {
      const client = await connectBroker(values, `platform-recall-status-${process.pid}`);
      try {
        const lacks = await brokerLacks(client, fromState, waitS * 1000);
        if (lacks.length) notes.push(`the broker lacks notices the platform published (robot-id recall republish restores them): ${lacks.join(', ')}`);
      } finally {
        await client.endAsync();
      }
    } else notes.push('no --broker: not checked that the broker still holds the notices');
  } else {
    const client = await connectBroker(values, `platform-recall-status-${process.pid}`);
    try {
      const fromBroker = await collectFromBroker(client, trust, [...new Set(trust.roots.map((r) => r.country))], waitS * 1000);
      if (fromBroker.missing.length) notes.push(`the broker lacks what the indexes list: ${fromBroker.missing.join(', ')}`);
      for (const r of fromBroker.refused) notes.push(`refused ${r.topic}: ${r.code}`);
      collected = fromBroker;
    } finally {
      await client.endAsync();
    }
  }
  // The platform's revocations (--revocations, else those of its publisher state): revoked
  // units are not counted as applied, and a notice that no longer verifies is named as the
  // reason its pending units will not take it.
  const revocationsFile = optionalString(values, 'revocations');
  const revocations = revocationsFile !== undefined || !ownRevocations ? loadRevocations(revocationsFile) : ownRevocations;
  // The targeted units: --registry, else (with --db) the identity records the workers keep.
  const units: VerifiedIdentity[] = [];
  for (const e of await unitEntries(values, io, store, trust, revocations)) {
    try {
      units.push(verifyIdentityRecord(e.identity, trust));
    } catch (err) {
      if (!(err instanceof RobotIdError)) throw err;
      notes.push(`registry unit ${e.code}: identity record refused (${err.code})`);
    }
  }
  // The platform's revocations: revoked units are not counted as applied, and a notice that
  // no longer verifies is named as the reason its pending units will not take it.
  const unverifiable = new Map<string, string>();
  const nowS = Math.floor(Date.now() / 1000);
  for (const n of collected.notices) {
    try {
      verifyRecallNotice(n.bytes, { trust, now: nowS, revocations, skipTime: true });
    } catch (err) {
      unverifiable.set(n.notice.recallId, `NOTICE_NO_LONGER_VERIFIES: ${(err as { code?: string }).code ?? 'INTERNAL'}`);
    }
  }
  const status = campaignStatus({
    campaignId,
    notices: collected.notices,
    units,
    acks: [...stored, ...collected.liveAcks],
    isRevoked: (u) => revocations.isCodeRevoked(u.code.code) || revocations.isKeyRevoked(u.deviceKid),
    unverifiable,
  });
  return { campaignId, stateDir: stateDir ?? (publisherAt && 'url' in publisherAt && publisherAt.url ? redactUrl(publisherAt.url) : undefined), status, notes };
}

const statusOptions = {
  ...brokerOptions,
  state: { type: 'string' },
  trust: { type: 'string' },
  registry: { type: 'string' },
  ingest: { type: 'string' },
  ...dbOption,
  revocations: { type: 'string' },
  wait: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function notFound(io: Io, json: boolean, campaignId: string, stateDir: string | undefined, notes: string[]): number {
  const msg = `campaign ${campaignId}: no verified notice of this campaign ${stateDir ? `in ${stateDir}` : 'on the broker (give --state <publisher-state-dir> to answer from what the platform published)'}`;
  if (json) io.out(JSON.stringify({ error: { code: 'CAMPAIGN_NOT_FOUND', message: msg }, notes }));
  else io.err(`error CAMPAIGN_NOT_FOUND: ${msg}`);
  return EXIT.REJECTED;
}


/**
 * The regulator's report: one CSV row per targeted unit and recall of the campaign, from the
 * same signed acknowledgements as `recall status`.
 */
export function campaignCsv(s: CampaignStatus): string[] {
  const rows = ['code,recall_id,revision,targeted,acknowledged,applied,state,reason,ack_seq,ack_time'];
  for (const u of s.units) {
    for (const r of u.recalls) {
      const acked = r.ackSeq !== undefined;
      rows.push(
        csvRow([u.code, r.recallId, r.revision, 'yes', acked ? 'yes' : 'no', r.state === 'applied' ? 'yes' : 'no', u.state === 'revoked' ? 'revoked' : r.state, r.reason, r.ackSeq, r.ackTime === undefined ? undefined : new Date(r.ackTime * 1000).toISOString()]),
      );
    }
  }
  return rows;
}

export const recallReportCommand: Command = {
  path: ['recall', 'report'],
  summary: "the campaign as CSV for the regulator: per targeted unit and recall, acknowledged, applied, state and reason",
  usage: 'recall report <campaign> --csv (--state <publisher-state-dir> [--broker <url>] | --db <postgres-url> [--broker <url>] | --broker <url>) --trust <file> [--registry <file>] [--ingest <dir> | --db <postgres-url>] [--revocations <file>] [--wait <s>]',
  options: { ...statusOptions, csv: { type: 'boolean' } },
  run: (values, positionals, io) =>
    unreachableAs3(io, values, async () => {
      if (!values.csv) throw new UsageError('--csv: the report is CSV (recall status gives text or --json)');
      const { campaignId, stateDir, status, notes } = await computeCampaign(values, positionals, io);
      if (status.notices.length === 0) return notFound(io, false, campaignId, stateDir, notes);
      io.out(campaignCsv(status).join('\n'));
      for (const n of notes) io.err(`note: ${n}`);
      return EXIT.OK;
    }),
};

export const recallStatusCommand: Command = {
  path: ['recall', 'status'],
  summary: 'campaign status per targeted unit (pending, verified, applied, failed, rejected) from signed acknowledgements',
  usage: 'recall status <campaign> (--state <publisher-state-dir> [--broker <url>] | --db <postgres-url> [--broker <url>] | --broker <url>) --trust <file> [--registry <file>] [--ingest <dir> | --db <postgres-url>] [--revocations <file>] [--wait <s>] [--json]',
  options: statusOptions,
  run: (values, positionals, io) =>
    unreachableAs3(io, values, async () => {
      const { campaignId, stateDir, status, notes } = await computeCampaign(values, positionals, io);
      if (status.notices.length === 0) return notFound(io, values.json === true, campaignId, stateDir, notes);
      if (values.json) io.out(JSON.stringify({ ...status, notes }));
      else printText(io, status, notes);
      return EXIT.OK;
    }),
};
