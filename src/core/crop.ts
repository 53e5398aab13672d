/**
 * Boxes and rectangular copies: cut a box out of a raster, paste one raster into another, and the small box
 * arithmetic the planner and the stitch share. Works for any channel count (images and masks alike).
 */
import { boundingBoxOfBox, createRaster, type Box, type EditMask, type Raster } from './raster.js';

/** True when `box` has positive integer size and lies fully inside a `width`×`height` image. */
export function boxInside(box: Box, size: { width: number; height: number }): boolean {
  return Number.isInteger(box.x) && Number.isInteger(box.y) && Number.isInteger(box.width) && Number.isInteger(box.height)
    && box.width > 0 && box.height > 0 && box.x >= 0 && box.y >= 0
    && box.x + box.width <= size.width && box.y + box.height <= size.height;
}

/** True when `inner` lies inside `outer`. */
export function boxContains(outer: Box, inner: Box): boolean {
  return inner.x >= outer.x && inner.y >= outer.y
    && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

/** The box grown by `margin` pixels on every side, clipped to the image. */
export function growBox(box: Box, margin: number, size: { width: number; height: number }): Box {
  const x0 = Math.max(0, box.x - margin), y0 = Math.max(0, box.y - margin);
  const x1 = Math.min(size.width, box.x + box.width + margin), y1 = Math.min(size.height, box.y + box.height + margin);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** True when the two boxes share at least one pixel. */
export function boxesOverlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** True when any two of the boxes share a pixel. */
export function anyOverlap(boxes: readonly Box[]): boolean {
  return boxes.some((a, i) => boxes.some((b, j) => j > i && boxesOverlap(a, b)));
}

/**
 * The pixels both boxes cover; null when they share none.
 *
 * @example
 * intersectBox({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 8, width: 10, height: 10 }) // { x: 5, y: 8, width: 5, height: 2 }
 */
export function intersectBox(a: Box, b: Box): Box | null {
  if (!boxesOverlap(a, b)) return null;
  const x0 = Math.max(a.x, b.x), y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width), y1 = Math.min(a.y + a.height, b.y + b.height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Smallest box containing both. */
export function unionBox(a: Box, b: Box): Box {
  const x0 = Math.min(a.x, b.x), y0 = Math.min(a.y, b.y);
  const x1 = Math.max(a.x + a.width, b.x + b.width), y1 = Math.max(a.y + a.height, b.y + b.height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * A copy of the pixels of `box` (which must lie inside the raster).
 *
 * @example
 * const patch = crop(photo, { x: 100, y: 50, width: 512, height: 512 });
 */
export function crop<R extends Raster>(raster: R, box: Box): R {
  if (!boxInside(box, raster)) {
    throw new RangeError(`crop box ${box.x},${box.y},${box.width},${box.height} is not inside the ${raster.width}x${raster.height} raster`);
  }
  const c = raster.channels;
  const out = createRaster(box.width, box.height, c) as Raster as R;
  const rowLen = box.width * c;
  for (let y = 0; y < box.height; y++) {
    const s = ((box.y + y) * raster.width + box.x) * c;
    out.data.set(raster.data.subarray(s, s + rowLen), y * rowLen);
  }
  return out;
}

/**
 * Copies `src` into `dst` with its top-left corner at (x, y), in place, clipping whatever falls outside `dst`.
 * Both must have the same channel count. Returns `dst`.
 *
 * @example
 * paste(full, editedPatch, 100, 50);
 */
export function paste<R extends Raster>(dst: R, src: Raster, x: number, y: number): R {
  if (src.channels !== dst.channels) throw new RangeError(`cannot paste a ${src.channels}-channel raster into a ${dst.channels}-channel one`);
  const c = dst.channels;
  const x0 = Math.max(0, x), y0 = Math.max(0, y);
  const x1 = Math.min(dst.width, x + src.width), y1 = Math.min(dst.height, y + src.height);
  if (x1 <= x0 || y1 <= y0) return dst;
  const len = (x1 - x0) * c;
  for (let yy = y0; yy < y1; yy++) {
    const s = ((yy - y) * src.width + (x0 - x)) * c;
    dst.data.set(src.data.subarray(s, s + len), (yy * dst.width + x0) * c);
  }
  return dst;
}

/**
 * {@link boundingBox} of a mask known to be zero outside `within`: only that box is read. Equal to
 * `boundingBox(mask)` whenever the promise holds (a mask built inside a work box, pasted into a blank one).
 *
 * @example
 * const box = boundingBoxWithin(blend, cropBox); // same as boundingBox(blend), reading only cropBox
 */
export function boundingBoxWithin(mask: EditMask, within: Box): Box | null {
  if (!boxInside(within, mask)) {
    throw new RangeError(`crop box ${within.x},${within.y},${within.width},${within.height} is not inside the ${mask.width}x${mask.height} raster`);
  }
  return boundingBoxOfBox(mask, within);
}
