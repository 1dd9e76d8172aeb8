import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONTENT_TYPES,
  RobotIdError,
  STATE_FILES,
  decodeLabelPayload,
  decodeQrPayload,
  decodeSign1,
  formatCode,
  kidHex,
  payloadKind,
  summarizeIdentity,
  unitHistory,
  verifyIdentityRecord,
  verifyLabel,
} from '../../sdk/index.js';
import { EXIT, optionalString, requirePositional, requireString, type Command } from '../command.js';
import { platformRevocations, StateChoiceError } from '../platform/publisher-state.js';
import { dbOption } from '../platform/db.js';
import { withDb } from '../platform/stored-acks.js';
import { PostgresStoreReader } from '../../platform/store/postgres/pg-reader.js';
import { PlatformDbError } from '../../platform/store/postgres/errors.js';
import { loadTrustInput, textHead } from '../trust-input.js';
import { readStoredRecords } from '../../platform/store/files/read-records.js';

/**
 * Reads what to verify: a QR payload given as text (`RL1:...` the label, `RID1:...` the full
 * record; docs/protocol.md §"Label payload", §"QR identity payload"), a file holding either
 * (as text or as COSE bytes), or a state directory (its identity record).
 */
function readInput(path: string): { form: 'label' | 'record'; bytes: Uint8Array } {
  const kind = payloadKind(path);
  if (kind) return { form: kind, bytes: kind === 'label' ? decodeLabelPayload(path) : decodeQrPayload(path) };
  const file = statSync(path).isDirectory() ? join(path, STATE_FILES.identity) : path;
  const bytes = new Uint8Array(readFileSync(file));
  const textKind = payloadKind(textHead(bytes));
  if (textKind) {
    const text = Buffer.from(bytes).toString('utf8');
    return { form: textKind, bytes: textKind === 'label' ? decodeLabelPayload(text) : decodeQrPayload(text) };
  }
  // COSE bytes: a label says so in its content type; anything else is judged as a record.
  try {
    if (decodeSign1(bytes, { maxBytes: 8192 }).protected.contentType === CONTENT_TYPES.label) return { form: 'label', bytes };
  } catch {
    // Not a COSE_Sign1 we can read: the record verifier gives the reason.
  }
  return { form: 'record', bytes };
}

export const verifyCommand: Command = {
  path: ['verify'],
  summary:
    "verify a label (RL1:) or an identity record (RID1:, a file or state directory) against a trust bundle or trust store (+ --certs) and, with --revocations, the platform's revocations; with --platform-state or --db, its lifecycle as the platform traced it",
  usage: 'verify <file|RL1:payload|RID1:payload> --trust <trust-bundle|trust-store> [--certs <cert.cose|authority-dir>,...] [--revocations <file>] [--platform-state <ingest-dir> | --db <postgres-url>] [--json]',
  options: { trust: { type: 'string' }, certs: { type: 'string' }, revocations: { type: 'string' }, 'platform-state': { type: 'string' }, ...dbOption, json: { type: 'boolean' } },
  async run(values, positionals, io) {
    const path = requirePositional(positionals, 0, '<file>');
    const bundle = loadTrustInput(requireString(values, 'trust'), optionalString(values, 'certs'));
    const trust = bundle.trust;
    // The platform's list (`robot-id revoke` keeps it in its index state) joins the bundle's own:
    // a revoked unit, device key or enterprise key makes the record or label invalid (TRUST_REVOKED).
    // With --db (flag only: a verifier's environment naming a database does not change what
    // `verify` judges), the database's publisher state and stored entries stand in for the files.
    const platformState = optionalString(values, 'platform-state');
    const dbUrl = optionalString(values, 'db');
    if (platformState !== undefined && dbUrl !== undefined) throw new StateChoiceError(`--platform-state ${platformState} and --db: expected one place for the platform's state, got both`);
    const listed = await platformRevocations(values, dbUrl);
    const revocations = bundle.revocations.with({ keys: listed.keyRevocations(), codes: listed.codes, scrapped: listed.scrapped });
    try {
      const input = readInput(path);
      if (input.form === 'label') {
        const v = verifyLabel(input.bytes, bundle, { revocations });
        const c = v.enterprise.certificate;
        const summary = { form: 'label', code: v.code.code, modelName: v.label.model, enterprise: c.subject, enterpriseName: c.name, deviceKid: kidHex(v.label.deviceKid), issuedAt: v.label.issuedAt };
        if (values.json) io.out(JSON.stringify({ valid: true, ...summary }));
        else io.out(`valid label: ${formatCode(v.code)} (${v.label.model}), issued by ${c.name} [${c.subject}] for device key ${summary.deviceKid}`);
        return EXIT.OK;
      }
      const record = input.bytes;
      const v = verifyIdentityRecord(record, trust, { revocations });
      // What the platform traced of the unit: its lifecycle state and where it is registered.
      const stored = platformState !== undefined ? readStoredRecords(platformState) : dbUrl !== undefined ? await withDb(dbUrl, (db) => new PostgresStoreReader(db).records({ code: v.code.code })) : undefined;
      const traced = stored ? unitHistory({ code: v.code.code, stored, identity: record, trust }) : undefined;
      const life = traced && { lifecycle: traced.state, ...(traced.registration ? { region: traced.registration.region } : {}) };
      if (values.json) {
        io.out(JSON.stringify({ valid: true, form: 'record', ...summarizeIdentity(v), ...life }));
      } else {
        const where = life ? `; ${life.lifecycle}${life.region ? `, registered in region ${life.region}` : ', not registered'}` : '';
        io.out(`valid: ${formatCode(v.code)} (${v.record.modelName}), issued by ${v.enterprise.certificate.name} [${v.enterprise.certificate.subject}]${where}`);
      }
      return EXIT.OK;
    } catch (err) {
      // The database's own errors keep their statuses (docs/cli.md): not a verdict on the unit.
      if (!(err instanceof RobotIdError) || err instanceof PlatformDbError) throw err;
      if (values.json) io.out(JSON.stringify({ valid: false, error: err.toJSON() }));
      else io.err(`invalid: ${err.code}: ${err.message}`);
      return EXIT.REJECTED;
    }
  },
};
