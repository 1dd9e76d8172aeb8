import {
  ENTERPRISE_DEFAULT_ROLES,
  PLATFORM_ROLE_NAMES,
  algName,
  certify,
  isRole,
  kidHex,
  loadAuthority,
  loadForRenewal,
  renewAuthority,
  type Authority,
  type Role,
} from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, requireString, type Command, type Io, type Values } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';
import { ALG_USAGE, algOption, readAlg } from '../alg.js';

const common = {
  root: { type: 'string' },
  renew: { type: 'string' },
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

/**
 * `--renew <old-dir>`: a new key for the same subject, name and roles (docs/key-handling.md
 * §"Key renewal"). Prints the old kid and the `revoke --reason superseded` line that completes
 * the ceremony on the platform's machine.
 */
async function renew(values: Values, io: Io, kind: 'enterprise' | 'platform', fixed: readonly string[]): Promise<number> {
  const given = fixed.filter((o) => values[o] !== undefined);
  if (given.length) throw new UsageError(`--renew keeps the subject, name and roles of the renewed key; drop ${given.map((o) => `--${o}`).join(', ')}`);
  const old = loadForRenewal(requireString(values, 'renew'), { passphrase: readPassphrase(values) });
  if (old.meta.kind !== kind) throw new UsageError(`--renew: ${old.dir} holds a ${old.meta.kind} key, not a ${kind} key`);
  const r = await renewAuthority({ root: loadRoot(values), old, dir: requireString(values, 'out'), validitySeconds: validity(values), passphrase: readPassphrase(values), alg: readAlg(values) });
  const at = Math.floor(Date.now() / 1000);
  const next = `robot-id revoke --kid ${r.supersedes} --reason superseded --at ${at} --key <platform-index-dir> --broker <url>`;
  if (values.json) {
    const c = r.authority.verified!.certificate;
    io.out(JSON.stringify({ kind: c.subjectKind, subject: c.subject, roles: c.roles, kid: kidHex(r.authority.signer.kid), alg: algName(r.authority.verified!.alg), notAfter: c.notAfter, dir: r.authority.dir, supersedes: r.supersedes, supersededAt: at }));
    return EXIT.OK;
  }
  report(io, values, r.authority);
  io.out(`renews key ${r.supersedes}; on the platform, mark it superseded: ${next}`);
  return EXIT.OK;
}

export const enterpriseCertifyCommand: Command = {
  path: ['enterprise', 'certify'],
  summary: 'certify an enterprise key under a root',
  usage: `enterprise certify --root <dir> (--enterprise <code> --name <name> | --renew <old-enterprise-dir>) --out <dir> [--valid-days <n>] ${ALG_USAGE}`,
  options: { ...common, enterprise: { type: 'string' }, name: { type: 'string' } },
  async run(values, _p, io) {
    if (values.renew !== undefined) return renew(values, io, 'enterprise', ['enterprise', 'name']);
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
  usage: `platform certify --root <dir> (--role <role>[,<role>...] [--name <n>] | --renew <old-platform-dir>) --out <dir> [--valid-days <n>] ${ALG_USAGE}`,
  options: { ...common, role: { type: 'string' }, name: { type: 'string' } },
  async run(values, _p, io) {
    if (values.renew !== undefined) return renew(values, io, 'platform', ['role', 'name']);
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
