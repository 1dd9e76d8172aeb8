/**
 * The technician's page in a real Chromium (playwright-core over /usr/bin/chromium): loaded from
 * a file (`robot-id page --trust`) and from real agents' TCP API (GET /). A label PNG made by
 * `robot-id qr` is read through the photo input, payloads are pasted; the verdicts for a valid
 * unit, a tampered label, an unknown enterprise, a revoked and a scrapped unit; an attestation
 * verified in the browser against a real agent, and a copied label failing on another unit; a
 * maintenance event recorded from the page and found in the agent's log. No mocks.
 * A screenshot at 360 px is kept in test-artifacts/page-360.png.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { callAgent, startAgent, type Agent } from '../../agent/index.js';
import { COSE_ALG_SM2_SM3, STATE_FILES, encodeLabelPayload, encodeQrPayload, makeTrustBundleJson, signOrder } from '../../sdk/index.js';
import { randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';
import { chromiumAvailable, launchBrowser, pngToY4m, type Browser } from '../helpers/browser.js';
import { freePort } from '../helpers/broker.js';
import { makePki, quietLogger, type Pki, type TestUnit } from '../helpers/pki.js';
import { json, robotId } from '../helpers/technician.js';

const en = JSON.parse(readFileSync(join(process.cwd(), 'page', 'i18n', 'en.json'), 'utf8')) as Record<string, string>;
const TOKEN = 'page-test-token-0123456789abcdef0123';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

let dir: string;
let pki: Pki;
let a: TestUnit;
let b: TestUnit;
let revoked: TestUnit;
let scrapped: TestUnit;
let foreign: TestUnit;
let bundleFile: string;
let agentA: Agent;
let agentB: Agent;
let portA: number;
let portB: number;
let browser: Browser;

const labelOf = (u: TestUnit): string => encodeLabelPayload(new Uint8Array(readFileSync(join(u.stateDir, STATE_FILES.label))));

function addressInUse(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 'EADDRINUSE' || /EADDRINUSE/.test(String(e.message))) return true;
  }
  return false;
}

/** Starts a unit's agent with its TCP API on a free port; another port when that one was taken meanwhile. */
async function startWithTcp(unit: TestUnit): Promise<[Agent, number]> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return [await startAgent(unit.config({ apiTcpPort: port, apiTcpHost: '127.0.0.1', apiToken: TOKEN }), { logger: quietLogger() }), port];
    } catch (err) {
      if (attempt >= 5 || !addressInUse(err)) throw err;
    }
  }
}

async function verdictOf(page: Page): Promise<{ state: string; title: string; reason: string }> {
  const box = page.locator('#verdict');
  return { state: (await box.getAttribute('data-verdict')) ?? '', title: await page.locator('#verdict-title').innerText(), reason: await page.locator('#verdict-reason').innerText() };
}

async function paste(page: Page, text: string): Promise<{ state: string; title: string; reason: string }> {
  await page.fill('#paste', text);
  await page.click('#paste-check');
  return verdictOf(page);
}

