/**
 * Root rotation (docs/key-handling.md §"Rotating a root"):
 *   root rotate --root <dir> --out <new-dir>       a new root key and the statement both keys sign
 *   rotation publish <rotation.cose> --key <dir>   carry it in the signed country index, retained
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AUTHORITY_FILES, ROTATION_FILE, algName, kidHex, loadAuthority, parseTime, rotateRoot } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, requireString, type Command } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';
import { ALG_USAGE, algOption, readAlg } from '../alg.js';
import { brokerOptions } from '../platform/broker.js';
import { countryIndexPublish, publisherOptions } from '../platform/publisher.js';

function notBeforeOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseTime(/^\d+$/.test(value) ? Number(value) : value, '--not-before');
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^notice file: /, ''));
  }
}

export const rootRotateCommand: Command = {
  path: ['root', 'rotate'],
  summary: 'make a new root key for the country and the rotation statement signed by the old root and the new key',
  usage: `root rotate --root <dir> --out <new-dir> [--not-before <time>] [--valid-days <n>] [--name <n>] [--root-passphrase-file <f>] [--passphrase-file <f>] ${ALG_USAGE} [--json]`,
  options: {
    root: { type: 'string' },
    out: { type: 'string' },
    'not-before': { type: 'string' },
    'valid-days': { type: 'string' },
    name: { type: 'string' },
    'root-passphrase-file': { type: 'string' },
    json: { type: 'boolean' },
    ...passphraseOption,
    ...algOption,
  },
  async run(values, _positionals, io) {
    const dir = requireString(values, 'out');
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`--out ${dir}: exists and is not empty; a root is created in a new directory`);
    const days = optionalString(values, 'valid-days');
    const n = days === undefined ? undefined : Number(days);
    if (n !== undefined && (!Number.isInteger(n) || n <= 0)) throw new UsageError(`--valid-days: expected a positive whole number, got ${days}`);
    const notBefore = notBeforeOf(optionalString(values, 'not-before'));
    if (notBefore !== undefined && notBefore < Math.floor(Date.now() / 1000)) {
      throw new UsageError('--not-before: expected now or later; a hand-over in the past would invalidate what the old root issued since (units refuse such a rotation, ROTATION_IDENTITY)');
    }
    const root = loadAuthority(requireString(values, 'root'), { passphrase: readPassphrase({ 'passphrase-file': optionalString(values, 'root-passphrase-file') }) });
    if (root.meta.kind !== 'root') throw new UsageError(`--root ${root.dir}: expected a root authority (robot-id root init), got ${root.meta.kind}`);
    const r = await rotateRoot({
      root,
      dir,
      notBefore,
      validitySeconds: n === undefined ? undefined : n * 86400,
      alg: readAlg(values),
      name: optionalString(values, 'name'),
      passphrase: readPassphrase(values),
    });
    const s = r.statement;
    const body = {
      country: s.country,
      version: s.version,
      kid: kidHex(r.authority.signer.kid),
      previousKid: kidHex(s.previousKid),
      alg: algName(s.alg),
      notBefore: s.notBefore,
      notAfter: s.notAfter,
      rotation: join(dir, ROTATION_FILE),
      trust: join(dir, AUTHORITY_FILES.trust),
    };
    if (values.json) io.out(JSON.stringify(body));
    else io.out(`root ${s.country} version ${s.version} kid ${body.kid} (${body.alg}) replaces ${body.previousKid}\nrotation statement: ${body.rotation}\ntrust store: ${body.trust}`);
    return EXIT.OK;
  },
};

export const rotationPublishCommand: Command = {
  path: ['rotation', 'publish'],
  summary: "carry a root rotation statement in the signed country index (only the next version of the chain), and republish it",
  usage: 'rotation publish <rotation.cose> --broker <url> --key <platform-index-dir> [--state <dir> | --db <postgres-url>] [--json]',
  options: { ...brokerOptions, ...publisherOptions, json: { type: 'boolean' } },
  run: countryIndexPublish({
    positional: '<rotation.cose>',
    clientTag: 'rotation-publish',
    check: (publisher, bytes) => publisher.checkRotation(bytes),
    publish: (publisher, bytes, to) => publisher.publishRotation(bytes, to),
    text: (r) => `root rotation to version ${r.version} ${r.changed ? 'published' : 'already published'}; indexes signed: ${r.indexes.join(', ') || 'none'}`,
  }),
};
