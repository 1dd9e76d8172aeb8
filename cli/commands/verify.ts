import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RobotIdError, STATE_FILES, TrustStore, formatCode, kidHex, verifyIdentityRecord } from '../../sdk/index.js';
import { EXIT, requirePositional, requireString, type Command } from '../command.js';

/** Reads an identity record from a file, or from a state directory's identity.cose. */
function readRecord(path: string): Uint8Array {
  const file = statSync(path).isDirectory() ? join(path, STATE_FILES.identity) : path;
  return new Uint8Array(readFileSync(file));
}

export const verifyCommand: Command = {
  path: ['verify'],
  summary: 'verify an identity record (file or state directory) against a trust store',
  usage: 'verify <file> --trust <trust-store> [--json]',
  options: { trust: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, positionals, io) {
    const path = requirePositional(positionals, 0, '<file>');
    const trust = TrustStore.load(requireString(values, 'trust'));
    try {
      const v = verifyIdentityRecord(readRecord(path), trust);
      if (values.json) {
        io.out(
          JSON.stringify({
            valid: true,
            code: v.code.code,
            enterprise: v.enterprise.certificate.subject,
            enterpriseName: v.enterprise.certificate.name,
            modelName: v.record.modelName,
            manufactureDate: v.record.manufactureDate,
            deviceKid: kidHex(v.deviceKid),
          }),
        );
      } else {
        io.out(`valid: ${formatCode(v.code)} (${v.record.modelName}), issued by ${v.enterprise.certificate.name} [${v.enterprise.certificate.subject}]`);
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
