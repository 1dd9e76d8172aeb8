import {
  ENTERPRISE_DEFAULT_ROLES,
  PLATFORM_ROLE_NAMES,
  algName,
  certify,
  isRole,
  kidHex,
  loadAuthority,
  type Authority,
  type Role,
} from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, requireString, type Command, type Io, type Values } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';
import { ALG_USAGE, algOption, readAlg } from '../alg.js';

const common = {
  root: { type: 'string' },
  out: { type: 'string' },
  'valid-days': { type: 'string' },
  'root-passphrase-file': { type: 'string' },
  json: { type: 'boolean' },
  ...passphraseOption,
  ...algOption,
} as const;

function loadRoot(values: Values): Authority {
  const file = optionalString(values, 'root-passphrase-file');
  return loadAuthority(requireString(values, 'root'), { passphrase: readPassphrase({ 'passphrase-file': file }) });
}

function validity(values: Values): number | undefined {
  const days = optionalString(values, 'valid-days');
  if (days === undefined) return undefined;
  const n = Number(days);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--valid-days: expected a positive whole number, got ${days}`);
  return n * 86400;
}

function report(io: Io, values: Values, a: Authority): number {
  const c = a.verified!.certificate;
  const body = { kind: c.subjectKind, subject: c.subject, roles: c.roles, kid: kidHex(a.signer.kid), alg: algName(a.verified!.alg), notAfter: c.notAfter, dir: a.dir };
  if (values.json) io.out(JSON.stringify(body));
  else io.out(`${c.subjectKind} ${c.subject} certified (${c.roles.join(', ')}), kid ${body.kid} (${body.alg}), in ${a.dir}`);
  return EXIT.OK;
}

export const enterpriseCertifyCommand: Command = {
  path: ['enterprise', 'certify'],
  summary: 'certify an enterprise key under a root',
  usage: `enterprise certify --root <dir> --enterprise <code> --name <name> --out <dir> [--valid-days <n>] ${ALG_USAGE}`,
  options: { ...common, enterprise: { type: 'string' }, name: { type: 'string' } },
  async run(values, _p, io) {
    const a = await certify({
      root: loadRoot(values),
      dir: requireString(values, 'out'),
      subjectKind: 'enterprise',
      subject: requireString(values, 'enterprise').toUpperCase(),
      name: requireString(values, 'name'),
      roles: [...ENTERPRISE_DEFAULT_ROLES],
      validitySeconds: validity(values),
      passphrase: readPassphrase(values),
      alg: readAlg(values),
    });
    return report(io, values, a);
  },
};

export const platformCertifyCommand: Command = {
  path: ['platform', 'certify'],
  summary: 'certify a platform service key (roles: recall, index, receipt, order, or role names) under a root',
  usage: `platform certify --root <dir> --role <role>[,<role>...] --out <dir> [--name <n>] [--valid-days <n>] ${ALG_USAGE}`,
  options: { ...common, role: { type: 'string' }, name: { type: 'string' } },
  async run(values, _p, io) {
    const roles = new Set<Role>();
    for (const r of requireString(values, 'role').split(',')) {
      const named = PLATFORM_ROLE_NAMES[r];
      if (named) named.forEach((x) => roles.add(x));
      else if (isRole(r)) roles.add(r);
      else throw new UsageError(`--role: expected one of ${Object.keys(PLATFORM_ROLE_NAMES).join(', ')}, got ${r}`);
    }
    const name = optionalString(values, 'name') ?? `platform-${[...roles].join('+')}`;
    const a = await certify({
      root: loadRoot(values),
      dir: requireString(values, 'out'),
      subjectKind: 'platform',
      subject: name,
      name,
      roles: [...roles],
      validitySeconds: validity(values),
      passphrase: readPassphrase(values),
      alg: readAlg(values),
    });
    return report(io, values, a);
  },
};
