import { RobotIdError, algName, loadAuthority, provisionUnit, formatCode } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, requireString, type Command } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';
import { ALG_USAGE, algOption, readAlg } from '../alg.js';

export const provisionCommand: Command = {
  path: ['provision'],
  summary: 'factory step: device key and signed identity record in the state directory, plus a registration record',
  usage:
    `provision --enterprise <dir> --code <code> --model-name <name> --hardware-id <id> --state-dir <dir> [--registry <file>] [--broker-passwd <file>] [--manufacture-date YYYY-MM-DD] [--json] ${ALG_USAGE}`,
  options: {
    enterprise: { type: 'string' },
    code: { type: 'string' },
    'model-name': { type: 'string' },
    'hardware-id': { type: 'string' },
    'state-dir': { type: 'string' },
    registry: { type: 'string' },
    'broker-passwd': { type: 'string' },
    'manufacture-date': { type: 'string' },
    json: { type: 'boolean' },
    ...passphraseOption,
    ...algOption,
  },
  async run(values, _p, io) {
    const enterprise = loadAuthority(requireString(values, 'enterprise'), { passphrase: readPassphrase(values) });
    // A code of another enterprise, or one that does not parse, is a bad argument (2), not a failure.
    const result = await asUsage(['TRUST_ENTERPRISE_MISMATCH', 'CODE_TYPE', 'CODE_LENGTH', 'CODE_CHARSET', 'CODE_SEGMENT', 'CODE_CHECK', 'CODE_SCHEME'], () => provisionUnit({
      enterprise,
      code: requireString(values, 'code'),
      modelName: requireString(values, 'model-name'),
      hardwareId: requireString(values, 'hardware-id'),
      stateDir: requireString(values, 'state-dir'),
      registryFile: optionalString(values, 'registry'),
      brokerPasswdFile: optionalString(values, 'broker-passwd'),
      manufactureDate: optionalString(values, 'manufacture-date'),
      alg: readAlg(values),
    }));
    const code = result.identity.code.code;
    const alg = algName(result.identity.deviceAlg);
    if (values.json) io.out(JSON.stringify({ code, stateDir: result.stateDir, deviceKid: result.registration.deviceKid, deviceAlg: alg }));
    else io.out(`provisioned ${formatCode(result.identity.code)} in ${result.stateDir} (device key ${result.registration.deviceKid}, ${alg})`);
    return EXIT.OK;
  },
};

/** Runs `fn`; a RobotIdError with one of `codes` becomes a UsageError with its code and message. */
async function asUsage<T>(codes: readonly string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RobotIdError && codes.includes(err.code)) throw new UsageError(`${err.code}: ${err.message}`);
    throw err;
  }
}
