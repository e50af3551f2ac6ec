/** Two QR decoders nobody here wrote, for the tests: jsQR (in-process) and zbarimg (Debian's zbar-tools, when installed). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';

// jsqr is a UMD bundle whose module.exports is the function; its typings say `export default`.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default;

export const zbarimgAvailable = spawnSync('zbarimg', ['--version'], { encoding: 'utf8' }).error === undefined;

/** The text of the QR code in a PNG, read by jsQR (null when it finds none). */
export function readQrPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height)?.data ?? null;
}

/** The text of the QR code in a PNG, read by jsQR; fails the test when there is none. */
export function decodePng(png: Buffer, what = 'jsQR found a QR code in the PNG'): string {
  const text = readQrPng(png);
  assert.ok(text !== null, what);
  return text;
}

/** The text of the QR code in a PNG, read by zbarimg. */
export function zbarDecode(png: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'satang-qr-'));
  try {
    const file = join(dir, 'qrcode.png');
    writeFileSync(file, png);
    const result = spawnSync('zbarimg', ['--quiet', '--raw', file], { encoding: 'utf8' });
    assert.equal(result.status, 0, `zbarimg failed: ${result.stderr}`);
    return result.stdout.replace(/\r?\n$/, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
