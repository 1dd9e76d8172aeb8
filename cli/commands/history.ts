/**
 * The platform's view of one unit's whole life: `robot-id fleet history` (everything it
 * verified, re-verified now), `robot-id fleet recycled` (a recycler's record closes the life)
 * and `robot-id recycle confirm` (the recycler signs that record).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  ROLES,
  TrustStore,
  appendRecyclingRecord,
  loadAuthority,
  parseCode,
  readRegistry,
  recyclingRecordsOf,
  signRecycling,
  unitHistory,
  verifyRecycling,
  writeFileAtomicSync,
  RobotIdError,
  type UnitHistory,
} from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, printError, requirePositional, requireString, type Command, type Io, type Values } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';
import { historyHtml } from '../platform/history-html.js';
import { readStoredRecords } from '../../platform/store/files/read-records.js';
import { PostgresStoreReader } from '../../platform/store/postgres/pg-reader.js';
import { dbOption } from '../platform/db.js';
import { unitEntries, withDb } from '../platform/stored-acks.js';
import { platformRevocations, StateChoiceError } from '../platform/publisher-state.js';
import { appendRecyclingRow, recyclingRowsOf } from '../../platform/store/postgres/recycling-pg.js';
import { PlatformDbError } from '../../platform/store/postgres/errors.js';

function historyOf(values: Values, code: string): UnitHistory {
  const state = requireString(values, 'state');
  const trust = TrustStore.load(requireString(values, 'trust'));
  const registry = readRegistry(requireString(values, 'registry'));
  const identity = registry.entries.find((e) => e.code === code)?.identity;
  return unitHistory({ code, stored: readStoredRecords(state), identity, trust, recycling: recyclingRecordsOf(state, code) });
}

/**
 * `fleet history` from the files store (--state) or from a worker group's database (--db, its
 * entries in the order stored; the unit's identity record from --registry when given, else from
 * the database; recycling records from the database, and from --state when given).
 */
async function historyFrom(values: Values, code: string, io: Io): Promise<UnitHistory> {
  const url = optionalString(values, 'db');
  if (url === undefined) return historyOf(values, code);
  const state = optionalString(values, 'state');
  const trust = TrustStore.load(requireString(values, 'trust'));
  // The unit's record from --registry, else the one the workers keep, judged as they judge it.
  const revocations = await platformRevocations(values, url);
  const identity = (await unitEntries(values, io, { kind: 'db', url }, trust, revocations)).find((e) => e.code === code)?.identity;
  const { stored, recycled } = await withDb(url, async (db) => ({ stored: await new PostgresStoreReader(db).records({ code }), recycled: await recyclingRowsOf(db, code) }));
  // The recyclers' records the database keeps, and those of --state when given (earlier files).
  return unitHistory({ code, stored, identity, trust, recycling: [...(state ? recyclingRecordsOf(state, code) : []), ...recycled] });
}

function text(h: UnitHistory, io: Io): void {
  io.out(`${h.code} ${h.modelName ?? ''} by ${h.enterprise ?? 'unknown enterprise'}: ${h.state}${h.recycled ? ', recycled' : ''}${h.registration ? `; registered in region ${h.registration.region}` : ''}`);
  for (const e of h.entries) {
    const at = e.time > 0 ? new Date(e.time * 1000).toISOString().replace('.000Z', 'Z') : '-';
    const extra = [
      e.technician && `technician=${e.technician}`,
      e.order && `order=${e.order.transition} by ${e.order.issuer}${e.order.region ? ` region=${e.order.region}` : ''}${e.order.verified ? '' : ' (order DOES NOT VERIFY)'}`,
      e.recall && `recall=${e.recall.recallId} ${e.recall.status}`,
      e.facility && `facility=${e.facility}`,
      e.note && `note=${JSON.stringify(e.note)}`,
      e.problem && `problem=${e.problem}`,
    ].filter(Boolean);
    io.out(`${at} ${e.what}${e.seq !== undefined ? ` seq=${e.seq}` : ''} ${e.verified ? 'verified' : 'DOES NOT VERIFY'} signed by ${e.signedBy}${extra.length ? ' ' + extra.join(' ') : ''}`);
  }
}

