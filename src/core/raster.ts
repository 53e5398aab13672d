/**
 * The one pixel type every layer shares. `core/` works on plain typed arrays so it can run in Node, a worker
 * or the browser; decoding and encoding live in `io/`.
 *
 * Conventions used across maskedit:
 * - images are RGBA (`channels: 4`), 8 bits per channel, in *displayed* orientation (EXIF already applied);
 * - an {@link EditMask} is one channel where 255 means "the model may change this pixel" and 0 means "keep".
 *   This is the inverse of OpenAI's mask file, where alpha 0 marks the editable pixels
 *   (CreateImageEditRequest.mask); {@link editMaskToApiAlpha} converts.
 *
 * @example
 * const r = createRaster(2, 2, 4); r.data[3] = 255;
 */
export interface Raster {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

/** One channel, 255 = editable, 0 = keep; values between are blend weights. */
export type EditMask = Raster & { channels: 1 };

export function createRaster<C extends Raster['channels']>(width: number, height: number, channels: C): Raster & { channels: C } {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`raster size must be positive integers, received ${width}x${height}`);
  }
  return { width, height, channels, data: new Uint8Array(width * height * channels) };
}

export function createEditMask(width: number, height: number): EditMask {
  return createRaster(width, height, 1);
}

export function pixelCount(r: Pick<Raster, 'width' | 'height'>): number {
  return r.width * r.height;
}

export function sameSize(a: Pick<Raster, 'width' | 'height'>, b: Pick<Raster, 'width' | 'height'>): boolean {
  return a.width === b.width && a.height === b.height;
}

export function cloneRaster<R extends Raster>(r: R): R {
  return { ...r, data: new Uint8Array(r.data) };
}

/** Expands 1–3 channel rasters to RGBA (gray → RGB, missing alpha → 255). */
export function toRgba(r: Raster): Raster & { channels: 4 } {
  if (r.channels === 4) return r as Raster & { channels: 4 };
  const out = createRaster(r.width, r.height, 4);
  const n = pixelCount(r);
  const s = r.data;
  const d = out.data;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (r.channels === 1) {
      d[o] = d[o + 1] = d[o + 2] = s[i]!;
      d[o + 3] = 255;
    } else if (r.channels === 2) {
      d[o] = d[o + 1] = d[o + 2] = s[i * 2]!;
      d[o + 3] = s[i * 2 + 1]!;
    } else {
      d[o] = s[i * 3]!;
      d[o + 1] = s[i * 3 + 1]!;
      d[o + 2] = s[i * 3 + 2]!;
      d[o + 3] = 255;
    }
  }
  return out;
}

/** One channel of an RGBA or other raster (0-based index). */
export function extractChannel(r: Raster, channel: number): EditMask {
  if (channel < 0 || channel >= r.channels) throw new RangeError(`channel ${channel} out of range for ${r.channels}-channel raster`);
  const out = createEditMask(r.width, r.height);
  const n = pixelCount(r);
  const c = r.channels;
  for (let i = 0, j = channel; i < n; i++, j += c) out.data[i] = r.data[j]!;
  return out;
}

/** Rec. 601 luma of an RGB(A) raster, rounded, as one channel. */
export function luma(r: Raster): EditMask {
  if (r.channels < 3) return extractChannel(r, 0);
  const out = createEditMask(r.width, r.height);
  const n = pixelCount(r);
  const c = r.channels;
  const s = r.data;
  for (let i = 0, j = 0; i < n; i++, j += c) {
    out.data[i] = (s[j]! * 299 + s[j + 1]! * 587 + s[j + 2]! * 114 + 500) / 1000 | 0;
  }
  return out;
}

