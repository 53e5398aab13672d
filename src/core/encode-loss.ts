/**
 * What a lossy encode (JPEG, lossy WebP) did to the pixels the user asked to keep. The strict stitch leaves
 * every kept pixel bit-identical in memory; writing `out.jpg` then re-encodes all of them. maskedit decodes the
 * bytes it wrote and compares them with the input outside the mask, so the report says what the file holds
 * instead of claiming 0 changed.
 */
import type { EditMask, Raster } from './raster.js';

export interface EncodeLoss {
  format: string;
  /** Kept pixels (outside the mask) compared. */
  outsidePixels: number;
  /** Kept pixels whose decoded value differs from the input in any channel (alpha included). */
  outsideChangedPixels: number;
  outsideChangedFraction: number;
  /** Largest |Δ| over the kept pixels and channels. */
  maxAbsDiff: number;
  /** Mean |Δ| over R, G, B of the kept pixels. */
  meanAbsDiff: number;
}

/**
 * Compares the decoded file with the input wherever `editMask` is 0. Both must have the same size.
 *
 * @example
 * encodeLoss(input, await decode(jpegBytes), editMask, 'jpeg') // { outsideChangedPixels: 1043, maxAbsDiff: 9, … }
 */
export function encodeLoss(input: Raster & { channels: 4 }, decoded: Raster & { channels: 4 }, editMask: EditMask, format: string): EncodeLoss {
  if (input.width !== decoded.width || input.height !== decoded.height) {
    throw new RangeError(`decoded output is ${decoded.width}x${decoded.height}, the input ${input.width}x${input.height}`);
  }
  const a = input.data, b = decoded.data, m = editMask.data;
  let pixels = 0, changed = 0, max = 0, sum = 0;
  for (let i = 0, o = 0; i < m.length; i++, o += 4) {
    if (m[i] !== 0) continue;
    pixels++;
    const d0 = Math.abs(a[o]! - b[o]!), d1 = Math.abs(a[o + 1]! - b[o + 1]!), d2 = Math.abs(a[o + 2]! - b[o + 2]!), d3 = Math.abs(a[o + 3]! - b[o + 3]!);
    const d = Math.max(d0, d1, d2, d3);
    if (d === 0) continue;
    changed++;
    sum += d0 + d1 + d2;
    if (d > max) max = d;
  }
  return {
    format, outsidePixels: pixels, outsideChangedPixels: changed,
    outsideChangedFraction: pixels ? changed / pixels : 0, maxAbsDiff: max,
    meanAbsDiff: pixels ? Math.round((sum / (3 * pixels)) * 1000) / 1000 : 0,
  };
}

/** The summary line: `JPEG encoding changed 11.2 % of pixels outside the mask (max |Δ| 9); use .png for bit-identical output`. */
export function describeEncodeLoss(l: EncodeLoss): string {
  const name = l.format === 'jpeg' ? 'JPEG' : l.format === 'webp' ? 'WebP' : l.format.toUpperCase();
  const f = l.outsideChangedFraction;
  const pct = f > 0 && f < 0.001 ? '< 0.1 %' : `${(f * 100).toFixed(1)} %`;
  return l.outsideChangedPixels === 0
    ? `${name} encoding changed no pixel outside the mask`
    : `${name} encoding changed ${pct} of pixels outside the mask (${l.outsideChangedPixels} of ${l.outsidePixels}, max |Δ| ${l.maxAbsDiff}); use .png for bit-identical output`;
}