describe.skipIf(!chromiumAvailable())('the technician page in Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'page-'));
    pki = await makePki(join(dir, 'pki'));
    [a, b, revoked, scrapped] = [await pki.provision(), await pki.provision(), await pki.provision(), await pki.provision()];
    foreign = await (await makePki(join(dir, 'pki-other'))).provision();
    bundleFile = join(dir, 'bundle.json');
    const bundle = makeTrustBundleJson({
      trust: pki.root.trust,
      certificates: [pki.enterprise.certificate!],
      revocations: { codes: [revoked.code], scrapped: [scrapped.code] },
      units: { [a.code]: { lifecycle: 'in-service', recalls: [{ id: 'R-2026-001', title: 'knee actuator' }] } },
    });
    writeFileSync(bundleFile, JSON.stringify(bundle));
    [agentA, portA] = await startWithTcp(a);
    // Unit A is registered to operate in region 310115: the page shows it as the unit's word.
    const issuedAt = Math.floor(Date.now() / 1000);
    await agentA.submitEvent({
      kind: 'registered',
      order: await signOrder(pki.platform.signer, pki.platform.certificate!, {
        code: a.code, transition: 'registered', orderId: new Uint8Array(randomBytes(16)), issuedAt, notAfter: issuedAt + 3600, operator: new Uint8Array(16).fill(7), region: '310115',
      }),
    });
    [agentB, portB] = await startWithTcp(b);
    browser = await launchBrowser({ width: 360 });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agentA?.close();
    await agentB?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('from a file with the bundle embedded: a label photo, then pasted payloads, each with its verdict in words', async () => {
    const html = join(dir, 'robot-id.html');
    expect((await robotId(['page', '--out', html, '--trust', bundleFile])).status).toBe(0);
    const png = join(dir, 'label-a.png');
    const qr = await robotId(['qr', '--label', a.stateDir, '--png', png, '--json']);
    expect(json<{ qrVersion: number }>(qr).qrVersion).toBeLessThanOrEqual(10);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${html}`);

    await page.setInputFiles('#photo', png);
    await page.waitForSelector('#verdict[data-verdict="valid"]', { timeout: 15_000 });
    expect(await page.locator('#verdict-title').innerText()).toBe(en.verdictValid);
    const passport = await page.locator('#passport').innerText();
    for (const part of [a.code.slice(0, 2), '1234', '567890', a.code.slice(12), 'China', 'Test Robotics', 'Test Humano', 'in service', 'R-2026-001']) expect(passport).toContain(part);

    // The full record (RID1:) is still accepted.
    expect((await paste(page, encodeQrPayload(a.identity.bytes))).state).toBe('valid');

    const tampered = new Uint8Array(readFileSync(join(a.stateDir, STATE_FILES.label)));
    tampered[tampered.length - 5]! ^= 0x01;
    const t = await paste(page, encodeLabelPayload(tampered));
    expect(t).toMatchObject({ state: 'invalid', title: en.verdictInvalid, reason: en['reason.TRUST_BAD_SIGNATURE'] });

    expect(await paste(page, labelOf(foreign))).toMatchObject({ state: 'invalid', reason: en['reason.TRUST_UNKNOWN_SIGNER'] });
    expect(await paste(page, labelOf(revoked))).toMatchObject({ state: 'revoked', title: en.verdictRevoked, reason: en['reason.TRUST_REVOKED'] });
    expect(await paste(page, labelOf(scrapped))).toMatchObject({ state: 'scrapped', title: en.verdictScrapped, reason: en['reason.scrapped'] });
    expect(await paste(page, 'hello')).toMatchObject({ state: 'invalid', reason: en['reason.malformed'] });

    // Another language is a file away; the choice is kept.
    await page.selectOption('#lang', 'zh');
    expect(await paste(page, labelOf(a))).toMatchObject({ state: 'valid', title: '真实有效' });
    await page.selectOption('#lang', 'en');

    // From a file, the unit's TCP API is another origin: CORS, and still the token.
    expect(await paste(page, labelOf(a))).toMatchObject({ state: 'valid' });
    await page.fill('#agent-url', `http://127.0.0.1:${portA}`);
    await page.fill('#agent-token', TOKEN);
    await page.click('#attest');
    await page.waitForSelector('#attest-result[data-result]', { timeout: 15_000 });
    expect(await page.locator('#attest-result').getAttribute('data-result')).toBe('ok');

    // A phone screen: one column, nothing wider than 360 px.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await page.screenshot({ path: join(ARTIFACTS, 'page-360.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an SM2 world: the label of a unit whose keys are all SM2 with SM3 verifies in the browser, a tampered one does not', async () => {
    const sm2 = await makePki(join(dir, 'pki-sm2'), { alg: COSE_ALG_SM2_SM3 });
    const unit = await sm2.provision();
    const sm2Bundle = join(dir, 'bundle-sm2.json');
    writeFileSync(sm2Bundle, JSON.stringify(makeTrustBundleJson({ trust: sm2.root.trust, certificates: [sm2.enterprise.certificate!] })));
    const html = join(dir, 'robot-id-sm2.html');
    expect((await robotId(['page', '--out', html, '--trust', sm2Bundle])).status).toBe(0);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The first test left its (Ed25519) bundle in this origin's storage: a page carrying a bundle
    // the browser has not seen uses its own.
    await page.goto(`file://${html}`);
    expect(await paste(page, labelOf(unit))).toMatchObject({ state: 'valid', title: en.verdictValid });
    expect((await paste(page, encodeQrPayload(unit.identity.bytes))).state).toBe('valid');
    const tampered = new Uint8Array(readFileSync(join(unit.stateDir, STATE_FILES.label)));
    tampered[tampered.length - 5]! ^= 0x01;
    expect(await paste(page, encodeLabelPayload(tampered))).toMatchObject({ state: 'invalid', reason: en['reason.TRUST_BAD_SIGNATURE'] });
    // An Ed25519 world's label is unknown to this bundle.
    expect((await paste(page, labelOf(a))).state).toBe('invalid');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("from the agent's TCP API: the page needs no token, the API does; bundle picked from a file; attestation and maintenance", async () => {
    const base = `http://127.0.0.1:${portA}`;
    expect((await fetch(`${base}/v1/status`)).status).toBe(401);
    const served = await fetch(`${base}/`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-security-policy')).toContain("connect-src 'self'");

    const page = await browser.context.newPage();
    await page.goto(`${base}/`);
    expect(await paste(page, labelOf(a))).toMatchObject({ state: 'nobundle' });
    await page.setInputFiles('#trust-file', bundleFile);
    await page.waitForSelector('#verdict[data-verdict="valid"]');

    // Keyboard only: Tab to the token field, type it, and press the attest button with Enter.
    await page.focus('#agent-token');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('attest');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#attest-result[data-result]', { timeout: 15_000 });
    expect(await page.locator('#attest-result').getAttribute('data-result')).toBe('ok');
    expect(await page.locator('#attest-result').innerText()).toContain(a.code.slice(12));
    expect(await page.locator('#facts').innerText()).toContain(en.fromUnit);
    expect(await page.locator('#facts').innerText()).toMatch(new RegExp(`${en.region}\\s+310115`));

    await page.fill('#m-technician', 'tech-0042');
    await page.selectOption('#m-kind', 'part-replaced');
    await page.fill('#m-note', 'left knee actuator');
    await page.click('#m-submit');
    await page.waitForSelector('#maintenance-result[data-seq]');
    const seq = Number(await page.locator('#maintenance-result').getAttribute('data-seq'));
    expect(seq).toBeGreaterThan(0);
    const { body } = await callAgent<{ events: { seq: number; kind: string; technician?: string; note?: string }[] }>({ socketPath: join(a.stateDir, 'agent.sock') }, 'GET', '/v1/events?after=0&limit=100');
    expect(body.events.find((e) => e.seq === seq)).toMatchObject({ kind: 'part-replaced', technician: 'tech-0042', note: 'left knee actuator' });

    // A wrong token: the unit refuses, the page says so.
    await page.fill('#agent-token', TOKEN.slice(0, -1) + 'X');
    await page.click('#attest');
    await page.waitForSelector('#attest-result[data-result="fail"]');
    expect(await page.locator('#attest-result').innerText()).toMatch(/UNAUTHORIZED/);
    await page.close();
  });

  it("a copied label: unit A's genuine label in front of unit B fails the attestation (B's page starts with the bundle B offers)", async () => {
    writeFileSync(join(b.stateDir, 'trust-bundle.json'), readFileSync(bundleFile));
    expect((await fetch(`http://127.0.0.1:${portA}/trust-bundle.json`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${portB}/trust-bundle.json`)).status).toBe(200);
    const page = await browser.context.newPage();
    await page.goto(`http://127.0.0.1:${portB}/`);
    await page.waitForSelector('#trust-status[data-source="unit"]');
    expect(await page.locator('#trust-status').innerText()).toContain(en.trustFromUnit);
    expect(await paste(page, labelOf(a))).toMatchObject({ state: 'valid' });
    await page.fill('#agent-token', TOKEN);
    await page.click('#attest');
    await page.waitForSelector('#attest-result[data-result]', { timeout: 15_000 });
    expect(await page.locator('#attest-result').getAttribute('data-result')).toBe('fail');
    expect(await page.locator('#attest-result').innerText()).toContain(en['reason.ATTEST_WRONG_UNIT']);
    await page.close();
  });

  it('the camera: a label filmed by a (fake) camera is read from the video and verified', async () => {
    const png = join(dir, 'label-camera.png');
    expect((await robotId(['qr', '--label', a.stateDir, '--png', png, '--size', '50', '--dpi', '200'])).status).toBe(0);
    const video = join(dir, 'label.y4m');
    pngToY4m(PNG.sync.read(readFileSync(png)), video);
    const camera = await launchBrowser({ args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`] });
    try {
      const base = `http://127.0.0.1:${portA}`;
      await camera.context.grantPermissions(['camera'], { origin: base });
      const page = await camera.context.newPage();
      await page.goto(`${base}/`);
      await page.setInputFiles('#trust-file', bundleFile);
      await page.click('#camera-toggle');
      await page.waitForSelector('#verdict[data-verdict="valid"]', { timeout: 20_000 });
      expect(await page.locator('#code-display').innerText()).toContain(a.code.slice(12));
      expect(await page.locator('#camera').isHidden()).toBe(true);
    } finally {
      await camera.close();
    }
  });
});
