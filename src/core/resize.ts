/**
 * Pure, deterministic resampling of rasters with any channel count. Resampling is separable: each axis gets a
 * table of (first source index, weights) and the image is filtered rows first, then columns, in float32, and
 * rounded once at the end — so the same input gives the same bytes on every platform.
 *
 * Kernels:
 * - `nearest`: the source pixel whose centre is closest (masks, labels);
 * - `bilinear`: tent filter between the two nearest source centres (half-pixel aligned, edges clamped) —
 *   the right choice for upscaling;
 * - `area`: each output pixel is the coverage-weighted mean of the source pixels it overlaps (box filter) —
 *   the right choice for downscaling, it never aliases.
 *
 * RGBA (and gray+alpha) with any alpha below 255 is resampled premultiplied, so transparent pixels do not bleed
 * their (meaningless) colour into visible ones.
 */
import { createRaster, type Raster } from './raster.js';

export type ResizeKernel = 'nearest' | 'bilinear' | 'area';

interface AxisTable {
  /** First source index of each output index. */
  start: Int32Array;
  /** `taps` weights per output index (zero padded), summing to 1. */
  weights: Float32Array;
  taps: number;
}

function axisTable(src: number, dst: number, kernel: ResizeKernel): AxisTable {
  const scale = src / dst;
  if (kernel === 'nearest') {
    const start = new Int32Array(dst);
    for (let i = 0; i < dst; i++) start[i] = Math.min(src - 1, Math.floor((i + 0.5) * scale));
    return { start, weights: new Float32Array(dst).fill(1), taps: 1 };
  }
  if (kernel === 'bilinear') {
    const start = new Int32Array(dst);
    const weights = new Float32Array(dst * 2);
    for (let i = 0; i < dst; i++) {
      const s = Math.min(src - 1, Math.max(0, (i + 0.5) * scale - 0.5));
      const i0 = Math.min(Math.floor(s), Math.max(0, src - 2));
      const f = src === 1 ? 0 : s - i0;
      start[i] = i0;
      weights[i * 2] = 1 - f;
      weights[i * 2 + 1] = src === 1 ? 0 : f;
    }
    return { start, weights, taps: 2 };
  }
  // Area: output pixel i covers source interval [i*scale, (i+1)*scale).
  const taps = Math.ceil(scale) + 1;
  const start = new Int32Array(dst);
  const weights = new Float32Array(dst * taps);
  for (let i = 0; i < dst; i++) {
    const a = i * scale, b = Math.min(src, (i + 1) * scale);
    const first = Math.floor(a);
    start[i] = first;
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const j = first + t;
      if (j >= src) break;
      const w = Math.max(0, Math.min(b, j + 1) - Math.max(a, j));
      weights[i * taps + t] = w;
      sum += w;
    }
    for (let t = 0; t < taps; t++) weights[i * taps + t]! /= sum;
  }
  return { start, weights, taps };
}

/** True when an RGBA or gray+alpha raster has any pixel that is not fully opaque. */
function hasTransparency(r: Raster): boolean {
  if (r.channels !== 4 && r.channels !== 2) return false;
  const c = r.channels;
  for (let i = c - 1; i < r.data.length; i += c) if (r.data[i] !== 255) return true;
  return false;
}

/**
 * The kernel maskedit uses to map an image of one size onto another: `area` when no axis grows, else `bilinear`.
 *
 * @example
 * resize(result, 4000, 3000, kernelFor(result, { width: 4000, height: 3000 }));
 */
export function kernelFor(from: { width: number; height: number }, to: { width: number; height: number }): ResizeKernel {
  return to.width <= from.width && to.height <= from.height ? 'area' : 'bilinear';
}

/**
 * Resamples `raster` to `width`×`height`. Returns a new raster (a copy when the size is unchanged).
 *
 * @example
 * const small = resize(photo, 512, 384, 'area');
 * const mask2 = resize(mask, 1024, 1024, 'nearest');
 */
export function resize<R extends Raster>(raster: R, width: number, height: number, kernel: ResizeKernel = 'bilinear'): R {
  const out = createRaster(width, height, raster.channels) as Raster as R;
  const { width: sw, height: sh, channels: c } = raster;
  const src = raster.data;
  if (sw === width && sh === height) {
    out.data.set(src);
    return out;
  }
  const premultiply = hasTransparency(raster);
  const alpha = c - 1;
  const tx = axisTable(sw, width, kernel);
  const ty = axisTable(sh, height, kernel);

  // Pass 1: rows, source height × output width, float.
  const mid = new Float32Array(sh * width * c);
  const px = new Float32Array(c);
  for (let y = 0; y < sh; y++) {
    const srow = y * sw * c;
    const mrow = y * width * c;
    for (let x = 0; x < width; x++) {
      px.fill(0);
      const s0 = tx.start[x]!;
      for (let t = 0; t < tx.taps; t++) {
        const w = tx.weights[x * tx.taps + t]!;
        if (w === 0) continue;
        const o = srow + (s0 + t) * c;
        if (premultiply) {
          const a = src[o + alpha]! / 255;
          for (let k = 0; k < alpha; k++) px[k]! += w * src[o + k]! * a;
          px[alpha]! += w * src[o + alpha]!;
        } else {
          for (let k = 0; k < c; k++) px[k]! += w * src[o + k]!;
        }
      }
      mid.set(px, mrow + x * c);
    }
  }

  // Pass 2: columns, then unpremultiply and round once.
  const d = out.data;
  const rowLen = width * c;
  const acc = new Float32Array(rowLen);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    const s0 = ty.start[y]!;
    for (let t = 0; t < ty.taps; t++) {
      const w = ty.weights[y * ty.taps + t]!;
      if (w === 0) continue;
      const mrow = (s0 + t) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i]! += w * mid[mrow + i]!;
    }
    const orow = y * rowLen;
    if (premultiply) {
      for (let i = 0; i < rowLen; i += c) {
        const a = acc[i + alpha]!;
        const inv = a > 0 ? 255 / a : 0;
        for (let k = 0; k < alpha; k++) d[orow + i + k] = clampByte(acc[i + k]! * inv);
        d[orow + i + alpha] = clampByte(a);
      }
    } else {
      for (let i = 0; i < rowLen; i++) d[orow + i] = clampByte(acc[i]!);
    }
  }
  return out;
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
