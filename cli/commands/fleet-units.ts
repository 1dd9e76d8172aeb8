/**
 * `robot-id fleet units`: every unit of the registry (or, with --db and no --registry, every
 * unit whose identity record the workers keep) with what the platform knows of it now:
 * presence (the ingest's snapshot beside its store), revoked (the platform's list), and the
 * recalls it acknowledged (the stored, verified acks). For an operator's list, or a
 * spreadsheet (--csv).
 */
import { RobotIdError, Revocations, TrustStore, openSign1, recallAckKind, verifyIdentityRecord } from '../../sdk/index.js';
import { readPresenceSnapshot } from '../../platform/presence-snapshot.js';
import { EXIT, UsageError, optionalString, requireString, type Command, type Io } from '../command.js';
import { dbOption } from '../platform/db.js';
import { storeChoice, storedAcks, unitEntries, withDb } from '../platform/stored-acks.js';
import { presenceFromDb } from '../../platform/store/postgres/fleet-view.js';
import { csvRow } from '../csv.js';
import { platformRevocations } from '../platform/publisher-state.js';

const PRESENCE = ['online', 'offline', 'stale', 'unknown'] as const;
const FILTERS = [...PRESENCE, 'revoked', 'recalled', 'expiring'] as const;
/** `--state expiring` without `--days`: a reported certificate expiry within 30 days. */
const DEFAULT_EXPIRING_DAYS = 30;
type Presence = (typeof PRESENCE)[number];

export interface UnitRow {
  code: string;
  /** online; offline (it said goodbye); stale (it missed a heartbeat deadline); unknown (never seen). */
  presence: Presence;
  revoked: boolean;
  /** Recalls the unit acknowledged as applied or verified. */
  recalls: string[];
  /** Its newest signed birth or heartbeat, ISO time. */
  lastSeen?: string;
  /** From its newest heartbeat: the root version it holds. */
  rootVersion?: number;
  /** From its newest heartbeat: the certificate it depends on that expires first, and days left by the platform's clock. */
  certExpiry?: { kind: string; notAfter: string; daysLeft: number };
}


function print(io: Io, rows: UnitRow[], format: 'text' | 'json' | 'csv'): void {
  if (format === 'json') return io.out(JSON.stringify(rows));
  if (format === 'csv') {
    io.out(['code,presence,revoked,recalls,last_seen', ...rows.map((r) => csvRow([r.code, r.presence, r.revoked ? 'yes' : 'no', r.recalls.join(' '), r.lastSeen]))].join('\n'));
    return;
  }
  for (const r of rows) {
    const expiry = r.certExpiry ? `  ${r.certExpiry.kind} certificate ${r.certExpiry.daysLeft < 0 ? 'EXPIRED' : `expires in ${r.certExpiry.daysLeft} days`}` : '';
    io.out(`${r.code}  ${r.presence.padEnd(7)}  ${r.revoked ? 'REVOKED ' : ''}${r.recalls.length ? `recalls ${r.recalls.join(',')}  ` : ''}${r.lastSeen ? `seen ${r.lastSeen}` : ''}${expiry}`.trimEnd());
  }
}