/** OpenAI's mask alpha for an edit mask: editable (255) → alpha 0. */
export function editMaskToApiAlpha(m: EditMask): Uint8Array {
  const out = new Uint8Array(m.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 255 - m.data[i]!;
  return out;
}

/** The RGBA mask file OpenAI accepts: black RGB, alpha 0 where editable, 255 where kept. */
export function editMaskToApiRgba(m: EditMask): Raster & { channels: 4 } {
  const out = createRaster(m.width, m.height, 4);
  for (let i = 0; i < m.data.length; i++) out.data[i * 4 + 3] = 255 - m.data[i]!;
  return out;
}

/** The editable mask OpenAI reads from a decoded RGBA mask file: alpha == 0 → 255, anything else → 0. */
export function apiRgbaToEditMask(mask: Raster): EditMask {
  if (mask.channels !== 4 && mask.channels !== 2) {
    throw new RangeError(`an API mask needs an alpha channel, received ${mask.channels} channels`);
  }
  const out = createEditMask(mask.width, mask.height);
  const c = mask.channels;
  for (let i = 0, j = c - 1; i < out.data.length; i++, j += c) out.data[i] = mask.data[j] === 0 ? 255 : 0;
  return out;
}

/** Count of pixels with a non-zero value in a one-channel mask. */
export function countNonZero(m: EditMask): number {
  // Masks are mostly zero: read four pixels per 32-bit word and look at the bytes of non-zero words only.
  const d = m.data;
  const off = d.byteOffset, end = d.length;
  let n = 0, i = 0;
  for (; i < end && ((off + i) & 3) !== 0; i++) if (d[i] !== 0) n++;
  const words = wordsOf(d);
  const kEnd = (off + end) >>> 2;
  for (let k = (off + i) >>> 2; k < kEnd; k++) {
    const v = words[k]!;
    if (v === 0) continue;
    n += ((v & 0xff) !== 0 ? 1 : 0) + ((v & 0xff00) !== 0 ? 1 : 0) + ((v & 0xff0000) !== 0 ? 1 : 0) + ((v >>> 24) !== 0 ? 1 : 0);
  }
  for (i = Math.max(i, kEnd * 4 - off); i < end; i++) if (d[i] !== 0) n++;
  return n;
}

/** A 32-bit view of the whole buffer under `d` (bytes are read only within `d`'s own range). */
function wordsOf(d: Uint8Array | Uint8ClampedArray): Uint32Array {
  return new Uint32Array(d.buffer, 0, d.buffer.byteLength >>> 2);
}

/** True when `d[start..end)` holds only zeros; reads 32-bit words where aligned (byte order does not matter). */
function allZero(d: Uint8Array | Uint8ClampedArray, words: Uint32Array, start: number, end: number): boolean {
  const off = d.byteOffset;
  let i = start;
  for (; i < end && ((off + i) & 3) !== 0; i++) if (d[i] !== 0) return false;
  const kEnd = (off + end) >>> 2;
  for (let k = (off + i) >>> 2; k < kEnd; k++) if (words[k] !== 0) return false;
  for (i = Math.max(i, kEnd * 4 - off); i < end; i++) if (d[i] !== 0) return false;
  return true;
}

export interface Box { x: number; y: number; width: number; height: number }

/** An edit mask's bounding box (null: nothing editable) and its count of editable pixels, when a scan found them. */
export interface EditStats { box: Box | null; count: number }

/** Bounding box of the non-zero pixels, or null when the mask is empty. */
export function boundingBox(m: EditMask): Box | null {
  return boundingBoxOfBox(m, { x: 0, y: 0, width: m.width, height: m.height });
}

/**
 * Bounding box of the non-zero pixels inside `b` (which must lie inside the mask), in the mask's coordinates,
 * read in place. A small mask on a big image: find the first and last non-empty rows word by word, then on the
 * rows between read only the columns left of the leftmost and right of the rightmost non-zero pixel found so far.
 */
export function boundingBoxOfBox(m: EditMask, b: Box): Box | null {
  const { width: w, data } = m;
  const words = wordsOf(data);
  const x0 = b.x, x1 = b.x + b.width, y0 = b.y, y1 = b.y + b.height;
  let minY = -1, maxY = -1;
  for (let y = y0; y < y1; y++) if (!allZero(data, words, y * w + x0, y * w + x1)) { minY = y; break; }
  if (minY < 0) return null;
  for (let y = y1 - 1; y >= minY; y--) if (!allZero(data, words, y * w + x0, y * w + x1)) { maxY = y; break; }
  let minX = x1, maxX = x0 - 1;
  for (let y = minY; y <= maxY; y++) {
    const row = y * w;
    if (minX > x0 && !allZero(data, words, row + x0, row + minX)) {
      for (let x = x0; x < minX; x++) if (data[row + x] !== 0) { minX = x; break; }
    }
    if (maxX < x1 - 1 && !allZero(data, words, row + maxX + 1, row + x1)) {
      for (let x = x1 - 1; x > maxX; x--) if (data[row + x] !== 0) { maxX = x; break; }
    }
  }
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}
