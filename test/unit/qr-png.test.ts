/**
 * The QR image itself: a standard PNG (every chunk's CRC right, read by pngjs, jsQR and zbarimg) of
 * 8 pixels per module inside a 4-module quiet zone, cheap to render, and a cache of them bounded by
 * bytes as well as entries.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { billPaymentPayload } from '../../src/qr/payload.js';
import { QrPngCache, renderQrPng } from '../../src/qr/png.js';
import { inCi } from '../support/harness.js';
import { readQrPng, zbarDecode, zbarimgAvailable } from '../support/qr-decoders.js';

/** A realistic payload: a 15-digit biller id, a 16-character ref1, an amount and an ASCII name. */
function payload(n: number): string {
  const ref1 = `R${n.toString(36).toUpperCase()}`.padEnd(16, 'Q');
  return billPaymentPayload({ billerId: '010555000000101', ref1, amountSatang: 10_000 + n, merchantName: 'Satang Sandbox Shop' });
}

/** Chunk types in order; throws when a length runs past the end or a CRC is wrong. */
function chunkTypes(png: Buffer): string[] {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const types: string[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    assert.ok(at + 12 + length <= png.length, `chunk at ${at} runs past the end`);
    const type = png.toString('latin1', at + 4, at + 8);
    assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `CRC of ${type}`);
    types.push(type);
    at += 12 + length;
  }
  return types;
}

test('a QR PNG is standard (CRCs right, IHDR IDAT IEND), 8 px per module in a 4-module white margin, pixel for pixel qrcode\'s own PNG, and decodes to exactly its payload', async () => {
  for (const n of [1, 77, 4242]) {
    const text = payload(n);
    const png = await renderQrPng(text);
    const types = chunkTypes(png);
    assert.equal(types[0], 'IHDR');
    assert.equal(types.at(-1), 'IEND');
    assert.ok(types.includes('IDAT'));

    const image = PNG.sync.read(png, { checkCRC: true } as object);
    assert.equal(image.width, image.height, 'square');
    const modules = image.width / 8 - 2 * 4;
    assert.ok(Number.isInteger(modules) && (modules - 17) % 4 === 0 && modules >= 21, `${image.width} px is a whole QR version at 8 px per module (${modules} modules)`);
    const dark = (x: number, y: number) => image.data[(y * image.width + x) * 4] < 128;
    for (let i = 0; i < 32; i++) {
      assert.ok(!dark(i, i) && !dark(image.width - 1 - i, i) && !dark(i, image.height - 1 - i), `the quiet zone is white at ${i}`);
    }
    // The top-left finder pattern starts right after the margin, 7 modules of dark edge.
    for (let x = 32; x < 32 + 7 * 8; x++) assert.ok(dark(x, 32), `finder pattern edge at x=${x}`);
    assert.ok(!dark(32 + 7 * 8, 32), 'the separator after the finder pattern is white');

    // The same picture qrcode's own PNG writer makes at scale 8 and margin 4 (RGBA, about 15 times the CPU).
    const reference = PNG.sync.read(await QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 8 }));
    assert.equal(reference.width, image.width, 'the same size');
    let differing = 0;
    for (let i = 0; i < image.data.length; i += 4) if (image.data[i] < 128 !== reference.data[i] < 128) differing++;
    assert.equal(differing, 0, 'the same pixels');

    assert.equal(readQrPng(png), text, 'jsQR reads the payload back');
    if (zbarimgAvailable || inCi) assert.equal(zbarDecode(png), text, 'zbarimg reads the payload back');
  }
});

test('the PNG cache is keyed by payload and bounded by bytes as well as entries', async () => {
  const one = await renderQrPng(payload(1));
  const bytesMax = one.length * 5;
  const cache = new QrPngCache({ entriesMax: 1000, bytesMax });
  const first = await cache.get(payload(1));
  assert.ok(first.equals(one), 'the cached PNG is the rendered one');
  assert.equal(await cache.get(payload(1)), first, 'the same payload is a hit (the same buffer)');
  assert.notDeepEqual(await cache.get(payload(2)), first, 'another payload is another image');
  const [a, b] = await Promise.all([cache.get(payload(3)), cache.get(payload(3))]);
  assert.equal(a, b, 'two downloads of one payload at once share one drawing');

  for (let n = 4; n < 60; n++) {
    await cache.get(payload(n));
    assert.ok(cache.bytes <= bytesMax, `after ${n} images the cache holds ${cache.bytes} bytes (at most ${bytesMax})`);
  }
  assert.ok(cache.entries >= 3 && cache.entries <= 6, `${cache.entries} entries fit in ${bytesMax} bytes`);
  const last = await cache.get(payload(59));
  assert.equal(await cache.get(payload(59)), last, 'the most recent image is still cached');

  const byCount = new QrPngCache({ entriesMax: 3, bytesMax: 1024 * 1024 });
  for (let n = 0; n < 10; n++) await byCount.get(payload(n));
  assert.equal(byCount.entries, 3, 'and at most entriesMax entries');
});

test('misses are rendered a few per turn of the event loop: 50 downloads arriving together do not hold a timer (or a /healthz) until all are drawn', async () => {
  const cache = new QrPngCache();
  let drawn = 0;
  let drawnWhenTimerFired = -1;
  const timer = new Promise<void>((resolve) =>
    setTimeout(() => {
      drawnWhenTimerFired = drawn;
      resolve();
    }, 0),
  );
  const images = await Promise.all(Array.from({ length: 50 }, (_, n) => Promise.resolve(cache.get(payload(200_000 + n))).then((png) => (drawn++, png))));
  await timer;
  assert.equal(new Set(images.map((png) => png.toString('base64'))).size, 50, '50 distinct images');
  assert.ok(drawnWhenTimerFired >= 0 && drawnWhenTimerFired < 25, `the timer fired after ${drawnWhenTimerFired} of 50 images`);
});
