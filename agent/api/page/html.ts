/**
 * The technician's page (page/, docs/local-api.md §"The page"): one self-contained HTML file.
 * The whole CLI's bundle (scripts/bundle.mjs) carries it as a build-time constant. The agent's
 * own script does not (a fifth of its size, read and hashed at every start for a page few
 * starts serve): it reads the page built beside it, the single executable's asset
 * `robot-id-page.html` or the package's dist/page/. Run from source or from the tsc build, it
 * is read from dist/page/ where `node page/build.mjs` writes it. Read once, on first request;
 * undefined when it was never built (GET / then answers 404).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAsset, isSea } from 'node:sea';
import { agentPath } from '../../state-files.js';

declare const __ROBOT_ID_PAGE_HTML__: string | undefined;
/** Set (true) by scripts/bundle.mjs in the agent's own script: the page lies beside the script. */
declare const __ROBOT_ID_PAGE_BESIDE__: boolean | undefined;

export const PAGE_FILE = 'robot-id-page.html';

let cached: string | undefined;

function fromDisk(): string | undefined {
  // agent/api/page/html.ts (source) and dist/agent/api/page/html.js (tsc) both sit three
  // folders below the package root; the page is at <root>/dist/page/.
  for (const rel of [`../../../dist/page/${PAGE_FILE}`, `../../../page/${PAGE_FILE}`]) {
    try {
      return readFileSync(new URL(rel, import.meta.url), 'utf8');
    } catch {
      // Not there: try the next candidate; none means the page was not built.
    }
  }
  return undefined;
}

/** The page built with the agent's own script: the executable's asset, or dist/page/ beside the script. */
function besideScript(): string | undefined {
  try {
    // __dirname: the directory of the script the loader runs (dist/), a CommonJS bundle's own.
    return isSea() ? getAsset(PAGE_FILE, 'utf8') : readFileSync(join(__dirname, 'page', PAGE_FILE), 'utf8');
  } catch {
    // Not built with the script (an install without dist/page/): GET / answers 404.
    return undefined;
  }
}

export function pageHtml(): string | undefined {
  if (typeof __ROBOT_ID_PAGE_HTML__ === 'string') return __ROBOT_ID_PAGE_HTML__;
  cached ??= typeof __ROBOT_ID_PAGE_BESIDE__ === 'boolean' ? besideScript() : fromDisk();
  return cached;
}

/** The page with a trust bundle embedded (`robot-id page --trust`); `<` escaped so JSON cannot close the script. */
export function embedBundle(html: string, bundleJson: unknown): string {
  const text = JSON.stringify(bundleJson).replace(/</g, '\\u003c');
  const marker = '<script type="application/json" id="rid-bundle">null</script>';
  if (!html.includes(marker)) throw new Error('page: no bundle slot in the page (built by an older page/build.mjs?)');
  return html.replace(marker, () => `<script type="application/json" id="rid-bundle">${text}</script>`);
}

/**
 * What the page may do when served by the agent: run its own inline script and style, talk to
 * this origin only, show camera frames and pictures the user picks. Nothing loads from elsewhere.
 */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; media-src blob: mediastream:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

/**
 * The trust bundle a page served by this unit may start with (<stateDir>/trust-bundle.json, put
 * there by the operator), read on every request so a replaced file is served at once. The page
 * marks it as coming from the unit (docs/threat-model.md §"The technician's page").
 */
export function readPageBundle(stateDir: string): string | undefined {
  try {
    return readFileSync(agentPath(stateDir, 'pageBundle'), 'utf8');
  } catch {
    // No bundle offered: the technician loads their own.
    return undefined;
  }
}
