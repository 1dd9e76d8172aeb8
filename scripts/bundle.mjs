// Bundles the whole CLI and agent into one CommonJS script (dist/robot-id-bundle.cjs), and
// `robot-id agent` alone into another (dist/robot-id-agent.cjs, from cli/agent-main.ts: about
// half the size, none of the other commands' dependencies), which the single executable embeds
// both, each with V8's code cache for it (dist/robot-id-bundle.v8cache,
// dist/robot-id-agent.v8cache), and writes dist/robot-id.cjs: the small script
// `node dist/robot-id.cjs`, the npm bin and the CLI tests run, which starts the agent's script
// for `robot-id agent` and the whole bundle for everything else, from its code cache when it can.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { buildPage } from '../page/build.mjs';

/** The scripts made here: the whole CLI, and the agent alone (what the loaders run for `robot-id agent`). */
// The whole bundle carries the technician's page (below); the agent's script reads it from beside
// itself when a technician first asks for it (agent/api/page/html.ts): dist/page/ in the
// package, the asset robot-id-page.html in the single executable.
const SCRIPTS = [
  { entry: 'cli/main.ts', name: 'robot-id-bundle', page: 'inline' },
  { entry: 'cli/agent-main.ts', name: 'robot-id-agent', page: 'beside' },
];
const loaderFile = 'dist/robot-id.cjs';

// cbor-x loads the optional native addon cbor-extract inside a try/catch and falls back to its
// pure JavaScript decoder. Bundled, that addon can never load (and inside a single executable
// the attempt prints a warning on every start), so the bundle gets a stub that fails the same
// way a missing optional module does. No native addon ever enters the bundle.
const noNativeAddons = {
  name: 'no-native-addons',
  setup(b) {
    b.onResolve({ filter: /^cbor-extract$/ }, (args) => ({ path: args.path, namespace: 'native-addon-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'native-addon-stub' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} (native addon) is left out of the bundle`)});`,
      loader: 'js',
    }));
  },
};

// MQTT.js loads every transport it has when a client first connects (WebSocket with ws, TLS
// with Node's tls, and the SOCKS proxy client with ip-address, even for mqtt:// without a
// proxy) and a browser timer
// library with its client: all on the way to the agent's birth message. Here each is required
// where it is used instead, so an agent on mqtt:// never loads them and one on mqtts:// loads TLS
// only (the SOCKS client only with a proxy); what runs when
// it is used is unchanged. Each rewrite must match, or the build stops (an MQTT.js upgrade is
// then looked at again rather than silently losing it).
const MQTT_LAZY = [
  {
    file: /mqtt[\\/]build[\\/]lib[\\/]connect[\\/]index\.js$/,
    from: [
      "protocols.ws = require('./ws').streamBuilder;",
      "protocols.wss = require('./ws').streamBuilder;",
      "protocols.ssl = require('./tls').default;",
      "protocols.mqtts = require('./tls').default;",
    ],
    to: [
      "protocols.ws = (c, o) => require('./ws').streamBuilder(c, o);",
      "protocols.wss = (c, o) => require('./ws').streamBuilder(c, o);",
      "protocols.ssl = (c, o) => require('./tls').default(c, o);",
      "protocols.mqtts = (c, o) => require('./tls').default(c, o);",
    ],
  },
  {
    file: /mqtt[\\/]build[\\/]lib[\\/]connect[\\/]tls\.js$/,
    from: ['const socks_1 = __importDefault(require("./socks"));', 'const socket = (0, socks_1.default)('],
    to: ['', 'const socket = (0, __importDefault(require("./socks")).default)('],
  },
  {
    file: /mqtt[\\/]build[\\/]lib[\\/]connect[\\/]tcp\.js$/,
    from: ['const socks_1 = __importDefault(require("./socks"));', 'return (0, socks_1.default)('],
    to: ['', 'return (0, __importDefault(require("./socks")).default)('],
  },
  {
    file: /mqtt[\\/]build[\\/]lib[\\/]get-timer\.js$/,
    from: ['const worker_timers_1 = require("worker-timers");', 'set: worker_timers_1.setInterval,', 'clear: worker_timers_1.clearInterval,'],
    to: ['', 'set: (f, t) => require("worker-timers").setInterval(f, t),', 'clear: (id) => require("worker-timers").clearInterval(id),'],
  },
];
const mqttLazyTransports = {
  name: 'mqtt-lazy-transports',
  setup(b) {
    b.onLoad({ filter: /mqtt[\\/]build[\\/]lib[\\/](connect[\\/](index|tcp|tls)|get-timer)\.js$/ }, async (args) => {
      const rule = MQTT_LAZY.find((r) => r.file.test(args.path));
      if (!rule) return undefined;
      let text = await readFile(args.path, 'utf8');
      rule.from.forEach((from, i) => {
        if (!text.includes(from)) throw new Error(`${args.path}: expected ${JSON.stringify(from)} (MQTT.js changed: look at the lazy transports in scripts/bundle.mjs again)`);
        text = text.replace(from, rule.to[i]);
      });
      return { contents: text, loader: 'js' };
    });
  },
};

// The technician's page (page/build.mjs) is built first and carried as a constant, so the
// agent serves it at GET / and `robot-id page` writes it from this one file.
const page = await buildPage();

const bundleOf = (entry, outfile, pageAt) => build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [noNativeAddons, mqttLazyTransports],
  define: {
    ...(pageAt === 'inline' ? { __ROBOT_ID_PAGE_HTML__: JSON.stringify(page.html) } : { __ROBOT_ID_PAGE_BESIDE__: 'true' }),
    'import.meta.url': 'undefined',
  },
  write: false,
});
const results = await Promise.all(SCRIPTS.map(({ entry, name, page: pageAt }) => bundleOf(entry, `dist/${name}.cjs`, pageAt)));

