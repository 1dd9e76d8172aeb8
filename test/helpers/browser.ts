/**
 * Chromium for the page tests, driven by playwright-core (no bundled browser: the system's
 * /usr/bin/chromium). Each launch gets a fresh profile in a temporary directory and the flags
 * that keep Chromium from reaching out on a closed network. The tests skip only when Chromium is
 * absent and ROBOT_ID_REQUIRE_CHROMIUM is not 1 (CI sets it: .ci/run).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * A camera for Chromium that films one still picture: a Y4M file (4:2:0, one frame, which
 * Chromium loops) made from a PNG, for --use-file-for-fake-video-capture.
 */
export function pngToY4m(png: { width: number; height: number; data: Uint8Array }, file: string): void {
  const w = png.width & ~1;
  const h = png.height & ~1;
  const y = new Uint8Array(w * h);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const i = (row * png.width + col) * 4;
      y[row * w + col] = Math.round(0.299 * png.data[i]! + 0.587 * png.data[i + 1]! + 0.114 * png.data[i + 2]!);
    }
  }
  const chroma = new Uint8Array((w / 2) * (h / 2) * 2).fill(128);
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), y, chroma]));
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh Chromium profile with a phone-sized viewport (360 px wide by default). */
export async function launchBrowser(options: { width?: number; height?: number; args?: string[] } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
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
