/**
 * Binary morphology on {@link EditMask}s, built on one exact Euclidean distance transform
 * (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions", 2012): grow, shrink, inward
 * feather, connected components and hole filling. Pixels outside the image never count as set or unset, so
 * shrinking does not eat masks that touch the border.
 */
import { createEditMask, type Box, type EditMask } from './raster.js';
import { cappedSquaredDistance, componentsByRuns, MAX_CAP } from './edt.js';

const INF = 1e20;

/** 1-D squared distance transform of f (length n) into d, using scratch v and z (Felzenszwalb & Huttenlocher). */
function dt1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    const fq = f[q]! + q * q;
    let s = (fq - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    while (s <= z[k]!) {
      k--;
      s = (fq - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const dq = q - v[k]!;
    d[q] = dq * dq + f[v[k]!]!;
  }
}

/**
 * Squared Euclidean distance from every pixel to the nearest pixel where `isSource(value)` holds
 * (0 on source pixels; 1e20 everywhere when there is no source).
 *
 * @example
 * const d2 = squaredDistanceTo(mask, (v) => v === 0); // distance of each pixel to the nearest kept pixel
 */
export function squaredDistanceTo(mask: EditMask, isSource: (value: number) => boolean): Float64Array {
  const { width: w, height: h, data } = mask;
  // Phase 1 (Meijster, Roerdink & Hesselink 2000): the distance to the nearest source in the same column, by a
  // downward and an upward sweep over whole rows — contiguous memory, unlike a column-by-column pass.
  const none = w + h + 1;
  const g = new Int32Array(w * h);
  for (let x = 0; x < w; x++) g[x] = isSource(data[x]!) ? 0 : none;
  for (let y = 1; y < h; y++) {
    for (let i = y * w, end = i + w; i < end; i++) {
      const above = g[i - w]!;
      g[i] = isSource(data[i]!) ? 0 : above < none ? above + 1 : none;
    }
  }
  for (let y = h - 2; y >= 0; y--) {
    for (let i = y * w, end = i + w; i < end; i++) {
      const below = g[i + w]! + 1;
      if (below < g[i]!) g[i] = below;
    }
  }
  // Phase 2: the exact 1-D squared transform along each row (Felzenszwalb & Huttenlocher's lower envelope).
  const out = new Float64Array(w * h);
  const f = new Float64Array(w), d = new Float64Array(w), z = new Float64Array(w + 1);
  const v = new Int32Array(w);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const gy = g[row + x]!;
      f[x] = gy >= none ? INF : gy * gy;
    }
    dt1d(f, w, d, v, z);
    out.set(d.subarray(0, w), row);
  }
  return out;
}

/**
 * The squared distance to the nearest `source` pixel where callers only compare it with `limit`² (or test
 * `√d ≥ limit`): exact below (floor(limit) + 1)², and at least that elsewhere. Small limits (the hot path's
 * grow, feather and seam ring) take the capped transform of core/edt.ts; others the exact one.
 *
 * @example
 * const d2 = distancesWithin(mask, 'unset', 4); // as squaredDistanceTo(mask, (v) => v === 0) wherever d ≤ 4
 */
export function distancesWithin(mask: EditMask, source: 'set' | 'unset', limit: number): ArrayLike<number> {
  const cap = Math.floor(limit) + 1;
  if (Number.isInteger(cap) && cap >= 1 && cap <= MAX_CAP) return cappedSquaredDistance(mask, source, cap);
  return squaredDistanceTo(mask, source === 'set' ? (v) => v !== 0 : (v) => v === 0);
}

/** Sets every pixel within `radius` (Euclidean) of a set pixel. */
export function dilate(mask: EditMask, radius: number): EditMask {
  if (radius <= 0) return binarize(mask);
  const d2 = distancesWithin(mask, 'set', radius);
  const r2 = radius * radius;
  const out = createEditMask(mask.width, mask.height);
  for (let i = 0; i < d2.length; i++) out.data[i] = d2[i]! <= r2 ? 255 : 0;
  return out;
}

