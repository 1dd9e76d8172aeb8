/**
 * The technician page (page/): the size of its one HTML file, raw and gzipped (target under
 * 150 kB gzipped), and the time to verify one scanned label (decode RL1: + verifyLabel against a
 * trust bundle) in Chromium (noble backend, the page's own bundle) beside Node with node:crypto
 * and with noble, in interleaved rounds: median with min and max.
 * Run: npx tsx scripts/bench/page.ts [rounds]   (needs /usr/bin/chromium)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { browserBundle, buildPage } from '../../page/build.mjs';
import { ENTERPRISE_DEFAULT_ROLES, STATE_FILES, certify, decodeLabelPayload, encodeLabelPayload, initRoot, makeTrustBundleJson, nobleEd25519, parseTrustBundle, provisionUnit, verifyLabel } from '../../sdk/index.js';
import { launchBrowser } from '../../test/helpers/browser.js';
import { loadNote, machine, table, verdict } from './harness.js';

const rounds = Number(process.argv[2] ?? 9);
const ROUND_MS = 300;
const GZIP_TARGET = 150 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'bench-page-'));
try {
  // ---- size ----
  const { html, scriptBytes } = await buildPage({ write: false });
  const raw = Buffer.byteLength(html);
  const gz = gzipSync(html, { level: 9 }).length;
  console.log(`page benchmark on ${machine()}, ${loadNote()}, ${rounds} rounds of ${ROUND_MS} ms`);
  table('page size (one HTML file: style, script, both languages)', [
    { name: 'raw', value: `${(raw / 1024).toFixed(1)} kB`, ratio: `script ${(scriptBytes / 1024).toFixed(1)} kB` },
    { name: 'gzip -9', value: `${(gz / 1024).toFixed(1)} kB`, ratio: verdict(gz < GZIP_TARGET, 'under 150 kB gzipped') },
  ]);

  // ---- a unit and its label ----
  const root = initRoot({ dir: join(dir, 'root'), country: '86' });
  const enterprise = await certify({ root, dir: join(dir, 'ent'), subjectKind: 'enterprise', subject: '1234', name: 'Bench Robotics', roles: [...ENTERPRISE_DEFAULT_ROLES] });
  const stateDir = join(dir, 'unit');
  await provisionUnit({ enterprise, code: '86123456789000000000000000042', modelName: 'Walker S2', hardwareId: 'bench', stateDir });
  const payload = encodeLabelPayload(new Uint8Array(readFileSync(join(stateDir, STATE_FILES.label))));
  const bundleJson = makeTrustBundleJson({ trust: root.trust, certificates: [enterprise.certificate!] });
  const bundle = parseTrustBundle(bundleJson);

  const nodeOnce = (): void => void verifyLabel(decodeLabelPayload(payload), bundle);
  const nobleOnce = (): void => void verifyLabel(decodeLabelPayload(payload), bundle, { backend: nobleEd25519 });
  const nodeRun = (fn: () => void): number => {
    let ops = 0;
    const start = performance.now();
    while (performance.now() - start < ROUND_MS) {
      fn();
      ops++;
    }
    return (ops / (performance.now() - start)) * 1000;
  };

  // ---- Chromium ----
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: await browserBundle(join(process.cwd(), 'scripts', 'bench', 'page-entry.ts')) });
    const ua = await page.evaluate(({ text, json }) => (globalThis as unknown as { ridBench: { setup(t: string, j: unknown): string } }).ridBench.setup(text, json), { text: payload, json: bundleJson });
    const chromiumRun = (): Promise<number> => page.evaluate((ms) => (globalThis as unknown as { ridBench: { run(ms: number): number } }).ridBench.run(ms), ROUND_MS);
    // Warm-up for every candidate, then interleaved rounds: A B C A B C ...
    nodeRun(nodeOnce);
    nodeRun(nobleOnce);
    await chromiumRun();
    const samples: Record<string, number[]> = { chromium: [], node: [], noble: [] };
    for (let r = 0; r < rounds; r++) {
      samples.chromium!.push(await chromiumRun());
      samples.node!.push(nodeRun(nodeOnce));
      samples.noble!.push(nodeRun(nobleOnce));
    }
    const spread = (xs: number[]): { median: number; min: number; max: number } => {
      const s = [...xs].sort((a, b) => a - b);
      return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
    };
    const ms = (opsPerSec: number): string => `${(1000 / opsPerSec).toFixed(3)} ms`;
    const base = spread(samples.node!).median;
    const row = (name: string, xs: number[]): { name: string; value: string; ratio: string } => {
      const s = spread(xs);
      // Slowest round = fewest ops/s = the max time.
      return { name, value: ms(s.median), ratio: `(min ${ms(s.max)}, max ${ms(s.min)}; ${(base / s.median).toFixed(1)}x the node:crypto time)` };
    };
    table(`verify one label (decode RL1: + verifyLabel), median per label; ${ua.replace(/^.*?(HeadlessChrome\/\S+|Chrome\/\S+).*$/, '$1')}`, [
      row('Node, node:crypto', samples.node!),
      row('Node, noble', samples.noble!),
      row('Chromium, noble (the page)', samples.chromium!),
    ]);
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
