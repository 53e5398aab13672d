/**
 * `expand`: widen the region that is REPLACED (Crop-and-Stitch's "mask expand pixels"), not only the mask sent
 * to the model (`grow`). A tight hand-painted mask leaves the object's anti-aliased edge, its shadow line or
 * halo outside the mask, and the strict stitch keeps those pixels bit-identical — so the old object's outline
 * stays. Expanding the edit mask by N px (Euclidean dilation) before the doctor's coverage check, the plan and
 * the stitch makes the ring part of the edit; everything outside the EXPANDED mask stays bit-identical.
 */
import { growBox, crop, paste } from './crop.js';
import { dilate } from './morphology.js';
import { boundingBox, countNonZero, createEditMask, type EditMask } from './raster.js';

export interface ExpandResult {
  mask: EditMask;
  /** The radius asked for, in pixels. */
  pixels: number;
  /** Editable pixels before and after, and how many the expansion added. */
  before: number;
  after: number;
  added: number;
}

/** Largest --expand accepted (a larger ring is a different mask: draw it). */
export const MAX_EXPAND = 256;

/**
 * Dilates `mask` by `pixels` (Euclidean, clipped to the image). Works on the mask's bounding box grown by the
 * radius, so a small mask on a large image costs little.
 *
 * @example
 * expandEditMask(mask, 6) // { mask, pixels: 6, before: 1200, after: 1830, added: 630 }
 */
export function expandEditMask(mask: EditMask, pixels: number): ExpandResult {
  const before = countNonZero(mask);
  const box = boundingBox(mask);
  if (!box || pixels <= 0) return { mask, pixels: Math.max(0, pixels), before, after: before, added: 0 };
  const work = growBox(box, Math.ceil(pixels) + 1, mask);
  const out = paste(createEditMask(mask.width, mask.height), dilate(crop(mask, work), pixels), work.x, work.y);
  const after = countNonZero(out);
  return { mask: out, pixels, before, after, added: after - before };
}
