/**
 * `robot-id page --out <file.html> [--trust <bundle|store>] [--certs ...]`: writes the
 * technician's page (page/, docs/cli.md §"page"), one self-contained HTML file that works from
 * a file, a web server or the agent (GET /); with --trust, the trust bundle embedded, so the page
 * verifies labels offline from its first start.
 */
import { writeFileSync } from 'node:fs';
import { embedBundle, pageHtml } from '../../agent/index.js';
import { EXIT, optionalString, requireString, type Command } from '../command.js';
import { loadTrustInput } from '../trust-input.js';

export const pageCommand: Command = {
  path: ['page'],
  summary: "write the technician's page (scan, verify, attest, maintenance) as one HTML file, optionally with a trust bundle embedded",
  usage: 'page --out <file.html> [--trust <trust-bundle|trust-store>] [--certs <cert.cose|authority-dir>,...] [--json]',
  options: { out: { type: 'string' }, trust: { type: 'string' }, certs: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, _p, io) {
    const out = requireString(values, 'out');
    const trustPath = optionalString(values, 'trust');
    const html = pageHtml();
    if (html === undefined) {
      io.err('page: not built into this robot-id (run node page/build.mjs, or use the bundled robot-id)');
      return EXIT.FAILURE;
    }
    const bundle = trustPath ? loadTrustInput(trustPath, optionalString(values, 'certs')) : undefined;
    const text = bundle ? embedBundle(html, bundle.json) : html;
    writeFileSync(out, text);
    const summary = { out, bytes: Buffer.byteLength(text), ...(bundle ? { roots: bundle.trust.roots.length, enterprises: bundle.certificates.size } : {}) };
    if (values.json) io.out(JSON.stringify(summary));
    else io.out(`wrote ${out} (${summary.bytes} bytes${bundle ? `, trust bundle of ${summary.roots} root(s) and ${summary.enterprises} enterprise(s) embedded` : ', no trust bundle: load one in the page'})`);
    return EXIT.OK;
  },
};
