/**
 * Every resize in maskedit's Node code goes through this module (libvips via sharp): a 2 MP crop scales in ~20 ms
 * here against ~150 ms for the pure-TypeScript `core/resize` (which stays for the browser and for exact unit
 * tests). sharp premultiplies alpha while it scales, so transparent pixels do not bleed their colour.
 *
 * Kernels: `linear` for what the pipeline sends and maps back (no ringing halos at the edit's edges), `nearest`
 * for masks, `lanczos3` for a whole picture shown at another size (the local provider's answer at a model size),
 * `cubic` for the server's progressive partial images.
 */
import { availableParallelism } from 'node:os';
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
  return scaleInStrips(raster, undefined, width, height, kernel, stripCount(width, height));
}

/**
 * A region of `raster` scaled to `width`×`height` in one libvips pipeline (no copy of the region at full size).
 *
 * @example
 * const small = await resampleRegion(photo, { x: 800, y: 600, width: 2400, height: 1800 }, 560, 420);
 */
export async function resampleRegion<R extends Raster>(raster: R, region: Region, width: number, height: number): Promise<R> {
  return scaleInStrips(raster, region, width, height, 'linear', stripCount(width, height));
}

type Region = { x: number; y: number; width: number; height: number };

/** Output pixels per strip: below this a resize is one pipeline; resampleEachStrip's bands are about this big. */
const STRIP_PIXELS = 1 << 18;
/** At most this many strips: libuv's pool has 4 threads, and a server runs other work on them too. */
const MAX_STRIPS = 4;

/**
 * How many horizontal strips a `width`×`height` resize is cut into: one per CPU, at most {@link MAX_STRIPS},
 * each at least {@link STRIP_PIXELS} output pixels (1 for a small resize).
 *
 * Why: sharp runs each pipeline on one libvips thread on glibc Linux (its default concurrency there is 1, to
 * limit memory fragmentation), so a 1.6 MP map-back took ~80 ms on one core of two. Each strip is its own
 * pipeline (resize, then extract the strip's rows) on libuv's pool, and libvips computes every output pixel from
 * the input alone, so the strips joined are byte for byte the whole resize (tested for every kernel).
 */
export function stripCount(width: number, height: number, cpus = availableParallelism()): number {
  return Math.max(1, Math.min(cpus, MAX_STRIPS, Math.floor((width * height) / STRIP_PIXELS), height));
}

/**
 * `raster` (or its `region`) scaled to `width`×`height` with `kernel`, as `strips` pipelines whose rows are
 * joined in order. Exported for the tests, which compare every strip count with one pipeline.
 */
export async function scaleInStrips<R extends Raster>(raster: R, region: Region | undefined, width: number, height: number, kernel: Kernel, strips: number): Promise<R> {
  const channels = raster.channels;
  const rows = Math.ceil(height / strips);
  const parts = await Promise.all(Array.from({ length: Math.ceil(height / rows) }, (_, k) => rowsOf(raster, region, width, height, kernel, k * rows, Math.min(rows, height - k * rows))));
  if (parts.length === 1) {
    const { data, info } = parts[0]!;
    return { ...raster, width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  }
  const data = new Uint8Array(width * height * channels);
  let at = 0;
  for (const part of parts) { data.set(part.data, at); at += part.data.length; }
  return { ...raster, width, height, data };
}

/** Rows `top` to `top + rows` of `raster` (or its `region`) scaled to `width`×`height`: one libvips pipeline. */
async function rowsOf(raster: Raster, region: Region | undefined, width: number, height: number, kernel: Kernel, top: number, rows: number) {
  const channels = raster.channels;
  let pipeline = sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels } });
  if (region) pipeline = pipeline.extract({ left: region.x, top: region.y, width: region.width, height: region.height });
  pipeline = pipeline.resize(width, height, { fit: 'fill', kernel });
  // An extract after the resize takes rows of the scaled image (sharp orders it after the resize).
  if (rows < height) pipeline = pipeline.extract({ left: 0, top, width, height: rows });
  // libvips would widen gray to sRGB on output; keep one (or two) channels.
  if (channels <= 2) pipeline = pipeline.toColourspace('b-w');
  const out = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (out.info.channels !== channels) throw new Error(`resample changed the channel count from ${channels} to ${out.info.channels}`);
  return out;
}

/** Rows per strip of {@link resampleEachStrip}: about STRIP_PIXELS, a multiple of 4 (whole 4×4 cells for spillover), or all rows. */
export function eachStripRows(width: number, height: number): number {
  return Math.min(height, Math.max(4, 4 * Math.round(STRIP_PIXELS / width / 4)));
}

/**
 * {@link resample}, handing each band of rows to `onStrip` as soon as it is scaled (in order, each but the last a
 * multiple of 4 rows): the caller measures one band on the main thread while libvips scales the next ones. Two
 * strips are in flight, so libvips keeps working while the main thread is busy. The same bytes as `resample`.
 *
 * @example
 * const back = await resampleEachStrip(answer, box.width, box.height, 'linear', (rows, y0, n) => meter.rows(rows, y0, n));
 */
export async function resampleEachStrip<R extends Raster>(raster: R, width: number, height: number, kernel: Kernel, onStrip: (rows: Uint8Array | Uint8ClampedArray, y0: number, count: number) => void): Promise<R> {
  if (raster.width === width && raster.height === height) {
    onStrip(raster.data, 0, height);
    return raster;
  }
  const channels = raster.channels;
  const rows = eachStripRows(width, height);
  const count = Math.ceil(height / rows);
  const start = (k: number) => {
    const p = rowsOf(raster, undefined, width, height, kernel, k * rows, Math.min(rows, height - k * rows));
    // A strip that fails is reported where it is awaited, not as unhandled while an earlier one is measured.
    p.catch(() => {});
    return p;
  };
  const pending = [start(0)];
  if (count > 1) pending.push(start(1));
  const data = new Uint8Array(width * height * channels);
  for (let k = 0; k < count; k++) {
    const part = (await pending[k]!).data;
    if (k + 2 < count) pending.push(start(k + 2));
    const at = k * rows * width * channels;
    data.set(part, at);
    onStrip(data.subarray(at, at + part.length), k * rows, part.length / (width * channels));
  }
  return { ...raster, width, height, data };
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
