/**
 * `robot-id bundle`: makes a trust bundle (docs/protocol.md §"Trust bundle") for label
 * verifiers: the roots of a trust store, enterprise certificates, and optionally the platform's
 * revocations, in one JSON file for `robot-id verify --trust`, `robot-id page --trust` or the page.
 */
import { writeFileSync } from 'node:fs';
import { makeTrustBundleJson } from '../../sdk/index.js';
import { EXIT, optionalString, requireString, type Command } from '../command.js';
import { loadRevocations } from '../revocations.js';
import { loadTrustInput } from '../trust-input.js';

export const bundleCommand: Command = {
  path: ['bundle'],
  summary: 'make a trust bundle: roots + enterprise certificates (+ revocations) for verifying labels',
  usage: 'bundle --trust <trust-store|trust-bundle> --certs <cert.cose|authority-dir>,... [--revocations <file>] --out <bundle.json> [--json]',
  options: { trust: { type: 'string' }, certs: { type: 'string' }, revocations: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, _p, io) {
    const out = requireString(values, 'out');
    const bundle = loadTrustInput(requireString(values, 'trust'), optionalString(values, 'certs'));
    const listed = loadRevocations(optionalString(values, 'revocations'));
    const revocations = bundle.revocations.with({ codes: listed.codes, scrapped: listed.scrapped, keys: listed.keyRevocations() });
    const json = makeTrustBundleJson({
      trust: bundle.trust,
      certificates: [...bundle.certificates.values()],
      revocations: { keys: [...revocations.keys], codes: [...revocations.codes].filter((c) => !revocations.scrapped.has(c)), scrapped: [...revocations.scrapped] },
      ...(bundle.json.units ? { units: bundle.json.units } : {}),
    });
    writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
    const summary = { out, roots: bundle.trust.roots.length, enterprises: bundle.certificates.size, revokedCodes: revocations.codes.size };
    if (values.json) io.out(JSON.stringify(summary));
    else io.out(`wrote ${out}: ${summary.roots} root(s), ${summary.enterprises} enterprise certificate(s), ${summary.revokedCodes} revoked or scrapped code(s)`);
    return EXIT.OK;
  },
};