// An ASCII-only bundle, for idle memory: V8 keeps a script's whole source while it runs, one
// byte per character only if every character fits in one. esbuild escapes non-ASCII characters
// in code (its default charset 'ascii') but copies the comments it keeps as they are, and four
// dashes in a dependency's comments (ip-address) made V8 hold the 1.8 MB bundle as UTF-16: 3.5
// MiB of heap instead of 1.7, and 1.5 MiB more of the agent's idle RSS (median of 10 starts,
// docs/performance.md). Whatever is left to escape is in comments, where an escape is inert.
const asciiOnly = (text) => text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

// The start-up of the CLI (and of the agent: `robot-id agent`) began with V8 compiling this 2 MB
// script: 42-55 ms of a 180-230 ms start to birth on the 2-core machine of docs/performance.md,
// about 5 ms from a code cache. Node 20 has no compile cache of its own for CommonJS, so the
// loader below compiles the bundle with V8's cached data made here (the functions V8 compiles
// eagerly). The first process that is still running 2 s after its start (the agent, a
// `fleet watch`) replaces that cache once with one made then, which also holds every function
// it compiled on the way (the agent's connect, sign and publish): about 10 ms less CPU to the
// birth again. The cache is used only for the exact bytes it was made from: it starts with the
// SHA-256 of the bundle (1 ms to check), and V8 itself rejects data made by another V8 version
// or with other flags. Without a usable cache (missing, another bundle, another Node) the loader
// compiles the bundle from source, as \`require\` would. The one write is a temporary file renamed
// over the cache beside the bundle; where that directory cannot be written (a read-only install,
// another owner) it does not happen, and the build's cache is used.
//
// Each script is written already wrapped in the function CommonJS wraps a module in, so the
// loaders compile the file's text as it is: wrapping it at every start made a second copy of
// the whole script (1.3-2 MB of fresh memory, the concatenation flattened for V8) before the
// first line ran. Such a file is not a module to \`require\`: only the loaders run it.
const WRAP = ['(function (exports, require, module, __filename, __dirname) {', '\n})'];
const LOADER = `#!/usr/bin/env node
// Runs the bundled CLI (robot-id-bundle.cjs beside this file, every dependency inlined), or for
// \`robot-id agent\` the agent's own script (robot-id-agent.cjs, the agent alone), with the V8
// code cache beside it when that cache belongs to these exact bytes (scripts/bundle.mjs).
'use strict';
const fs = require('node:fs');
const { join } = require('node:path');
const name = process.argv[2] === 'agent' ? 'robot-id-agent' : 'robot-id-bundle';
const bundle = join(__dirname, name + '.cjs');
const cacheFile = join(__dirname, name + '.v8cache');
const digest = (bytes) => require('node:crypto').createHash('sha256').update(bytes).digest();
let source;
try {
  source = fs.readFileSync(bundle);
} catch (err) {
  process.stderr.write('error INTERNAL: cannot read ' + bundle + ': ' + err.message + '\\n');
  process.exit(4);
}
let cache;
try {
  cache = fs.readFileSync(cacheFile);
} catch {
  // No cache (or it cannot be read): the script compiles from source, below.
}
// [32 bytes SHA-256 of the script][1 byte: 0 made at build, 1 made by a running process]
// [32 bytes SHA-256 of the V8 data][V8 data]. V8 checks a cache's version, flags and source
// length but not its contents: damaged data (a torn write) would abort every start inside V8.
const sha = cache && cache.length > 65 ? digest(source) : undefined;
const data = sha && sha.equals(cache.subarray(0, 32)) && digest(cache.subarray(65)).equals(cache.subarray(33, 65)) ? cache.subarray(65) : undefined;
// The file is the script already wrapped as a CommonJS module (scripts/bundle.mjs).
const script = new (require('node:vm').Script)(source.latin1Slice(0, source.length), { filename: bundle, cachedData: data });
source = undefined;
if (data && (cache[32] === 0 || script.cachedDataRejected)) {
  setTimeout(() => {
    const tmp = cacheFile + '.' + process.pid + '.tmp';
    try {
      const made = script.createCachedData();
      const fd = fs.openSync(tmp, 'w', 0o644);
      try {
        fs.writeSync(fd, Buffer.concat([sha, Buffer.from([1]), digest(made), made]));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, cacheFile);
    } catch {
      // A directory this process cannot write: the build's cache stays in use.
      try { fs.unlinkSync(tmp); } catch { /* never written */ }
    }
  }, 2000).unref();
}
cache = undefined;
script.runInThisContext().call(module.exports, module.exports, require('node:module').createRequire(bundle), module, bundle, __dirname);
`;

// Written via a temporary file and a rename: tests run these files while another test (the
// single-executable build) may be rebuilding them, and a reader must never see half a file. A
// reader between two renames sees a cache whose hash does not match, and loads without it.
await mkdir(dirname(loaderFile), { recursive: true });
const put = async (path, data, mode = 0o644) => {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
};
for (const [i, { name }] of SCRIPTS.entries()) {
  const outfile = `dist/${name}.cjs`;
  const text = WRAP[0] + asciiOnly(results[i].outputFiles[0].text) + WRAP[1];
  const bytes = Buffer.from(text, 'latin1');
  const compiled = new Script(text, { filename: outfile });
  await put(outfile, bytes);
  const data = compiled.createCachedData();
  await put(`dist/${name}.v8cache`, Buffer.concat([createHash('sha256').update(bytes).digest(), Buffer.from([0]), createHash('sha256').update(data).digest(), data]));
}
await put(loaderFile, LOADER, 0o755);
