// The single executable's main script (scripts/build-binary.mjs): runs the bundled CLI, carried
// in the executable as the asset `robot-id-bundle.cjs`, or for `robot-id agent` the agent's own
// script, the asset `robot-id-agent.cjs` (the agent alone: about half the size, which starts
// it faster, docs/performance.md). Each is compiled with V8's code cache when a cache made for
// its exact bytes lies beside the executable: `<executable>.v8cache` for the bundle,
// `<executable>.agent.v8cache` for the agent's script.
//
// Why cache files beside the executable and not in it: V8 makes a code cache differently on
// every build, so a cache inside the executable would end byte-identical builds
// (docs/packaging.md, "Reproducible"); and it belongs to one CPU architecture, so a cross build
// cannot make one. The files are made by the executable itself (`--write-code-cache`), at build
// time for the building machine's architecture and at install time on any other, and they are
// only ever read here: a running CLI or agent never writes them (docs/threat-model.md, "The code
// cache beside the executable"). Without a usable cache (missing, made for other bytes,
// rejected by V8) the script is compiled from source, as every start did before.
//
// Loader-level options, handled before the CLI sees its arguments:
//   --write-code-cache [file]  compile both scripts, write their caches (default: beside the
//                              executable; with a file: the bundle's there and the agent's
//                              beside it, `.v8cache` replaced by `.agent.v8cache`), exit
//   --code-cache-status        print what each cache beside the executable is, one line each
//                              (the bundle's, then the agent's): used, rejected, mismatch or absent
'use strict';
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { Script } = require('node:vm');
const { getRawAsset } = require('node:sea');

// [32 bytes: SHA-256 of the script][1 byte: format 2, made by the executable]
// [32 bytes: SHA-256 of the V8 data][V8 cached data]. The second hash is not decoration: V8
// checks a cache's version, flags and source length, not its contents, and a damaged cache (a
// torn write, a bad block) aborts the process inside V8 ("Invalid bytecode") at every start.
const HEADER = 65;
const FORMAT = 2;
const filename = process.execPath;
/** The agent's cache file that goes with the bundle's cache file `file`. */
const agentCacheOf = (file) => `${file.replace(/\.v8cache$/, '')}.agent.v8cache`;
const BUNDLE = { asset: 'robot-id-bundle.cjs', cacheFile: `${process.execPath}.v8cache` };
const AGENT = { asset: 'robot-id-agent.cjs', cacheFile: agentCacheOf(BUNDLE.cacheFile) };

// The asset as the executable maps it, read in place (getRawAsset: no copy); only ever read.
// It is already wrapped as a CommonJS module (scripts/bundle.mjs): compiled as it is.
const sourceOf = (script) => Buffer.from(getRawAsset(script.asset));
const text = (source) => source.latin1Slice(0, source.length);
const sha = (bytes) => createHash('sha256').update(bytes).digest();

function writeCache(script, file) {
  const source = sourceOf(script);
  const data = new Script(text(source), { filename }).createCachedData();
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, Buffer.concat([sha(source), Buffer.from([FORMAT]), sha(data), data]));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** The script to run, and what became of its cache: used, rejected, mismatch or absent. */
function compile(script) {
  const source = sourceOf(script);
  let cache;
  try {
    cache = fs.readFileSync(script.cacheFile);
  } catch {
    return { script: new Script(text(source), { filename }), status: 'absent' }; // no cache beside the executable
  }
  const data = cache.subarray(HEADER);
  if (cache.length <= HEADER || cache[32] !== FORMAT || !sha(source).equals(cache.subarray(0, 32)) || !sha(data).equals(cache.subarray(33, HEADER))) {
    return { script: new Script(text(source), { filename }), status: 'mismatch' };
  }
  const compiled = new Script(text(source), { filename, cachedData: data });
  return { script: compiled, status: compiled.cachedDataRejected ? 'rejected' : 'used' };
}

const option = process.argv[2];
if (option === '--write-code-cache') {
  const file = process.argv[3] ?? BUNDLE.cacheFile;
  for (const [script, to] of [[BUNDLE, file], [AGENT, agentCacheOf(file)]]) {
    try {
      writeCache(script, to);
      process.stdout.write(`code cache written: ${to}\n`);
    } catch (err) {
      process.stderr.write(`error: CODE_CACHE_WRITE cannot write the code cache ${to}: ${err.message}\n`);
      process.exitCode = 1;
    }
  }
} else if (option === '--code-cache-status') {
  for (const script of [BUNDLE, AGENT]) process.stdout.write(`${compile(script).status} ${script.cacheFile}\n`);
} else {
  compile(option === 'agent' ? AGENT : BUNDLE).script.runInThisContext().call(module.exports, module.exports, require, module, filename, __dirname);
}
