import { loadAuthority, provisionUnit, formatCode } from '../../sdk/index.js';
import { EXIT, optionalString, requireString, type Command } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';

export const provisionCommand: Command = {
  path: ['provision'],
  summary: 'factory step: device key and signed identity record in the state directory, plus a registration record',
  usage:
    'provision --enterprise <dir> --code <code> --model-name <name> --hardware-id <id> --state-dir <dir> [--registry <file>] [--broker-passwd <file>] [--manufacture-date YYYY-MM-DD] [--json]',
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
  },
  async run(values, _p, io) {
    const enterprise = loadAuthority(requireString(values, 'enterprise'), { passphrase: readPassphrase(values) });
    const result = await provisionUnit({
      enterprise,
      code: requireString(values, 'code'),
      modelName: requireString(values, 'model-name'),
      hardwareId: requireString(values, 'hardware-id'),
      stateDir: requireString(values, 'state-dir'),
      registryFile: optionalString(values, 'registry'),
      brokerPasswdFile: optionalString(values, 'broker-passwd'),
      manufactureDate: optionalString(values, 'manufacture-date'),
    });
    const code = result.identity.code.code;
    if (values.json) io.out(JSON.stringify({ code, stateDir: result.stateDir, deviceKid: result.registration.deviceKid }));
    else io.out(`provisioned ${formatCode(result.identity.code)} in ${result.stateDir} (device key ${result.registration.deviceKid})`);
    return EXIT.OK;
  },
};
