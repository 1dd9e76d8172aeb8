/**
 * `robot-id qr`: the unit's QR code. By default the label (docs/protocol.md §"Label payload"):
 * `RL1:` + base45 of the enterprise-signed label, a version 10 code at most, written as a PNG
 * (--png) or SVG (--svg) with the robot code printed under it, sized for a 25 or 50 mm label.
 * `--identity <file|state-dir>` or `--record` give the full identity record instead
 * (`RID1:`, §"QR identity payload"; about version 19). Either verifies with `robot-id verify`.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { LABEL_PAYLOAD_MAX_CHARS, QR_PAYLOAD_MAX_CHARS, STATE_FILES, decodeLabelPayload, encodeLabelPayload, encodeQrPayload, formatCode, labelKind, openSign1 } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, type Command, type Values } from '../command.js';
import { DEFAULT_DPI, LABEL_SIZES_MM, codeLines, qrVersion, renderLabelPng, renderLabelSvg } from '../label/render.js';
import { callAgent } from '../technician/client.js';
import { withAgent } from '../technician/errors.js';
import { TARGET_USAGE, resolveTarget, targetOptions } from '../technician/target.js';

const QR_OPTIONS = { errorCorrectionLevel: 'M' } as const;

function fileIn(path: string, name: string): Uint8Array {
  return new Uint8Array(readFileSync(statSync(path).isDirectory() ? join(path, name) : path));
}

/** The payload to print and the code it names. */
async function payloadOf(values: Values): Promise<{ payload: string; form: 'label' | 'record' }> {
  const identity = optionalString(values, 'identity');
  const label = optionalString(values, 'label');
  if (identity && label) throw new UsageError('--identity and --label: give one');
  if (identity) return { payload: encodeQrPayload(fileIn(identity, STATE_FILES.identity)), form: 'record' };
  if (label) return { payload: encodeLabelPayload(fileIn(label, STATE_FILES.label)), form: 'label' };
  const { body } = await callAgent<{ identity: string; label?: string }>(resolveTarget(values), 'GET', '/v1/identity');
  if (values.record === true) return { payload: encodeQrPayload(new Uint8Array(Buffer.from(body.identity, 'base64'))), form: 'record' };
  if (body.label === undefined) throw new UsageError('this unit holds no label (provisioned before labels): use --record for the full identity record');
  return { payload: encodeLabelPayload(new Uint8Array(Buffer.from(body.label, 'base64'))), form: 'label' };
}

/** The code a payload names, for the line under the QR code (read, not verified: printing is not judging). */
function codeOf(payload: string, form: 'label' | 'record'): string | undefined {
  if (form !== 'label') return undefined;
  return openSign1(labelKind, decodeLabelPayload(payload)).value.code;
}

function sizeMm(values: Values): number {
  const raw = optionalString(values, 'size') ?? '50';
  const n = Number(raw.replace(/mm$/, ''));
  if (!(LABEL_SIZES_MM as readonly number[]).includes(n)) throw new UsageError(`--size: expected ${LABEL_SIZES_MM.join(' or ')} (mm), got ${raw}`);
  return n;
}

function dpiOf(values: Values): number {
  const raw = optionalString(values, 'dpi');
  const n = raw === undefined ? DEFAULT_DPI : Number(raw);
  if (!Number.isInteger(n) || n < 72 || n > 2400) throw new UsageError(`--dpi: expected 72..2400, got ${raw}`);
  return n;
}

export const qrCommand: Command = {
  path: ['qr'],
  summary: `the unit's QR code: the signed label (RL1:, at most ${LABEL_PAYLOAD_MAX_CHARS} characters, version 10) as PNG/SVG with the code under it, or the full record (RID1:, at most ${QR_PAYLOAD_MAX_CHARS})`,
  usage: `qr [--label <file|state-dir> | --identity <file|state-dir> | --record] [--png <file>] [--svg <file>] [--size 25|50] [--dpi <n>] [--text] ${TARGET_USAGE}`,
  options: {
    ...targetOptions,
    identity: { type: 'string' },
    label: { type: 'string' },
    record: { type: 'boolean' },
    png: { type: 'string' },
    svg: { type: 'string' },
    size: { type: 'string' },
    dpi: { type: 'string' },
    text: { type: 'boolean' },
  },
  async run(values, _p, io) {
    const json = values.json === true;
    const widthMm = sizeMm(values);
    const dpi = dpiOf(values);
    return withAgent(io, json, async () => {
      const { payload, form } = await payloadOf(values);
      const version = qrVersion(payload);
      const code = codeOf(payload, form);
      const lines = code ? codeLines(formatCode(code, { separator: ' ' })) : (['', ''] as [string, string]);
      const png = optionalString(values, 'png');
      const svg = optionalString(values, 'svg');
      if (png) {
        if (code) writeFileSync(png, renderLabelPng({ payload, lines, widthMm }, dpi));
        else await QRCode.toFile(png, payload, { ...QR_OPTIONS, type: 'png', margin: 4, scale: 4 });
      }
      if (svg) writeFileSync(svg, code ? renderLabelSvg({ payload, lines, widthMm }) : await QRCode.toString(payload, { ...QR_OPTIONS, type: 'svg', margin: 4 }));
      const written = [png, svg].filter((f): f is string => f !== undefined);
      if (json) {
        io.out(JSON.stringify({ payload, form, chars: payload.length, qrVersion: version, errorCorrection: 'M', ...(code ? { code, sizeMm: widthMm, dpi } : {}), ...(png ? { png } : {}), ...(svg ? { svg } : {}) }));
      } else if (values.text) io.out(payload);
      else {
        // Colour codes only on a terminal; piped or redirected, plain block characters.
        io.out(io.isTerminal ? await QRCode.toString(payload, { ...QR_OPTIONS, type: 'terminal', small: true }) : await QRCode.toString(payload, { ...QR_OPTIONS, type: 'utf8' }));
        if (code) io.out(lines.join('  '));
        io.out(`${form}: ${payload.length} characters, QR version ${version}-M${written.length ? `, written to ${written.join(' and ')}` : ''}; verify with: robot-id verify <payload> --trust <bundle>`);
      }
      return EXIT.OK;
    });
  },
};
