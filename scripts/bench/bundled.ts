/**
 * Runs a benchmark as the product runs: bundled by esbuild into one file on plain node.
 * Under tsx every closure the code creates goes through a `__name` helper (esbuild's
 * keepNames), an Object.defineProperty per closure: about 6% of the event loop in the agent
 * pipeline, a cost the product's bundle (scripts/bundle.mjs) does not have. Packages stay
 * external and load from node_modules, as they do unbundled; only our code is bundled.
 *
 * A benchmark's command-line entry calls `rerunBundled(import.meta.url)` first: it builds the
 * bundle, runs it with the same arguments and returns its exit status, or returns undefined
 * when this process is already the bundle (or `--tsx` asks to stay under tsx).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const MARK = 'ROBOT_ID_BENCH_BUNDLED';
/** Inside node_modules, so the bundle's package imports resolve (ESM ignores NODE_PATH). */
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/robot-id-bench/', import.meta.url));

/** Bundles the script at `entryUrl` and runs it on node with `args`; returns its exit status. */
export async function runBundled(entryUrl: string, args: string[]): Promise<number> {
  const entry = fileURLToPath(entryUrl);
  mkdirSync(CACHE, { recursive: true });
  const dir = mkdtempSync(CACHE);
  try {
    const outfile = join(dir, basename(entry).replace(/\.ts$/, '.mjs'));
    await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
    const r = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit', env: { ...process.env, [MARK]: '1' } });
    return r.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** For a script's entry: runs it bundled and returns the status, or undefined to go on here. */
export async function rerunBundled(entryUrl: string, args = process.argv.slice(2)): Promise<number | undefined> {
  if (process.env[MARK] === '1' || args.includes('--tsx')) return undefined;
  return runBundled(entryUrl, args);
}