/** Clears every set pixel within `radius` of an unset pixel inside the image. */
export function erode(mask: EditMask, radius: number): EditMask {
  if (radius <= 0) return binarize(mask);
  const d2 = distancesWithin(mask, 'unset', radius);
  const r2 = radius * radius;
  const out = createEditMask(mask.width, mask.height);
  for (let i = 0; i < d2.length; i++) out.data[i] = mask.data[i] !== 0 && d2[i]! > r2 ? 255 : 0;
  return out;
}

/** Any non-zero value → 255. */
export function binarize(mask: EditMask, threshold = 1): EditMask {
  const out = createEditMask(mask.width, mask.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = mask.data[i]! >= threshold ? 255 : 0;
  return out;
}

export function invert(mask: EditMask): EditMask {
  const out = createEditMask(mask.width, mask.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = 255 - mask.data[i]!;
  return out;
}

/**
 * A soft mask that ramps from 0 at the mask's edge to 255 at `radius` pixels inside it; never non-zero outside
 * the mask. This is how a stitch feathers without touching a single pixel the user asked to keep.
 *
 * @example
 * const blend = featherInward(editMask, 4);
 */
export function featherInward(mask: EditMask, radius: number): EditMask {
  if (radius <= 0) return binarize(mask);
  const d2 = distancesWithin(mask, 'unset', radius + 1);
  const out = createEditMask(mask.width, mask.height);
  // d is at least 1 on set pixels next to an unset one; the ramp reaches 255 at d >= radius + 1 would
  // leave the outermost ring too faint, so the ramp is (d / (radius + 1)).
  const ramp = (v: number) => {
    const d = Math.sqrt(v);
    return d >= radius + 1 ? 255 : Math.max(1, Math.round((255 * d) / (radius + 1)));
  };
  if (d2 instanceof Uint16Array) {
    // The capped transform's squares are small integers (at most cap², cap as distancesWithin picks it): the
    // ramp of each, once, in a table.
    const cap = Math.floor(radius + 1) + 1;
    const top = cap * cap;
    const table = new Uint8Array(top + 1);
    for (let v = 0; v <= top; v++) table[v] = ramp(v);
    for (let y = 0; y < mask.height; y++) featherRow(mask.data, d2, table, out.data, y * mask.width, mask.width);
    return out;
  }
  for (let i = 0; i < d2.length; i++) if (mask.data[i] !== 0) out.data[i] = ramp(d2[i]!);
  return out;
}

/** One row of {@link featherInward} through its table. */
function featherRow(m: Uint8Array | Uint8ClampedArray, d2: Uint16Array, table: Uint8Array, out: Uint8Array | Uint8ClampedArray, i: number, n: number): void {
  for (const end = i + n; i < end; i++) if (m[i] !== 0) out[i] = table[d2[i]!]!;
}

export interface Components {
  /** Label per pixel: 0 = background, 1..count = component. */
  labels: Int32Array;
  count: number;
  /** Index i describes label i + 1. */
  boxes: Box[];
  areas: number[];
}

/**
 * Connected components of the non-zero pixels (8-connected by default), with their boxes and areas.
 *
 * @example
 * const { count, boxes } = connectedComponents(mask);
 */
export function connectedComponents(mask: EditMask, connectivity: 4 | 8 = 8): Components {
  // One union–find pass over the mask's runs (core/edt.ts): the same labels, boxes and areas as a flood fill
  // seeded at each unlabelled pixel in raster order (test/core/edt.test.ts keeps that flood fill as reference).
  return componentsByRuns(mask, connectivity);
}

/** Sets the unset regions (4-connected) that do not touch the image border: holes inside painted strokes. */
export function fillHoles(mask: EditMask): EditMask {
  const { width: w, height: h } = mask;
  const background = invert(binarize(mask));
  const { labels, count } = connectedComponents(background, 4);
  const touchesBorder = new Uint8Array(count + 1);
  for (let x = 0; x < w; x++) {
    touchesBorder[labels[x]!] = 1;
    touchesBorder[labels[(h - 1) * w + x]!] = 1;
  }
  for (let y = 0; y < h; y++) {
    touchesBorder[labels[y * w]!] = 1;
    touchesBorder[labels[y * w + w - 1]!] = 1;
  }
  const out = binarize(mask);
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0 && !touchesBorder[labels[i]!]) out.data[i] = 255;
  return out;
}