export const fleetUnitsCommand: Command = {
  path: ['fleet', 'units'],
  summary: 'every registered unit with its presence, revocation, acknowledged recalls and nearest certificate expiry, optionally one state only',
  usage: 'fleet units (--ingest <ingest-dir> --registry <file> | --db <postgres-url> [--registry <file>]) --trust <file> [--revocations <file>] [--state online|offline|stale|unknown|revoked|recalled|expiring [--days <n>]] [--json | --csv]',
  options: { ingest: { type: 'string' }, ...dbOption, registry: { type: 'string' }, trust: { type: 'string' }, revocations: { type: 'string' }, state: { type: 'string' }, days: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'boolean' } },
  async run(values, _p, io) {
    const filter = optionalString(values, 'state');
    if (filter !== undefined && !(FILTERS as readonly string[]).includes(filter)) throw new UsageError(`--state: expected one of ${FILTERS.join(', ')}, got ${filter}`);
    if (values.json && values.csv) throw new UsageError('--json and --csv: expected one output format');
    const daysText = optionalString(values, 'days');
    if (daysText !== undefined && filter !== 'expiring') throw new UsageError('--days: only with --state expiring');
    const days = daysText === undefined ? DEFAULT_EXPIRING_DAYS : Number(daysText);
    if (!Number.isInteger(days) || days < 0) throw new UsageError(`--days: expected a whole number of days >= 0, got ${daysText}`);
    const nowS = Math.floor(Date.now() / 1000);
    const store = storeChoice(values);
    if (!store) throw new UsageError('missing --ingest <ingest-dir> or --db <postgres-url> (or ROBOT_ID_PLATFORM_DB)');
    const trust = TrustStore.load(requireString(values, 'trust'));
    // --revocations, else (with --db) those of the publisher state in the database.
    const revocations = await platformRevocations(values, store.kind === 'db' ? store.url : undefined);
    const entries = await unitEntries(values, io, store, trust, revocations);
    // The files ingest's snapshot, or what the workers wrote to the database.
    const snapshot = store.kind === 'files' ? readPresenceSnapshot(store.dir) : { units: await withDb(store.url, (db) => presenceFromDb(db, Date.now())) };
    if (!snapshot && store.kind === 'files') io.err(`note: ${store.dir} holds no presence snapshot (fleet watch --state writes one): every unit's presence is unknown`);
    const recalled = new Map<string, Set<string>>();
    for (const a of await storedAcks(store)) {
      // The store holds acks the ingest verified; the recall id and status are read back.
      const ack = openSign1(recallAckKind, a.bytes).value;
      if (ack.status !== 'applied' && ack.status !== 'verified') continue;
      let set = recalled.get(a.code);
      if (!set) recalled.set(a.code, (set = new Set()));
      set.add(ack.recallId);
    }
    const rows: UnitRow[] = [];
    for (const e of entries) {
      let revoked = revocations.isCodeRevoked(e.code);
      try {
        // Its device key (and enterprise key) against the list: a record that no longer verifies under it is revoked.
        const v = verifyIdentityRecord(e.identity, trust, { revocations: Revocations.none });
        revoked ||= revocations.isKeyRevoked(v.deviceKid);
      } catch (err) {
        if (!(err instanceof RobotIdError)) throw err;
        io.err(`note: unit ${e.code}: identity record refused (${err.code})`);
        continue;
      }
      const p = snapshot?.units[e.code];
      const presence: Presence = !p ? 'unknown' : p.online ? 'online' : p.silent ? 'stale' : 'offline';
      rows.push({
        code: e.code,
        presence,
        revoked,
        recalls: [...(recalled.get(e.code) ?? [])].sort(),
        ...(p?.seenAt ? { lastSeen: new Date(p.seenAt * 1000).toISOString() } : {}),
        ...(p?.rootVersion !== undefined ? { rootVersion: p.rootVersion } : {}),
        ...(p?.certExpiry ? { certExpiry: { kind: p.certExpiry.kind, notAfter: new Date(p.certExpiry.notAfter * 1000).toISOString(), daysLeft: Math.floor((p.certExpiry.notAfter - nowS) / 86400) } } : {}),
      });
    }
    const expiring = (r: UnitRow) => r.certExpiry !== undefined && r.certExpiry.daysLeft <= days;
    const shown = rows.filter((r) => filter === undefined || (filter === 'revoked' ? r.revoked : filter === 'recalled' ? r.recalls.length > 0 : filter === 'expiring' ? expiring(r) : r.presence === filter));
    print(io, shown, values.json ? 'json' : values.csv ? 'csv' : 'text');
    return EXIT.OK;
  },
};
