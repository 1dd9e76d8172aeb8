/**
 * `robot-id qr`: the unit's identity record as a QR code (docs/protocol.md §"QR identity
 * payload"): `RID1:` + base45 of the signed record, in the terminal and optionally as a PNG,
 * so a phone or laptop can verify the unit offline with `robot-id verify RID1:...`.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { QR_PAYLOAD_MAX_CHARS, STATE_FILES, encodeQrPayload } from '../../sdk/index.js';
import { EXIT, optionalString, type Command, type Values } from '../command.js';
import { callAgent } from '../technician/client.js';
import { withAgent } from '../technician/errors.js';
import { TARGET_USAGE, resolveTarget, targetOptions } from '../technician/target.js';

/** Error correction M (15 %): survives a scuffed label; the size cap keeps it at version 27 or below. */
const QR_OPTIONS = { errorCorrectionLevel: 'M' } as const;

async function recordBytes(values: Values): Promise<Uint8Array> {
  const file = optionalString(values, 'identity');
  if (file) {
    const path = statSync(file).isDirectory() ? join(file, STATE_FILES.identity) : file;
    return new Uint8Array(readFileSync(path));
  }
  const { body } = await callAgent<{ identity: string }>(resolveTarget(values), 'GET', '/v1/identity');
  return new Uint8Array(Buffer.from(body.identity, 'base64'));
}

export const qrCommand: Command = {
  path: ['qr'],
  summary: `the signed identity as a QR code (terminal, --png <file>); payload RID1:<base45>, at most ${QR_PAYLOAD_MAX_CHARS} characters`,
  usage: `qr [--identity <file|state-dir>] [--png <file>] [--text] ${TARGET_USAGE}`,
  options: { ...targetOptions, identity: { type: 'string' }, png: { type: 'string' }, text: { type: 'boolean' } },
  async run(values, _p, io) {
    const json = values.json === true;
    return withAgent(io, json, async () => {
      const payload = encodeQrPayload(await recordBytes(values));
      const version = QRCode.create(payload, QR_OPTIONS).version;
      const png = optionalString(values, 'png');
      if (png) await QRCode.toFile(png, payload, { ...QR_OPTIONS, type: 'png', margin: 4, scale: 4 });
      if (json) io.out(JSON.stringify({ payload, chars: payload.length, qrVersion: version, errorCorrection: 'M', ...(png ? { png } : {}) }));
      else if (values.text) io.out(payload);
      else {
        // Colour codes only on a terminal; piped or redirected, plain block characters.
        io.out(io.isTerminal ? await QRCode.toString(payload, { ...QR_OPTIONS, type: 'terminal', small: true }) : await QRCode.toString(payload, { ...QR_OPTIONS, type: 'utf8' }));
        io.out(`${payload.length} characters, QR version ${version}-M${png ? `, written to ${png}` : ''}; verify with: robot-id verify <payload> --trust <trust-store>`);
      }
      return EXIT.OK;
    });
  },
};
