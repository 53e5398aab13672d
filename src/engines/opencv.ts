/**
 * OpenCV's classic inpainting as engines: `telea` (Telea 2004, fast marching) and `ns` (Bertalmio, Bertozzi,
 * Sapiro 2001, Navier–Stokes), through the WASM build in `@techstark/opencv-js` (pinned 4.12.0-release.1).
 * Both propagate colour from the hole's border inwards: good for thin scratches, smeary on large holes.
 *
 * The WASM module is loaded on first use and only once per process; every Mat is deleted in a finally, since
 * WASM memory is not garbage collected.
 *
 * @example
 * const filled = await opencvEngine('telea').fill(image, mask, { radius: 5 });
 */
import { createRequire } from 'node:module';
import { MaskeditError, throwIfAborted } from '../core/errors.js';
import { cloneRaster, type EditMask, type Raster } from '../core/raster.js';
import type { ProgressCallback } from '../core/progress.js';
import { checkFillInputs, type Engine, type FillOptions } from './engine.js';

/** The few parts of OpenCV.js this file uses. */
interface Mat { data: Uint8Array; delete(): void }
interface CV {
  Mat: new (rows?: number, cols?: number, type?: number) => Mat;
  CV_8UC1: number;
  CV_8UC3: number;
  CV_8UC4: number;
  INPAINT_TELEA: number;
  INPAINT_NS: number;
  inpaint(src: Mat, mask: Mat, dst: Mat, radius: number, flags: number): void;
  onRuntimeInitialized?: () => void;
  calledRun?: boolean;
}

/** Options of the telea and ns engines. */
export interface OpencvOptions extends FillOptions {
  /** Radius of the neighbourhood each filled pixel draws from (cv.inpaint's inpaintRadius). Default 3. */
  radius?: number;
}

let loading: Promise<{ cv: CV }> | undefined;

/**
 * Loads OpenCV.js once. The package is a UMD file whose export is the Emscripten module object; it becomes
 * usable when `onRuntimeInitialized` fires. The module object has a `then` of its own, so it is wrapped in
 * `{ cv }` and never handed to a promise's resolve directly (that would recurse through its `then`).
 */
export function loadOpenCv(): Promise<{ cv: CV }> {
  loading ??= new Promise<{ cv: CV }>((resolve, reject) => {
    try {
      const require = createRequire(import.meta.url);
      const cv = require('@techstark/opencv-js') as CV;
      if (cv.calledRun) resolve({ cv });
      else cv.onRuntimeInitialized = () => resolve({ cv });
    } catch (e) {
      reject(new MaskeditError('ENGINE_UNAVAILABLE', `could not load OpenCV.js (@techstark/opencv-js): ${(e as Error).message}`, 'reinstall dependencies with `npm ci`, or use --engine patchmatch', { cause: e }));
    }
  });
  return loading;
}

function radiusOption(o: FillOptions): number {
  const v = o.radius ?? 3;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 1 || v > 100) {
    throw new RangeError(`option radius must be a number from 1 to 100, received ${JSON.stringify(v)}`);
  }
  return v;
}

/** A telea or ns engine. */
export function opencvEngine(name: 'telea' | 'ns'): Engine {
  async function fill(image: Raster & { channels: 4 }, mask: EditMask, options: FillOptions = {}, signal?: AbortSignal, onProgress?: ProgressCallback): Promise<Raster & { channels: 4 }> {
    throwIfAborted(signal);
    const radius = radiusOption(options);
    const out = cloneRaster(image);
    if (checkFillInputs(image, mask) === 0) return out;
    const started = Date.now();
    const { cv } = await loadOpenCv();
    throwIfAborted(signal);
    const { width: w, height: h } = image;
    // cv.inpaint takes 8-bit 1- or 3-channel images: fill RGB, and alpha as a second, gray image.
    const rgb = new cv.Mat(h, w, cv.CV_8UC3);
    const alpha = new cv.Mat(h, w, cv.CV_8UC1);
    const m = new cv.Mat(h, w, cv.CV_8UC1);
    const dst = new cv.Mat();
    const dstAlpha = new cv.Mat();
    try {
      const src = image.data;
      const rd = rgb.data, ad = alpha.data;
      let opaque = true;
      for (let i = 0, n = w * h; i < n; i++) {
        rd[i * 3] = src[i * 4]!;
        rd[i * 3 + 1] = src[i * 4 + 1]!;
        rd[i * 3 + 2] = src[i * 4 + 2]!;
        ad[i] = src[i * 4 + 3]!;
        if (ad[i] !== 255) opaque = false;
      }
      // Any non-zero mask value is a hole, as cv.inpaint reads it too.
      m.data.set(mask.data);
      const flags = name === 'telea' ? cv.INPAINT_TELEA : cv.INPAINT_NS;
      cv.inpaint(rgb, m, dst, radius, flags);
      if (!opaque) cv.inpaint(alpha, m, dstAlpha, radius, flags);
      const dd = dst.data, da = opaque ? undefined : dstAlpha.data;
      const md = mask.data, od = out.data;
      for (let i = 0, n = w * h; i < n; i++) {
        if (!md[i]) continue;
        od[i * 4] = dd[i * 3]!;
        od[i * 4 + 1] = dd[i * 3 + 1]!;
        od[i * 4 + 2] = dd[i * 3 + 2]!;
        od[i * 4 + 3] = da ? da[i]! : 255;
      }
    } finally {
      rgb.delete();
      alpha.delete();
      m.delete();
      dst.delete();
      dstAlpha.delete();
    }
    throwIfAborted(signal);
    onProgress?.({ step: 'fill', fraction: 1, ms: Date.now() - started });
    return out;
  }
  return { name, fill };
}
