/**
 * `robot-id broker ...`: what a mosquitto operator needs (docs/broker.md), over the SDK's
 * sdk/broker. Logins for platform services, the ACL, and the units' logins imported from the
 * registrations `robot-id provision` wrote (and removed again for revoked units). Passwords
 * never appear on a command line or in the output: a platform service's password goes to a
 * 0600 file that `--broker-password-file` reads.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import {
  TrustError,
  TrustStore,
  brokerCredentials,
  isPlatformUsername,
  mosquittoPasswordLine,
  parseMosquittoPasswordLine,
  upsertPasswordLines,
  verifyIdentityRecord,
  writeFileAtomicSync,
  writeMosquittoAcl,
  type PlatformBrokerRole,
  type PlatformUser,
} from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, requirePositional, requireString, type Command, type Values } from '../command.js';
import { loadRevocations } from '../revocations.js';

const ROLES: readonly PlatformBrokerRole[] = ['ingest', 'recall'];

function platformName(name: string): string {
  if (!isPlatformUsername(name)) throw new UsageError(`expected a platform user name platform-<a-z0-9->, got ${JSON.stringify(name)}`);
  return name;
}

function names(values: Values, option: string): string[] {
  const v = values[option];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export const brokerUserCommand: Command = {
  path: ['broker', 'user'],
  summary: "create or rotate a platform service's broker login: its hash into the mosquitto password file, its password into a 0600 file",
  usage: 'broker user <platform-name> --passwd <mosquitto-password-file> --out <password-file> [--json]',
  options: { passwd: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, positionals, io) {
    const username = platformName(requirePositional(positionals, 0, 'platform user name'));
    const passwd = requireString(values, 'passwd');
    const out = requireString(values, 'out');
    const creds = brokerCredentials(username);
    // The service's copy first: a password file without its hash in mosquitto's file only fails
    // a login, the other way round would leave a login nobody holds the password of.
    const previous = existsSync(out) ? readFileSync(out) : undefined;
    writeFileAtomicSync(out, creds.password + '\n', { mode: 0o600 });
    try {
      upsertPasswordLines(passwd, [mosquittoPasswordLine(creds)]);
    } catch (err) {
      // The hash did not reach mosquitto's file: put the service's file back as it was, so no
      // password is left that no login matches.
      if (previous) writeFileAtomicSync(out, previous, { mode: 0o600 });
      else rmSync(out, { force: true });
      throw err;
    }
    if (values.json) io.out(JSON.stringify({ username, passwordFile: out, mosquittoPasswordFile: passwd }));
    else io.out(`${username}: hash in ${passwd}, password in ${out} (mode 0600; give it to --broker-password-file); reload mosquitto (SIGHUP)`);
    return EXIT.OK;
  },
};

export const brokerAclCommand: Command = {
  path: ['broker', 'acl'],
  summary: 'write the mosquitto ACL: each unit confined to its own topics, platform topics to the named platform users',
  usage: 'broker acl --out <file> [--ingest <platform-name>]... [--recall <platform-name>]... (default platform-ingest, platform-recall)',
  options: { out: { type: 'string' }, ingest: { type: 'string', multiple: true }, recall: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  async run(values, _positionals, io) {
    const out = requireString(values, 'out');
    const named = ROLES.map((role) => [role, names(values, role)] as const);
    const users: PlatformUser[] = named.every(([, list]) => list.length === 0)
      ? [
          { username: 'platform-ingest', role: 'ingest' },
          { username: 'platform-recall', role: 'recall' },
        ]
      : named.flatMap(([role, list]) => list.map((n) => ({ username: platformName(n), role })));
    writeMosquittoAcl(out, users);
    if (values.json) io.out(JSON.stringify({ acl: out, users }));
    else io.out(`ACL written to ${out}: units by code, ${users.map((u) => `${u.username} (${u.role})`).join(', ')}`);
    return EXIT.OK;
  },
};

export const brokerImportCommand: Command = {
  path: ['broker', 'import'],
  summary:
    "add the broker logins of genuinely provisioned units (registrations from provision --registry, identity verified) to the mosquitto password file, and remove those of revoked units",
  usage: 'broker import --registry <file> --trust <file> --passwd <mosquitto-password-file> [--revocations <file>] [--json]',
  options: { registry: { type: 'string' }, trust: { type: 'string' }, passwd: { type: 'string' }, revocations: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, _positionals, io) {
    const registry = requireString(values, 'registry');
    const passwd = requireString(values, 'passwd');
    // Registrations come from the enterprises: only a unit whose identity record verifies
    // against the platform's roots gets a login, and only under its own code.
    const trust = TrustStore.load(requireString(values, 'trust'));
    // Revocations come from the platform: a revoked code loses its login outright; a unit
    // whose device or enterprise key is revoked loses the login of its verified code.
    const revocations = loadRevocations(optionalString(values, 'revocations'));
    const judging = revocations.keys.size + revocations.codes.size > 0;
    const revoked = new Set(revocations.codes);
    const lines = new Map<string, string>();
    const problems: string[] = [];
    let without = 0;
    readFileSync(registry, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (text.trim() === '') return;
        const where = `${registry}:${i + 1}`;
        let reg: { code?: unknown; identity?: unknown; brokerPasswd?: unknown };
        try {
          reg = JSON.parse(text) as typeof reg;
        } catch {
          problems.push(`${where}: expected a JSON registration`);
          return;
        }
        // Without revocations, a registration without a login needs no judging.
        if (reg.brokerPasswd === undefined && !judging) {
          without++;
          return;
        }
        let code: string;
        try {
          if (typeof reg.identity !== 'string') throw new Error('expected the identity record (base64)');
          const identity = new Uint8Array(Buffer.from(reg.identity, 'base64'));
          // Judged first without revocations, so the code whose login a revocation removes is
          // the one the enterprise signed, never the registration's unsigned "code" field.
          code = verifyIdentityRecord(identity, trust).code.code;
          if (judging) {
            try {
              verifyIdentityRecord(identity, trust, { revocations });
            } catch (err) {
              if (!(err instanceof TrustError && err.code === 'TRUST_REVOKED')) throw err;
              revoked.add(code);
            }
          }
        } catch (err) {
          const why = err instanceof Error ? `${(err as { code?: string }).code ?? 'INVALID'}: ${err.message}` : String(err);
          problems.push(`${where}: identity record refused (${why})`);
          return;
        }
        if (reg.brokerPasswd === undefined) {
          without++;
          return;
        }
        // The login must be the unit's own: user = the verified code, a $7$ hash.
        if (typeof reg.brokerPasswd !== 'string' || reg.code !== code || parseMosquittoPasswordLine(reg.brokerPasswd)?.username !== code) {
          problems.push(`${where}: expected brokerPasswd "${code}:$7$..." (the verified unit's own code)`);
          return;
        }
        lines.set(code, reg.brokerPasswd);
      });
    for (const code of revoked) lines.delete(code);
    const removed = upsertPasswordLines(passwd, [...lines.values()], { remove: revoked });
    if (values.json) io.out(JSON.stringify({ imported: lines.size, withoutLogin: without, revoked: [...revoked].sort(), removed, problems }));
    else {
      io.out(
        `${lines.size} unit logins in ${passwd}${without ? `; ${without} registrations carry none` : ''}${removed.length ? `; removed the logins of ${removed.length} revoked units: ${removed.join(', ')}` : ''}; reload mosquitto (SIGHUP)`,
      );
      for (const p of problems) io.err(p);
    }
    return problems.length > 0 ? EXIT.REJECTED : EXIT.OK;
  },
};
