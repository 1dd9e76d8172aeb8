/**
 * Reading a QR code: the browser's BarcodeDetector where it has one (Android Chrome, Safari),
 * jsqr otherwise; from the camera or from a photo the user picks.
 */
import jsQR from 'jsqr';

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource | ImageBitmap): Promise<DetectedBarcode[]>;
}
declare const BarcodeDetector: { new (options: { formats: string[] }): BarcodeDetectorLike; getSupportedFormats?(): Promise<string[]> } | undefined;

let detector: BarcodeDetectorLike | null | undefined;

async function nativeDetector(): Promise<BarcodeDetectorLike | null> {
  if (detector !== undefined) return detector;
  detector = null;
  try {
    if (typeof BarcodeDetector !== 'undefined') {
      const formats = (await BarcodeDetector.getSupportedFormats?.()) ?? ['qr_code'];
      if (formats.includes('qr_code')) detector = new BarcodeDetector({ formats: ['qr_code'] });
    }
  } catch {
    // A BarcodeDetector that cannot start: jsqr reads instead.
    detector = null;
  }
  return detector;
}

/** Largest side a picture is scaled to before jsqr reads it (phone photos are 4000 px). */
const MAX_SIDE = 1600;

function readWithJsqr(source: CanvasImageSource, width: number, height: number): string | undefined {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(source, 0, 0, w, h);
  const data = ctx.getImageData(0, 0, w, h);
  return jsQR(data.data, w, h, { inversionAttempts: 'attemptBoth' })?.data ?? undefined;
}

async function read(source: CanvasImageSource & ImageBitmapSource, width: number, height: number): Promise<string | undefined> {
  const d = await nativeDetector();
  if (d) {
    try {
      const found = await d.detect(source);
      if (found.length > 0) return found[0]!.rawValue;
    } catch {
      // The native detector failed on this frame: fall through to jsqr.
    }
  }
  return readWithJsqr(source, width, height);
}

export async function readImageFile(file: Blob): Promise<string | undefined> {
  const bitmap = await createImageBitmap(file);
  try {
    return await read(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

export interface CameraScan {
  stop(): void;
}

/** Starts the rear camera into `video`; calls `onText` once with the first code read. */
export async function startCamera(video: HTMLVideoElement, onText: (text: string) => void): Promise<CameraScan> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  let running = true;
  const stop = (): void => {
    running = false;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
    video.hidden = true;
  };
  const tick = async (): Promise<void> => {
    if (!running) return;
    if (video.videoWidth > 0) {
      const text = await read(video, video.videoWidth, video.videoHeight);
      if (text && running) {
        stop();
        onText(text);
        return;
      }
    }
    setTimeout(() => void tick(), 150);
  };
  void tick();
  return { stop };
}
