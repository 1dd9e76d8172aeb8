/**
 * `robot-id qr`: the PNG it writes is decoded by an independent QR decoder (jsQR over pngjs),
 * and what the decoder reads verifies with `robot-id verify`; the terminal code and the
 * agent-sourced payload carry the same text; a changed character fails verification.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// jsqr is CommonJS with `export default` typings: under NodeNext the default import is the
// module object to TypeScript, while at run time it is the function itself.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;
import { QR_PAYLOAD_MAX_CHARS } from '../../sdk/index.js';
import { startAgentProcess, stopAll } from '../helpers/agent-process.js';
import { makePki, type Pki, type TestUnit } from '../helpers/pki.js';
import { json, robotId, waitForAgent } from '../helpers/technician.js';

let dir: string;
let pki: Pki;
let unit: TestUnit;
let trust: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qr-'));
  pki = await makePki(join(dir, 'pki'));
  unit = await pki.provision();
  trust = join(pki.dir, 'root', 'trust.json');
}, 30_000);

afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function decodePng(file: string): string {
  const png = PNG.sync.read(readFileSync(file));
  const found = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  if (!found) throw new Error(`${file}: no QR code found`);
  return found.data;
}

describe('robot-id qr', () => {
  it('writes a PNG that a QR decoder reads back as a payload robot-id verify accepts', async () => {
    const png = join(dir, 'label.png');
    const r = await robotId(['qr', '--identity', unit.stateDir, '--png', png, '--json']);
    expect(r.status).toBe(0);
    const out = json<{ payload: string; chars: number; qrVersion: number }>(r);
    expect(out.chars).toBeLessThanOrEqual(QR_PAYLOAD_MAX_CHARS);
    const read = decodePng(png);
    expect(read).toBe(out.payload);
    expect(read.startsWith('RID1:')).toBe(true);
    const v = await robotId(['verify', read, '--trust', trust, '--json']);
    expect(v.status).toBe(0);
    expect(json(v)).toMatchObject({ valid: true, code: unit.code });
    // The same text from a file works too.
    const file = join(dir, 'scanned.txt');
    writeFileSync(file, read + '\n');
    expect((await robotId(['verify', file, '--trust', trust])).status).toBe(0);
  });

  it('a payload with one character changed does not verify', async () => {
    const text = json<{ payload: string }>(await robotId(['qr', '--identity', unit.stateDir, '--json'])).payload;
    const i = Math.floor(text.length / 2);
    const tampered = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
    const v = await robotId(['verify', tampered, '--trust', trust, '--json']);
    expect(v.status).toBe(1);
    expect(json<{ valid: boolean }>(v).valid).toBe(false);
    const garbage = await robotId(['verify', 'RID1:a', '--trust', trust, '--json']);
    expect(json(garbage)).toMatchObject({ valid: false, error: { code: 'QR_MALFORMED' } });
  });

  it('from the running agent: the label by default, the record with --record, and a terminal rendering without colour codes', async () => {
    const socket = join(unit.stateDir, 'agent.sock');
    startAgentProcess(dir, { stateDir: unit.stateDir, hardwareIdSource: { file: unit.hardwareIdFile }, logLevel: 'warn' });
    await waitForAgent(socket);
    const fromAgent = await robotId(['qr', '--agent', socket, '--text']);
    expect(fromAgent.stdout).toBe((await robotId(['qr', '--label', unit.stateDir, '--text'])).stdout);
    expect(fromAgent.stdout.startsWith('RL1:')).toBe(true);
    const record = await robotId(['qr', '--agent', socket, '--record', '--text']);
    expect(record.stdout).toBe((await robotId(['qr', '--identity', unit.stateDir, '--text'])).stdout);
    const terminal = await robotId(['qr', '--agent', socket]);
    expect(terminal.status).toBe(0);
    expect(terminal.stdout).toMatch(/[▀▄█]/);
    expect(terminal.stdout).toMatch(/QR version \d+-M/);
    // Piped, not a terminal: no escape sequences.
    expect(terminal.stdout).not.toContain('\u001b[');
  });

  it('the label: a version 10 code at most, PNG and SVG with the code under it, verified with a bundle or --certs', async () => {
    const png = join(dir, 'label.png');
    const svg = join(dir, 'label.svg');
    const r = await robotId(['qr', '--label', unit.stateDir, '--png', png, '--svg', svg, '--size', '25', '--json']);
    expect(r.status).toBe(0);
    const out = json<{ payload: string; qrVersion: number; form: string; code: string }>(r);
    expect(out).toMatchObject({ form: 'label', code: unit.code });
    expect(out.qrVersion).toBeLessThanOrEqual(10);
    expect(decodePng(png)).toBe(out.payload);
    expect(readFileSync(svg, 'utf8')).toMatch(/<svg[^>]+width="25mm"[\s\S]*86 1234 567890/);
    const enterpriseDir = join(pki.dir, 'enterprise');
    const ok = await robotId(['verify', out.payload, '--trust', trust, '--certs', enterpriseDir, '--json']);
    expect(json(ok)).toMatchObject({ valid: true, form: 'label', code: unit.code, enterprise: '1234' });
    const bundle = join(dir, 'bundle.json');
    expect((await robotId(['bundle', '--trust', trust, '--certs', enterpriseDir, '--out', bundle])).status).toBe(0);
    expect(json(await robotId(['verify', join(unit.stateDir, 'label.cose'), '--trust', bundle, '--json']))).toMatchObject({ valid: true, form: 'label' });
    const unknown = await robotId(['verify', out.payload, '--trust', trust, '--json']);
    expect(unknown.status).toBe(1);
    expect(json(unknown)).toMatchObject({ valid: false, error: { code: 'TRUST_UNKNOWN_SIGNER' } });
  });
});
