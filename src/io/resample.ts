/**
 * Resampling for the pipeline's hot path through libvips (sharp): a 2 MP crop scales in ~20 ms here against
 * ~150 ms for the pure-TypeScript `core/resize` (which stays for the browser and for exact unit tests).
 * sharp premultiplies alpha while it scales, so transparent pixels do not bleed their colour.
 */
import sharp from 'sharp';
import type { Raster } from '../core/raster.js';

/**
 * @example
 * const sent = await resample(crop, 1536, 1024);            // linear (default): no ringing halos at edges
 * const sentMask = await resample(mask, 1536, 1024, 'nearest');
 */
export async function resample<R extends Raster>(raster: R, width: number, height: number, kernel: 'nearest' | 'linear' = 'linear'): Promise<R> {
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