export const fleetHistoryCommand: Command = {
  path: ['fleet', 'history'],
  summary: "a unit's traced life as the platform verified it: manufacture, registration, maintenance, recalls, scrapping, recycling",
  usage: 'fleet history <code> (--state <ingest-dir> --registry <file> | --db <postgres-url> [--registry <file>] [--revocations <file>] [--state <dir with recycling records>]) --trust <file> [--json | --html <file>]',
  options: { state: { type: 'string' }, ...dbOption, trust: { type: 'string' }, registry: { type: 'string' }, revocations: { type: 'string' }, html: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, positionals, io) {
    const code = parseCode(requirePositional(positionals, 0, '<code>')).code;
    const h = await historyFrom(values, code, io);
    const html = optionalString(values, 'html');
    if (html) writeFileAtomicSync(html, historyHtml(h, new Date()));
    if (values.json) io.out(JSON.stringify(h));
    else if (html) io.out(`history of ${code}: ${h.entries.length} entries (${h.problems} that do not verify), written to ${html}`);
    else text(h, io);
    // A history with entries that do not verify is an answer, and a finding: status 1.
    return h.problems === 0 && h.entries.length > 0 ? EXIT.OK : EXIT.REJECTED;
  },
};

export const recycleConfirmCommand: Command = {
  path: ['recycle', 'confirm'],
  summary: 'a certified recycler signs that a scrapped unit was recycled (role recycling.confirm)',
  usage: 'recycle confirm --code <code> --key <recycler-dir> --out <file> [--facility <text>] [--note <text>] [--json]',
  options: { code: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' }, facility: { type: 'string' }, note: { type: 'string' }, json: { type: 'boolean' }, ...passphraseOption },
  async run(values, _p, io) {
    const authority = loadAuthority(requireString(values, 'key'), { passphrase: readPassphrase(values) });
    const cert = authority.verified?.certificate;
    if (!authority.certificate || !cert?.roles.includes(ROLES.recyclingConfirm)) {
      throw new UsageError(`--key: expected a recycler certified with the ${ROLES.recyclingConfirm} role (robot-id platform certify --role recycling)`);
    }
    const code = parseCode(requireString(values, 'code'), authority.verified!.root.codeScheme).code;
    const out = requireString(values, 'out');
    const bytes = await signRecycling(authority.signer, authority.certificate, {
      code,
      recycledAt: Math.floor(Date.now() / 1000),
      facility: optionalString(values, 'facility'),
      note: optionalString(values, 'note'),
    });
    writeFileSync(out, bytes, { mode: 0o644 });
    io.out(values.json ? JSON.stringify({ out, code, recycler: cert.subject }) : `recycling of ${code} confirmed by ${cert.name}, written to ${out}`);
    return EXIT.OK;
  },
};

export const fleetRecycledCommand: Command = {
  path: ['fleet', 'recycled'],
  summary: "record a recycler's signed record for a scrapped unit: it closes the unit's traced life",
  usage: 'fleet recycled <record-file> (--state <ingest-dir> --registry <file> | --db <postgres-url> [--registry <file>]) --trust <file> [--json]',
  options: { state: { type: 'string' }, ...dbOption, trust: { type: 'string' }, registry: { type: 'string' }, revocations: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, positionals, io) {
    const bytes = new Uint8Array(readFileSync(requirePositional(positionals, 0, '<record-file>')));
    const trust = TrustStore.load(requireString(values, 'trust'));
    // The store the unit's scrapping is judged in and the record kept in: one, never both.
    const url = optionalString(values, 'db');
    const state = optionalString(values, 'state');
    if (url !== undefined && state !== undefined) throw new StateChoiceError(`--state ${state} and --db: expected one store for the recycling record, got both`);
    try {
      const v = verifyRecycling(bytes, trust);
      const code = v.record.code;
      const h = url === undefined ? historyOf(values, code) : await historyFrom(values, code, io);
      if (!h.scrapped) {
        throw new RobotIdError('RECYCLING_NOT_SCRAPPED', `${code}: the platform holds no verified scrapped event for it (state ${h.state}); only a scrapped unit is recycled`);
      }
      if (url === undefined) appendRecyclingRecord(requireString(values, 'state'), code, bytes);
      else await withDb(url, (db) => appendRecyclingRow(db, code, bytes));
      io.out(values.json ? JSON.stringify({ code, recycler: v.issuer.certificate.subject, recycledAt: v.record.recycledAt }) : `${code} recycled by ${v.issuer.certificate.name}: recorded`);
      return EXIT.OK;
    } catch (err) {
      // The database's own errors keep their statuses (docs/cli.md).
      if (!(err instanceof RobotIdError) || err instanceof PlatformDbError) throw err;
      printError(io, values.json === true, err);
      return EXIT.REJECTED;
    }
  },
};
