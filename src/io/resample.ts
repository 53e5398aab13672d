/**
 * Every resize in maskedit's Node code goes through this module (libvips via sharp): a 2 MP crop scales in ~20 ms
 * here against ~150 ms for the pure-TypeScript `core/resize` (which stays for the browser and for exact unit
 * tests). sharp premultiplies alpha while it scales, so transparent pixels do not bleed their colour.
 *
 * Kernels: `linear` for what the pipeline sends and maps back (no ringing halos at the edit's edges), `nearest`
 * for masks, `lanczos3` for a whole picture shown at another size (the local provider's answer at a model size),
 * `cubic` for the server's progressive partial images.
 */
import sharp from 'sharp';
import type { Raster } from '../core/raster.js';

/**
 * @example
 * const sent = await resample(crop, 1536, 1024);            // linear (default): no ringing halos at edges
 * const sentMask = await resample(mask, 1536, 1024, 'nearest');
 */
export type Kernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

export async function resample<R extends Raster>(raster: R, width: number, height: number, kernel: Kernel = 'linear'): Promise<R> {
  if (raster.width === width && raster.height === height) return raster;
  let pipeline = sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: raster.channels } })
    .resize(width, height, { fit: 'fill', kernel });
  // libvips would widen gray to sRGB on output; keep one (or two) channels.
  if (raster.channels <= 2) pipeline = pipeline.toColourspace('b-w');
  const { data, info } = await pipeline
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== raster.channels) throw new Error(`resample changed the channel count from ${raster.channels} to ${info.channels}`);
  return { ...raster, width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/**
 * A region of `raster` scaled to `width`×`height` in one libvips pipeline (no copy of the region at full size).
 *
 * @example
 * const small = await resampleRegion(photo, { x: 800, y: 600, width: 2400, height: 1800 }, 560, 420);
 */
export async function resampleRegion<R extends Raster>(raster: R, region: { x: number; y: number; width: number; height: number }, width: number, height: number): Promise<R> {
  let pipeline = sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: raster.channels } })
    .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
    .resize(width, height, { fit: 'fill', kernel: 'linear' });
  if (raster.channels <= 2) pipeline = pipeline.toColourspace('b-w');
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== raster.channels) throw new Error(`resampleRegion changed the channel count from ${raster.channels} to ${info.channels}`);
  return { ...raster, width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/**
 * A thumbnail PNG at most `size` px on its long side (never enlarged), from a raster or from an encoded image
 * (EXIF orientation applied, at most `maxPixels` decoded; null when the bytes cannot be decoded).
 *
 * @example
 * const png = await thumbnailPng(result.outputs[0], 256);
 */
export async function thumbnailPng(source: Raster, size: number): Promise<Buffer>;
export async function thumbnailPng(source: Uint8Array, size: number, maxPixels: number): Promise<Buffer | null>;
export async function thumbnailPng(source: Raster | Uint8Array, size: number, maxPixels?: number): Promise<Buffer | null> {
  const fit = { fit: 'inside', withoutEnlargement: true } as const;
  if (!(source instanceof Uint8Array)) {
    return sharp(source.data, { raw: { width: source.width, height: source.height, channels: source.channels as 4 } })
      .resize(size, size, fit).png({ compressionLevel: 6 }).toBuffer();
  }
  try {
    return await sharp(source, { limitInputPixels: maxPixels ?? false, failOn: 'error' }).rotate().resize(size, size, fit).png().toBuffer();
  } catch {
    return null;
  }
}

/**
 * An encoded mask scaled to `width`×`height` with nearest neighbour (alpha added when missing, kept as is
 * otherwise), as PNG bytes: for a stored mask reused on an image of another size.
 */
export async function resizeMaskPng(mask: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(await sharp(mask).ensureAlpha().resize(width, height, { fit: 'fill', kernel: 'nearest' }).png().toBuffer());
}
