import QRCode from 'qrcode';

/** Renders a payload as a PNG the TrueMoney app (or any QR decoder) can read. */
export async function renderQrPng(payload: string): Promise<Buffer> {
  return QRCode.toBuffer(payload, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 8 });
}

/**
 * Rendered PNGs, kept by charge id. A QR never changes once its charge exists, so an
 * entry is valid forever; the map is bounded so memory stays flat under load.
 */
export class QrPngCache {
  private readonly entries = new Map<string, Buffer>();
  constructor(private readonly entriesMax = 1000) {}

  async get(key: string, payload: () => string): Promise<Buffer> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const png = await renderQrPng(payload());
    this.entries.set(key, png);
    if (this.entries.size > this.entriesMax) this.entries.delete(this.entries.keys().next().value!);
    return png;
  }
}
