/**
 * The QR image of a payload, as the download_uri serves it (DECISIONS §3). qrcode makes the matrix
 * (QRCode.create: segments, error correction M, the mask with the lowest penalty); this file writes it
 * as the smallest standard PNG there is for a black-and-white picture: 1-bit grayscale, 8 px per
 * module inside a 4-module white quiet zone (pixel for pixel the RGBA image qrcode's own PNG writer
 * made, for about a fifteenth of the CPU: 0.7 ms against 11 ms). zlib (node:zlib) compresses and checksums.
 */
import { constants as zlibConstants, crc32, deflateSync } from 'node:zlib';
import QRCode from 'qrcode';
import { qrPngCacheBytesMax, qrPngCacheEntriesMax, qrRenderTurnMsMax } from '../domain/limits.js';

/** Pixels per module. At 1 bit per pixel, 8 px make one byte: a module is one byte of a scanline. */
export const qrModulePixels = 8;
/** The white margin around the code, in modules (ISO/IEC 18004 asks for 4). */
export const qrQuietZoneModules = 4;

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const grayscale = 0;
const filterNone = 0;
const filterUp = 2;
const white = 0xff;
const black = 0x00;

/** Renders a payload as a PNG the TrueMoney app (or any QR decoder) can read. About 0.7 ms of CPU. */
export function renderQrPng(payload: string): Buffer {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const widthModules = modules.size + 2 * qrQuietZoneModules;
  const widthPixels = widthModules * qrModulePixels;
  return Buffer.concat([
    pngSignature,
    chunk('IHDR', header(widthPixels)),
    chunk('IDAT', deflateSync(scanlines(modules, widthModules), { strategy: zlibConstants.Z_RLE })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** IHDR: square, bit depth 1, grayscale, deflate, adaptive filtering, no interlace. */
function header(widthPixels: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(widthPixels, 0);
  ihdr.writeUInt32BE(widthPixels, 4);
  ihdr[8] = 1;
  ihdr[9] = grayscale;
  return ihdr;
}

/**
 * The filtered image data: each row of modules is written once (filter None, one byte per module,
 * 0 = black) and its 7 repeats as filter Up, which for a repeat of the line above is all zero bytes.
 */
function scanlines(modules: { size: number; data: Uint8Array }, widthModules: number): Buffer {
  const lineBytes = 1 + widthModules;
  const lines = Buffer.alloc(lineBytes * widthModules * qrModulePixels); // zeros: what an Up repeat holds
  for (let row = 0; row < widthModules; row++) {
    const first = row * qrModulePixels * lineBytes;
    lines[first] = filterNone;
    lines.fill(white, first + 1, first + lineBytes);
    const y = row - qrQuietZoneModules;
    if (y >= 0 && y < modules.size) {
      for (let x = 0; x < modules.size; x++) if (modules.data[y * modules.size + x]) lines[first + 1 + qrQuietZoneModules + x] = black;
    }
    for (let repeat = 1; repeat < qrModulePixels; repeat++) lines[first + repeat * lineBytes] = filterUp;
  }
  return lines;
}

/** A PNG chunk: length, type, data, and the CRC-32 of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Rendered PNGs, kept by payload. A charge's payload is fixed when it is created, so one image
 * serves every download of it, and no entry can outlive what it shows: a different payload is a
 * different key. Least recently used first out, bounded by entries and by bytes (image and key) so
 * memory stays flat under load.
 *
 * Misses wait in a queue that is drawn a few images per turn of the event loop (qrRenderTurnMsMax):
 * 50 downloads arriving together would otherwise be drawn back to back, holding every other request
 * (a /healthz, an API call) for all of their 35 ms. Downloads of one payload share one drawing.
 */
export class QrPngCache {
  private readonly images = new Map<string, Buffer>();
  private heldBytes = 0;
  private readonly drawing = new Map<string, Promise<Buffer>>();
  private readonly queue: Array<{ payload: string; drawn: (png: Buffer) => void; failed: (error: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly limits: { entriesMax: number; bytesMax: number } = { entriesMax: qrPngCacheEntriesMax, bytesMax: qrPngCacheBytesMax }) {}

  get entries(): number {
    return this.images.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  async get(payload: string): Promise<Buffer> {
    const hit = this.images.get(payload);
    if (hit) {
      this.images.delete(payload);
      this.images.set(payload, hit);
      return hit;
    }
    let png = this.drawing.get(payload);
    if (png === undefined) {
      png = new Promise<Buffer>((drawn, failed) => this.queue.push({ payload, drawn, failed }));
      this.drawing.set(payload, png);
      this.schedule();
    }
    return png;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drawSome());
  }

  /** Draws queued images for at most qrRenderTurnMsMax, then lets the event loop turn. */
  private drawSome(): void {
    this.scheduled = false;
    const started = performance.now();
    do {
      const { payload, drawn, failed } = this.queue.shift()!;
      this.drawing.delete(payload);
      try {
        const png = renderQrPng(payload);
        this.keep(payload, png);
        drawn(png);
      } catch (error) {
        failed(error);
      }
    } while (this.queue.length > 0 && performance.now() - started < qrRenderTurnMsMax);
    if (this.queue.length > 0) this.schedule();
  }

  private keep(payload: string, png: Buffer): void {
    this.images.set(payload, png);
    this.heldBytes += entryBytes(payload, png);
    while (this.images.size > this.limits.entriesMax || this.heldBytes > this.limits.bytesMax) {
      const [oldest, image] = this.images.entries().next().value!;
      this.images.delete(oldest);
      this.heldBytes -= entryBytes(oldest, image);
    }
  }
}

function entryBytes(payload: string, png: Buffer): number {
  return payload.length + png.length;
}
