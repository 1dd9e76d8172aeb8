import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RobotIdError, STATE_FILES, STORE_FILE, TrustStore, decodeQrPayload, formatCode, isQrPayload, summarizeIdentity, unitHistory, verifyIdentityRecord } from '../../sdk/index.js';
import { EXIT, optionalString, requirePositional, requireString, type Command } from '../command.js';
import { loadRevocations } from '../revocations.js';

/**
 * Reads an identity record: a QR payload given as text (`RID1:...`, see docs/protocol.md
 * §"QR identity payload"), a file holding the record or such a payload, or a state directory.
 */
function readRecord(path: string): Uint8Array {
  if (isQrPayload(path)) return decodeQrPayload(path);
  const file = statSync(path).isDirectory() ? join(path, STATE_FILES.identity) : path;
  const bytes = new Uint8Array(readFileSync(file));
  const head = Buffer.from(bytes.subarray(0, 16)).toString('latin1');
  return isQrPayload(head) ? decodeQrPayload(Buffer.from(bytes).toString('utf8')) : bytes;
}

export const verifyCommand: Command = {
  path: ['verify'],
  summary: "verify an identity record (file or state directory) against a trust store and, with --revocations, the platform's revocations; with --platform-state, its lifecycle as the platform traced it",
  usage: 'verify <file|RID1:payload> --trust <trust-store> [--revocations <file>] [--platform-state <ingest-dir>] [--json]',
  options: { trust: { type: 'string' }, revocations: { type: 'string' }, 'platform-state': { type: 'string' }, json: { type: 'boolean' } },
  async run(values, positionals, io) {
    const path = requirePositional(positionals, 0, '<file>');
    const trust = TrustStore.load(requireString(values, 'trust'));
    // The platform's list (`robot-id revoke` keeps it in its index state): a revoked unit, device
    // key or enterprise key (by its reason and time) makes the record invalid (TRUST_REVOKED).
    const revocations = loadRevocations(optionalString(values, 'revocations'));
    const platformState = optionalString(values, 'platform-state');
    try {
      const record = readRecord(path);
      const v = verifyIdentityRecord(record, trust, { revocations });
      // What the platform traced of the unit: its lifecycle state and where it is registered.
      const traced = platformState ? unitHistory({ code: v.code.code, storeFile: join(platformState, STORE_FILE), identity: record, trust }) : undefined;
      const life = traced && { lifecycle: traced.state, ...(traced.registration ? { region: traced.registration.region } : {}) };
      if (values.json) {
        io.out(JSON.stringify({ valid: true, ...summarizeIdentity(v), ...life }));
      } else {
        const where = life ? `; ${life.lifecycle}${life.region ? `, registered in region ${life.region}` : ', not registered'}` : '';
        io.out(`valid: ${formatCode(v.code)} (${v.record.modelName}), issued by ${v.enterprise.certificate.name} [${v.enterprise.certificate.subject}]${where}`);
      }
      return EXIT.OK;
    } catch (err) {
      if (!(err instanceof RobotIdError)) throw err;
      if (values.json) io.out(JSON.stringify({ valid: false, error: err.toJSON() }));
      else io.err(`invalid: ${err.code}: ${err.message}`);
      return EXIT.REJECTED;
    }
  },
};
