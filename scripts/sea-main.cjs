// The single executable's main script (scripts/build-binary.mjs): runs the bundled CLI, carried
// in the executable as the asset `robot-id-bundle.cjs`, compiled with V8's code cache when a
// cache made for these exact bytes lies beside the executable (`<executable>.v8cache`).
//
// Why a cache file beside the executable and not in it: V8 makes a code cache differently on
// every build, so a cache inside the executable would end byte-identical builds
// (docs/packaging.md, "Reproducible"); and it belongs to one CPU architecture, so a cross build
// cannot make one. The file is made by the executable itself (`--write-code-cache`), at build
// time for the building machine's architecture and at install time on any other, and it is
// only ever read here: a running CLI or agent never writes it (docs/threat-model.md, "The code
// cache beside the executable"). Without a usable cache (missing, made for another bundle,
// rejected by V8) the bundle is compiled from source, as every start did before.
//
// Loader-level options, handled before the CLI sees its arguments:
//   --write-code-cache [file]  compile the bundle, write the cache (default: beside the executable), exit
//   --code-cache-status        print what the cache beside the executable is: used, rejected, mismatch or absent
'use strict';
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { Script } = require('node:vm');
const { getAsset } = require('node:sea');

const WRAP = ['(function (exports, require, module, __filename, __dirname) {', '\n})'];
// [32 bytes: SHA-256 of the bundle][1 byte: format 2, made by the executable]
// [32 bytes: SHA-256 of the V8 data][V8 cached data]. The second hash is not decoration: V8
// checks a cache's version, flags and source length, not its contents, and a damaged cache (a
// torn write, a bad block) aborts the process inside V8 ("Invalid bytecode") at every start.
const HEADER = 65;
const FORMAT = 2;
const source = Buffer.from(getAsset('robot-id-bundle.cjs'));
const filename = process.execPath;
const cacheFile = `${process.execPath}.v8cache`;
const wrapped = () => WRAP[0] + source.latin1Slice(0, source.length) + WRAP[1];
const sha = () => createHash('sha256').update(source).digest();

function writeCache(file) {
  const script = new Script(wrapped(), { filename });
  const data = script.createCachedData();
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, Buffer.concat([sha(), Buffer.from([FORMAT]), createHash('sha256').update(data).digest(), data]));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** The script to run, and what became of the cache: used, rejected, mismatch or absent. */
function compile() {
  let cache;
  try {
    cache = fs.readFileSync(cacheFile);
  } catch {
    return { script: new Script(wrapped(), { filename }), status: 'absent' }; // no cache beside the executable
  }
  const data = cache.subarray(HEADER);
  if (cache.length <= HEADER || cache[32] !== FORMAT || !sha().equals(cache.subarray(0, 32)) || !createHash('sha256').update(data).digest().equals(cache.subarray(33, HEADER))) {
    return { script: new Script(wrapped(), { filename }), status: 'mismatch' };
  }
  const script = new Script(wrapped(), { filename, cachedData: data });
  return { script, status: script.cachedDataRejected ? 'rejected' : 'used' };
}

const option = process.argv[2];
if (option === '--write-code-cache') {
  const file = process.argv[3] ?? cacheFile;
  try {
    writeCache(file);
    process.stdout.write(`code cache written: ${file}\n`);
  } catch (err) {
    process.stderr.write(`error: CODE_CACHE_WRITE cannot write the code cache ${file}: ${err.message}\n`);
    process.exitCode = 1;
  }
} else if (option === '--code-cache-status') {
  process.stdout.write(`${compile().status} ${cacheFile}\n`);
} else {
  compile().script.runInThisContext().call(module.exports, module.exports, require, module, filename, __dirname);
}
