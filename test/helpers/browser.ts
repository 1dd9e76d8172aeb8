/**
 * Chromium for the page tests, driven by playwright-core (no bundled browser: the system's
 * /usr/bin/chromium). Each launch gets a fresh profile in a temporary directory and the flags
 * that keep Chromium from reaching out on a closed network. The tests skip only when Chromium is
 * absent and ROBOT_ID_REQUIRE_CHROMIUM is not 1 (CI sets it: .ci/run).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.ROBOT_ID_REQUIRE_CHROMIUM === '1') throw new Error(`ROBOT_ID_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is absent (apt-get install chromium)`);
  return false;
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh Chromium profile with a phone-sized viewport (360 px wide by default). */
export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: options.width ?? 360, height: options.height ?? 800 },
    deviceScaleFactor: 2,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
