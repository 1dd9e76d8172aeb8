/**
 * The printed label (docs/cli.md §"qr"): the QR code of the label payload with the robot code
 * under it in its display form, two lines (country enterprise model / serial), sized for a
 * 25 mm or a 50 mm label. PNG at a given resolution (pngjs, the 5x7 font in font.ts) or SVG in
 * millimetres (the printer's own font).
 */
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, drawText } from './font.js';

export const LABEL_SIZES_MM = [25, 50] as const;
export const DEFAULT_DPI = 300;
/** Quiet zone in modules (ISO/IEC 18004 asks for 4). */
const QUIET = 4;

export interface LabelArt {
  payload: string;
  /** Two lines of the code's display form. */
  lines: [string, string];
  widthMm: number;
}

function matrix(payload: string): { size: number; dark(x: number, y: number): boolean; version: number } {
  const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const m = qr.modules;
  return { size: m.size, dark: (x, y) => Boolean(m.get(y, x)), version: qr.version };
}

/** Splits "86 1234 567890 12345678901234567" after the model segment. */
export function codeLines(display: string): [string, string] {
  const parts = display.split(/[ -]/);
  return parts.length === 4 ? [parts.slice(0, 3).join(' '), parts[3]!] : [display, ''];
}

export function renderLabelPng(art: LabelArt, dpi = DEFAULT_DPI): Buffer {
  const widthPx = Math.round((art.widthMm / 25.4) * dpi);
  const qr = matrix(art.payload);
  const modules = qr.size + 2 * QUIET;
  const scale = Math.max(1, Math.floor(widthPx / modules));
  const qrPx = modules * scale;
  const longest = Math.max(...art.lines.map((l) => l.length), 1);
  const fontScale = Math.max(1, Math.floor((widthPx * 0.92) / (longest * GLYPH_ADVANCE)));
  const lineHeight = (GLYPH_HEIGHT + 3) * fontScale;
  const width = Math.max(widthPx, qrPx);
  const height = qrPx + lineHeight * art.lines.length + 2 * fontScale;
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data.fill(255);
  const set = (x: number, y: number): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) << 2;
    png.data[i] = png.data[i + 1] = png.data[i + 2] = 0;
    png.data[i + 3] = 255;
  };
  const left = Math.floor((width - qrPx) / 2);
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      if (!qr.dark(x, y)) continue;
      for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) set(left + (x + QUIET) * scale + dx, (y + QUIET) * scale + dy);
    }
  }
  art.lines.forEach((line, row) => {
    const textWidth = line.length * GLYPH_ADVANCE * fontScale;
    const x0 = Math.floor((width - textWidth) / 2);
    const y0 = qrPx + row * lineHeight;
    drawText(line, (x, y) => {
      for (let dy = 0; dy < fontScale; dy++) for (let dx = 0; dx < fontScale; dx++) set(x0 + x * fontScale + dx, y0 + y * fontScale + dy);
    });
  });
  // RGBA in memory, written as 8-bit greyscale.
  return PNG.sync.write(png, { colorType: 0 });
}

const escapeXml = (s: string): string => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

export function renderLabelSvg(art: LabelArt): string {
  const qr = matrix(art.payload);
  const modules = qr.size + 2 * QUIET;
  const mm = art.widthMm / modules; // one module in millimetres
  const fontMm = Math.min(art.widthMm / 12, (art.widthMm * 0.92) / (Math.max(...art.lines.map((l) => l.length), 1) * 0.62));
  const heightMm = art.widthMm + art.lines.length * fontMm * 1.3 + fontMm * 0.4;
  let path = '';
  for (let y = 0; y < qr.size; y++) for (let x = 0; x < qr.size; x++) if (qr.dark(x, y)) path += `M${x + QUIET} ${y + QUIET}h1v1h-1z`;
  const texts = art.lines
    .map((line, i) => `<text x="${art.widthMm / 2}" y="${(art.widthMm + fontMm * (1.05 + i * 1.3)).toFixed(2)}" text-anchor="middle" font-family="DejaVu Sans Mono, Consolas, monospace" font-size="${fontMm.toFixed(2)}">${escapeXml(line)}</text>`)
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${art.widthMm}mm" height="${heightMm.toFixed(2)}mm" viewBox="0 0 ${art.widthMm} ${heightMm.toFixed(2)}">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<path transform="scale(${mm.toFixed(5)})" fill="#000" shape-rendering="crispEdges" d="${path}"/>` +
    `${texts}</svg>\n`
  );
}

export function qrVersion(payload: string): number {
  return matrix(payload).version;
}
