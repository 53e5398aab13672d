/**
 * The embedded fill engines (patchmatch, telea, ns) behind one small interface. An engine fills the editable
 * pixels of an RGBA image from the rest of it; pixels outside the mask are returned untouched.
 */
import type { EditMask, Raster } from '../core/raster.js';
import type { ProgressCallback } from '../core/progress.js';

export type EngineName = 'patchmatch' | 'telea' | 'ns';
export const ENGINE_NAMES: readonly EngineName[] = ['patchmatch', 'telea', 'ns'];
export const DEFAULT_ENGINE: EngineName = 'patchmatch';

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
