// Bundles the whole CLI and agent into one CommonJS script (dist/robot-id.cjs).
// The single-executable build and the CLI tests both run this exact artifact.
import { build } from 'esbuild';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buildPage } from '../page/build.mjs';

const outfile = 'dist/robot-id.cjs';

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

// MQTT.js loads every transport it has when a client first connects (WebSocket with ws, and the
// SOCKS proxy client with ip-address, even for mqtt:// without a proxy) and a browser timer
// library with its client: all on the way to the agent's birth message. Here each is required
// where it is used instead, so an agent on mqtt:// or mqtts:// never loads them; what runs when
// it is used is unchanged. Each rewrite must match, or the build stops (an MQTT.js upgrade is
// then looked at again rather than silently losing it).
const MQTT_LAZY = [
  {
    file: /mqtt[\\/]build[\\/]lib[\\/]connect[\\/]index\.js$/,
    from: ["protocols.ws = require('./ws').streamBuilder;", "protocols.wss = require('./ws').streamBuilder;"],
    to: ["protocols.ws = (c, o) => require('./ws').streamBuilder(c, o);", "protocols.wss = (c, o) => require('./ws').streamBuilder(c, o);"],
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
    b.onLoad({ filter: /mqtt[\\/]build[\\/]lib[\\/](connect[\\/](index|tcp)|get-timer)\.js$/ }, async (args) => {
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

const result = await build({
  entryPoints: ['cli/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
  plugins: [noNativeAddons, mqttLazyTransports],
  define: { __ROBOT_ID_PAGE_HTML__: JSON.stringify(page.html), 'import.meta.url': 'undefined' },
  write: false,
});

// An ASCII-only bundle, for idle memory: V8 keeps a script's whole source while it runs, one
// byte per character only if every character fits in one. esbuild escapes non-ASCII characters
// in code (its default charset 'ascii') but copies the comments it keeps as they are, and four
// dashes in a dependency's comments (ip-address) made V8 hold the 1.8 MB bundle as UTF-16: 3.5
// MiB of heap instead of 1.7, and 1.5 MiB more of the agent's idle RSS (median of 10 starts,
// docs/performance.md). Whatever is left to escape is in comments, where an escape is inert.
const asciiOnly = (text) => text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

// Written via a temporary file and a rename: tests run this bundle while another test (the
// single-executable build) may be rebuilding it, and a reader must never see half a file.
await mkdir(dirname(outfile), { recursive: true });
for (const file of result.outputFiles) {
  const tmp = `${file.path}.${process.pid}.tmp`;
  await writeFile(tmp, asciiOnly(file.text), { mode: 0o755 });
  await rename(tmp, file.path);
}
