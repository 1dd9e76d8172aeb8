// Builds the technician's page (docs/cli.md §"page"): page/src/main.ts and the SDK's own
// verification code, bundled by esbuild for the browser with the noble Ed25519 backend, into one
// self-contained HTML file (inline style, one inline script, both languages): dist/page/robot-id-page.html.
// Node imports of the SDK are mapped to page/shims/ (see the README there).
import { build } from 'esbuild';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const PAGE_OUT = join(here, '..', 'dist', 'page', 'robot-id-page.html');

const shim = (name) => join(here, 'shims', name);

/** One browser script from `entry`, built as the page is (the benchmark loads its own entry this way). */
export async function browserBundle(entry, { minify = true } = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: ['chrome100', 'safari15', 'firefox100'],
    minify,
    legalComments: 'none',
    charset: 'ascii',
    logLevel: 'warning',
    mainFields: ['browser', 'module', 'main'],
    conditions: ['browser', 'import'],
    alias: {
      'node:crypto': shim('crypto.ts'),
      crypto: shim('crypto.ts'),
      'node:fs': shim('fs.ts'),
      fs: shim('fs.ts'),
      'node:path': shim('empty.ts'),
      'node:os': shim('empty.ts'),
      'node:worker_threads': shim('empty.ts'),
      'cbor-extract': shim('empty.ts'),
    },
    inject: [shim('buffer.ts')],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return result.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
}

/** Builds the page; returns the HTML and the size of its script. Writes it unless `write` is false. */
export async function buildPage({ write = true, minify = true } = {}) {
  const js = await browserBundle(join(here, 'src', 'main.ts'), { minify });
  const css = await readFile(join(here, 'src', 'style.css'), 'utf8');
  const template = await readFile(join(here, 'src', 'index.html'), 'utf8');
  const html = template.replace('/*STYLE*/', () => css).replace('/*SCRIPT*/', () => js);
  if (write) {
    await mkdir(dirname(PAGE_OUT), { recursive: true });
    const tmp = `${PAGE_OUT}.${process.pid}.tmp`;
    await writeFile(tmp, html);
    await rename(tmp, PAGE_OUT);
  }
  return { html, scriptBytes: Buffer.byteLength(js) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { html, scriptBytes } = await buildPage();
  console.log(`${PAGE_OUT}: ${Buffer.byteLength(html)} bytes (script ${scriptBytes})`);
}
