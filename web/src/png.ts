/**
 * A minimal RGBA PNG encoder (PNG spec §11: IHDR colour type 6, bit depth 8, filter 0 per row, one zlib IDAT).
 * The browser's canvas `toBlob` cannot be trusted for masks: it premultiplies alpha and may drop an all-opaque
 * alpha channel, and OpenAI rejects a mask without alpha. zlib comes from the platform's CompressionStream.
 *
 * @example
 * const blob = await encodePng(1024, 1024, mask.toApiRgba());
 */
import { PNG_SIGNATURE_BYTES, pngChunk as chunk } from 'maskedit/client';

async function deflate(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function encodePng(width: number, height: number, rgba: Uint8Array): Promise<Blob> {
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const signature = new Uint8Array(PNG_SIGNATURE_BYTES);
  const parts = [signature, chunk('IHDR', ihdr), chunk('IDAT', await deflate(raw)), chunk('IEND', new Uint8Array(0))];
  return new Blob(parts, { type: 'image/png' });
}
