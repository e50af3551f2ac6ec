/**
 * Reading a QR from a picture, for callers of the JSON API that have an image rather than its text
 * (the simulator page decodes pictures in the browser instead). PNG only, decoded with pngjs and jsQR,
 * its size checked from the header before any pixel is decoded.
 */
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { OmiseError } from '../../domain/errors.js';
import { qrImagePixelsMax } from '../../domain/limits.js';

// jsqr is a UMD bundle whose module.exports is the function; its typings say `export default`.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default;

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** `image` is base64 PNG, optionally as a data: URL. Returns the text of the QR code in it. */
export function decodeQrImage(image: unknown): string {
  if (typeof image !== 'string' || image.trim() === '') throw new OmiseError('bad_request', 'image must be a base64 PNG');
  const base64 = image.trim().replace(/^data:image\/png;base64,/i, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new OmiseError('bad_request', 'image must be a base64 PNG');
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(pngSignature)) throw new OmiseError('bad_request', 'image is not a PNG');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0 || width * height > qrImagePixelsMax) {
    throw new OmiseError('bad_request', `image must be at most ${qrImagePixelsMax} pixels (it is ${width}x${height})`);
  }
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch {
    throw new OmiseError('bad_request', 'image is not a readable PNG');
  }
  const code = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  if (!code || code.data === '') throw new OmiseError('bad_request', 'no QR code was found in the image');
  return code.data;
}
