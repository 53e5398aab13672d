/**
 * The embedded fill engines (heal, patchmatch, telea, ns) behind one small interface. An engine fills the editable
 * pixels of an RGBA image from the rest of it; pixels outside the mask are returned untouched.
 */
import { countNonZero, pixelCount, sameSize, type EditMask, type Raster } from '../core/raster.js';
import { ImageError, MaskError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';

// The names are core's (core/choices.ts), shared with the CLI's option tables, the server and the studio.
export { DEFAULT_ENGINE, ENGINE_NAMES, type EngineName } from '../core/choices.js';
import type { EngineName } from '../core/choices.js';
/** Engines that use a helper thread of their own: a server runs one of their fills at a time. */
export const THREADED_ENGINES: readonly string[] = ['heal', 'patchmatch'];

export interface FillOptions {
  /** Seed for anything random; the same seed gives the same output. Default 1. */
  seed?: number;
  /** Engine-specific knobs (patch size, iterations, radius…), documented by each engine. */
  [key: string]: unknown;
}

export interface Engine {
  readonly name: EngineName | string;
  /**
   * Returns a new RGBA raster: `image` where `mask` is 0, filled content where `mask` is non-zero.
   * Throws MaskError `MASK_ALL_EDITABLE` when nothing is known to fill from, `MASK_NOTHING_EDITABLE` never
   * (an empty mask returns a copy), and AbortError when `signal` fires.
   */
  fill(image: Raster & { channels: 4 }, mask: EditMask, options?: FillOptions, signal?: AbortSignal, onProgress?: ProgressCallback): Promise<Raster & { channels: 4 }>;
}

/**
 * The checks every engine makes before filling: RGBA image, one-channel mask of the same size, something known
 * to fill from. Returns the number of hole pixels (any non-zero mask value is a hole); 0 means "return a copy".
 *
 * @example
 * const holes = checkFillInputs(image, mask); if (holes === 0) return cloneRaster(image);
 */
export function checkFillInputs(image: Raster, mask: Raster): number {
  if (image.channels !== 4) {
    throw new ImageError('IMAGE_NOT_RGBA', `the fill engine needs an RGBA image, received ${image.channels} channel(s)`, 'convert the image with toRgba() from core/raster before filling');
  }
  if (mask.channels !== 1) {
    throw new MaskError('MASK_NOT_SINGLE_CHANNEL', `the fill engine needs a one-channel edit mask, received ${mask.channels} channel(s)`, 'read the mask with readEditMask() (io/mask) or use extractChannel() to pick one channel');
  }
  if (!sameSize(image, mask)) {
    throw new MaskError('MASK_SIZE_MISMATCH', `mask is ${mask.width}x${mask.height} but image is ${image.width}x${image.height}`, 'resize the mask with `maskedit mask MASK -o OUT --match IMAGE`');
  }
  const holes = countNonZero(mask as EditMask);
  if (holes === pixelCount(image)) {
    throw new MaskError('MASK_ALL_EDITABLE', `every pixel of the ${image.width}x${image.height} mask is editable, so there is nothing to fill from`, 'keep part of the image: shrink the mask with `maskedit mask MASK -o OUT --shrink 16`, or edit with --provider openai');
  }
  return holes;
}

/**
 * One numeric engine option, checked: `fallback` when absent, else a finite number (a whole one when `integer`)
 * from `min` to `max`; anything else is a RangeError naming the engine, the option, the range and the value.
 *
 * @example
 * engineNumber('heal', { patchSize: 9 }, 'patchSize', 7, 3, 15, true) // 9
 */
export function engineNumber(engine: string, o: FillOptions, key: string, fallback: number, min: number, max: number, integer = false): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(integer ? Number.isInteger(v) : Number.isFinite(v)) || v < min || v > max) {
    throw new RangeError(`${engine} option ${key} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, received ${JSON.stringify(v)}`);
  }
  return v;
}
