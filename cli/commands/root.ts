import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AUTHORITY_FILES, algName, initRoot, kidHex } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, requireString, type Command } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';
import { ALG_USAGE, algOption, readAlg } from '../alg.js';

export const rootInitCommand: Command = {
  path: ['root', 'init'],
  summary: 'create a national platform root key and its trust store',
  usage: `root init --country <cc> --out <dir> [--name <n>] [--charset digits|alphanumeric] [--check <alg>] [--passphrase-file <f>] ${ALG_USAGE}`,
  options: {
    country: { type: 'string' },
    out: { type: 'string' },
    name: { type: 'string' },
    charset: { type: 'string' },
    check: { type: 'string' },
    json: { type: 'boolean' },
    ...passphraseOption,
    ...algOption,
  },
  async run(values, _positionals, io) {
    const dir = requireString(values, 'out');
    const country = requireString(values, 'country');
    if (!/^[0-9A-Za-z]{2}$/.test(country)) throw new UsageError(`--country: expected the 2-character country code of the scheme (e.g. 86), got ${country}`);
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`--out ${dir}: exists and is not empty; a root is created in a new directory`);
    const root = initRoot({
      dir,
      country,
      name: optionalString(values, 'name'),
      codeScheme: { charset: optionalString(values, 'charset') as never, check: optionalString(values, 'check') as never },
      passphrase: readPassphrase(values),
      alg: readAlg(values),
    });
    const trustPath = join(dir, AUTHORITY_FILES.trust);
    const alg = algName(root.signer.alg);
    if (values.json) io.out(JSON.stringify({ country: root.meta.country, kid: kidHex(root.signer.kid), alg, trust: trustPath }));
    else io.out(`root ${root.meta.country} kid ${kidHex(root.signer.kid)} (${alg})\ntrust store: ${trustPath}`);
    return EXIT.OK;
  },
};
