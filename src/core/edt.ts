/**
 * Fast exact paths for the distance transforms and connected components of core/morphology.ts, for the hot
 * path's small radii (grow, feather, seam ring) and for labelling a mask's bounding box. Each returns exactly
 * what the general routine would (property tests against reference implementations: test/core/edt.test.ts).
 */
import type { Box, EditMask } from './raster.js';

/** Largest `cap` the capped transform handles itself (its squares fit a Uint16Array). */
export const MAX_CAP = 255;

/**
 * `min(d², cap²)` for every pixel, where d is the Euclidean distance to the nearest source pixel (a set pixel
 * when `source` is `'set'`, an unset one when `'unset'`; pixels outside the mask never count). Exact, for an
 * integer `cap` from 1 to {@link MAX_CAP}: callers that only compare d² with r² (grow, shrink, feather, the
 * seam's ring) pass `cap = floor(r) + 1`, so every distance they can tell apart is exact and every other one
 * reads as cap² > r².
 *
 * Separable like the exact transform (Meijster et al. 2000): (1) the distance to the nearest source in the same
 * column, by a downward and an upward sweep over whole rows, capped at `cap`; (2) along each row, d²(x) = min over
 * x' of (x − x')² + g(x')². Where g is constant over a run of columns, only the run's ends can be nearest to a
 * column outside it, and a column inside it has its own g², so phase 2 starts from g² and spreads only from run
 * ends, at most cap − 1 columns each way: the work is the area plus (boundary length × cap²), not area × cap.
 *
 * @example
 * const d2 = cappedSquaredDistance(mask, 'unset', 5); // distances below 5 exact, 25 elsewhere
 */
export function cappedSquaredDistance(mask: EditMask, source: 'set' | 'unset', cap: number): Uint16Array {
  if (!Number.isInteger(cap) || cap < 1 || cap > MAX_CAP) throw new RangeError(`cap must be a whole number from 1 to ${MAX_CAP}, received ${cap}`);
  const { width: w, height: h, data } = mask;
  const n = w * h;
  const g = new Uint8Array(n);
  // Phase 1: column distances, capped (cap means "cap or more, or none"). A source pixel is 0; below a source
  // the distance counts up to the cap; the upward sweep takes the nearer of the two.
  const isSet = source === 'set';
  for (let x = 0; x < w; x++) g[x] = (data[x] !== 0) === isSet ? 0 : cap;
  // Each row in its own call: the loops are optimised after a few rows instead of midway through one pass.
  // Four pixels at a time where they agree (a mask's inside and far outside): 32-bit views of the mask and of
  // g, when the mask's bytes start on a 4-byte boundary as g's do.
  if (data.byteOffset % 4 === 0 && n >= 4) {
    const d32 = new Int32Array(data.buffer, data.byteOffset, n >>> 2), g32 = new Int32Array(g.buffer, 0, n >>> 2);
    const capWord = (cap * 0x01010101) | 0;
    for (let i = w; i < n; i += w) (isSet ? downFromSet4 : downFromUnset4)(data, d32, g, g32, i, w, cap, capWord);
    for (let i = n - 2 * w; i >= 0; i -= w) upward4(g, g32, i, w, capWord);
  } else {
    for (let i = w; i < n; i += w) (isSet ? downFromSet : downFromUnset)(data, g, i, w, cap);
    for (let i = n - 2 * w; i >= 0; i -= w) upward(g, i, w);
  }
  // Phase 2: along each row, each run of equal g takes g² (one fill), then the runs below the cap spread from
  // their two ends.
  const far = cap * cap;
  const out = new Uint16Array(n);
  const runA = new Int32Array(w), runB = new Int32Array(w), runC = new Int32Array(w);
  for (let row = 0; row < n; row += w) alongRow(g, out, row, row + w, cap, far, runA, runB, runC);
  return out;
}

/** The runs of non-zero pixels in `w` pixels from `row`: starts and ends (exclusive) relative to `row`; returns how many. */
function rowRuns(data: Uint8Array | Uint8ClampedArray, row: number, w: number, starts: Int32Array, ends: Int32Array): number {
  let n = 0;
  for (let x = 0; x < w;) {
    if (data[row + x] === 0) { x++; continue; }
    let e = x + 1;
    while (e < w && data[row + e] !== 0) e++;
    starts[n] = x; ends[n++] = e;
    x = e;
  }
  return n;
}

/** Phase 1 downward, one row from index `i`: 0 on a set pixel, else one more than above (capped). */
function downFromSet(data: Uint8Array | Uint8ClampedArray, g: Uint8Array, i: number, w: number, cap: number): void {
  for (const end = i + w; i < end; i++) {
    if (data[i] !== 0) g[i] = 0;
    else { const above = g[i - w]! + 1; g[i] = above < cap ? above : cap; }
  }
}

function downFromUnset(data: Uint8Array | Uint8ClampedArray, g: Uint8Array, i: number, w: number, cap: number): void {
  for (const end = i + w; i < end; i++) {
    if (data[i] === 0) g[i] = 0;
    else { const above = g[i - w]! + 1; g[i] = above < cap ? above : cap; }
  }
}

/**
 * {@link downFromSet} four pixels at a time where the mask's word is all 255 (four sources: 0) or all 0 under
 * a word of capped distances (still capped); pixel by pixel elsewhere and at the row's unaligned ends.
 * `d32`/`g32` view `data`/`g` from their first byte, which is 4-byte aligned.
 */
function downFromSet4(data: Uint8Array | Uint8ClampedArray, d32: Int32Array, g: Uint8Array, g32: Int32Array, i: number, w: number, cap: number, capWord: number): void {
  const end = i + w;
  for (; i < end && (i & 3) !== 0; i++) downOne(data[i] !== 0, g, i, w, cap);
  for (const wordEnd = end & ~3, up = w >> 2; i < wordEnd; i += 4) {
    const k = i >> 2, dv = d32[k]!;
    if (dv === -1) { g32[k] = 0; continue; }
    if (dv === 0 && (w & 3) === 0 && g32[k - up] === capWord) { g32[k] = capWord; continue; }
    downOne(data[i] !== 0, g, i, w, cap); downOne(data[i + 1] !== 0, g, i + 1, w, cap);
    downOne(data[i + 2] !== 0, g, i + 2, w, cap); downOne(data[i + 3] !== 0, g, i + 3, w, cap);
  }
  for (; i < end; i++) downOne(data[i] !== 0, g, i, w, cap);
}

/** {@link downFromUnset} four pixels at a time, as {@link downFromSet4} with the mask's values swapped. */
function downFromUnset4(data: Uint8Array | Uint8ClampedArray, d32: Int32Array, g: Uint8Array, g32: Int32Array, i: number, w: number, cap: number, capWord: number): void {
  const end = i + w;
  for (; i < end && (i & 3) !== 0; i++) downOne(data[i] === 0, g, i, w, cap);
  for (const wordEnd = end & ~3, up = w >> 2; i < wordEnd; i += 4) {
    const k = i >> 2, dv = d32[k]!;
    if (dv === 0) { g32[k] = 0; continue; }
    if (dv === -1 && (w & 3) === 0 && g32[k - up] === capWord) { g32[k] = capWord; continue; }
    downOne(data[i] === 0, g, i, w, cap); downOne(data[i + 1] === 0, g, i + 1, w, cap);
    downOne(data[i + 2] === 0, g, i + 2, w, cap); downOne(data[i + 3] === 0, g, i + 3, w, cap);
  }
  for (; i < end; i++) downOne(data[i] === 0, g, i, w, cap);
}

/** One pixel of the downward sweep: 0 on a source, else one more than above (capped). */
function downOne(source: boolean, g: Uint8Array, i: number, w: number, cap: number): void {
  if (source) g[i] = 0;
  else { const above = g[i - w]! + 1; g[i] = above < cap ? above : cap; }
}

/** {@link upward} four pixels at a time where g's word is all 0, or all capped above a capped word (nothing changes). */
function upward4(g: Uint8Array, g32: Int32Array, i: number, w: number, capWord: number): void {
  const end = i + w;
  let k = end - 1;
  for (; k >= i && ((k + 1) & 3) !== 0; k--) upOne(g, k, w);
  for (const down = w >> 2; k - 3 >= i; k -= 4) {
    const q = (k - 3) >> 2, v = g32[q]!;
    if (v === 0 || (v === capWord && (w & 3) === 0 && g32[q + down] === capWord)) continue;
    upOne(g, k, w); upOne(g, k - 1, w); upOne(g, k - 2, w); upOne(g, k - 3, w);
  }
  for (; k >= i; k--) upOne(g, k, w);
}

function upOne(g: Uint8Array, k: number, w: number): void {
  const below = g[k + w]! + 1;
  if (below < g[k]!) g[k] = below;
}

/** Phase 1 upward, one row from index `i`: the nearer of the row below plus one and the downward distance. */
function upward(g: Uint8Array, i: number, w: number): void {
  for (let k = i + w - 1; k >= i; k--) {
    const below = g[k + w]! + 1;
    if (below < g[k]!) g[k] = below;
  }
}

/** Phase 2 over one row [row, end). */
function alongRow(g: Uint8Array, out: Uint16Array, row: number, end: number, cap: number, far: number, runA: Int32Array, runB: Int32Array, runC: Int32Array): void {
  let runs = 0;
  for (let a = row; a < end;) {
    const c = g[a]!;
    let b = a + 1;
    while (b < end && g[b] === c) b++;
    if (c >= cap) out.fill(far, a, b);
    else {
      out.fill(c * c, a, b);
      runA[runs] = a; runB[runs] = b; runC[runs++] = c;
    }
    a = b;
  }
  for (let k = 0; k < runs; k++) {
    const a = runA[k]!, last = runB[k]! - 1, c2 = runC[k]! * runC[k]!;
    for (let dx = 1; dx < cap; dx++) {
      const v = dx * dx + c2;
      if (v >= far) break;
      const l = a - dx, r = last + dx;
      if (l < row && r >= end) break;
      if (l >= row && v < out[l]!) out[l] = v;
      if (r < end && v < out[r]!) out[r] = v;
    }
  }
}

/** What {@link componentsByRuns} returns: as core/morphology's `Components`. */
export interface RunComponents {
  labels: Int32Array;
  count: number;
  boxes: Box[];
  areas: number[];
}

/**
 * Connected components of the non-zero pixels in one pass over the mask's runs (a union–find over the runs of
 * set pixels, each run joined to the runs it touches in the row above), labelled in the order of each
 * component's first pixel in raster order — the same labels, boxes and areas as a flood fill started at every
 * unlabelled pixel in raster order.
 *
 * @example
 * const { count, boxes, areas } = componentsByRuns(mask, 8);
 */
export function componentsByRuns(mask: EditMask, connectivity: 4 | 8 = 8): RunComponents {
  return runComponents(mask, connectivity, { x: 0, y: 0, width: mask.width, height: mask.height }, true);
}

/**
 * The components' count, boxes and areas (no label image) of the non-zero pixels inside `within`, with boxes in
 * the mask's coordinates: what {@link componentsByRuns} gives for `crop(mask, within)`, boxes shifted back,
 * without the copy and without the label image (a crop planner needs only the boxes).
 *
 * @example
 * const { count, boxes, areas } = componentStats(mask, 8, boundingBox(mask)!);
 */
export function componentStats(mask: EditMask, connectivity: 4 | 8, within: Box): Omit<RunComponents, 'labels'> {
  const { count, boxes, areas } = runComponents(mask, connectivity, within, false);
  return { count, boxes: boxes.map((b) => ({ ...b, x: b.x + within.x, y: b.y + within.y })), areas };
}

function runComponents(mask: EditMask, connectivity: 4 | 8, within: Box, wantLabels: boolean): RunComponents {
  if (within.x < 0 || within.y < 0 || within.width < 0 || within.height < 0 || within.x + within.width > mask.width || within.y + within.height > mask.height) {
    throw new RangeError(`box ${within.x},${within.y},${within.width},${within.height} is not inside the ${mask.width}x${mask.height} mask`);
  }
  const { width: w, height: h } = within;
  const stride = mask.width, data = mask.data, base = within.y * stride + within.x;
  // Runs as (row, start, end exclusive), in raster order.
  let cap = 1024;
  let rs = new Int32Array(cap), re = new Int32Array(cap), ry = new Int32Array(cap), parent = new Int32Array(cap);
  let count = 0;
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[i] !== r) { const next = parent[i]!; parent[i] = r; i = next; }
    return r;
  };
  const reach = connectivity === 8 ? 1 : 0;
  let prevStart = 0, prevEnd = 0; // runs of the row above: [prevStart, prevEnd)
  // One row's runs, found by a function called once per row (optimised after a few rows).
  const starts = new Int32Array((w >> 1) + 1), ends = new Int32Array((w >> 1) + 1);
  for (let y = 0; y < h; y++) {
    const rowStart = count;
    let p = prevStart;
    const found = rowRuns(data, base + y * stride, w, starts, ends);
    for (let j = 0; j < found; j++) {
      const x = starts[j]!, e = ends[j]!;
      if (count === cap) {
        cap *= 2;
        const grow = (a: Int32Array) => { const b = new Int32Array(cap); b.set(a); return b; };
        rs = grow(rs); re = grow(re); ry = grow(ry); parent = grow(parent);
      }
      const k = count++;
      rs[k] = x; re[k] = e; ry[k] = y; parent[k] = k;
      // Runs above that touch [x - reach, e + reach): skip those ending before, join those starting before the end.
      while (p < prevEnd && re[p]! + reach <= x) p++;
      for (let q = p; q < prevEnd && rs[q]! < e + reach; q++) {
        const a = find(q), b = find(k);
        if (a !== b) { if (a < b) parent[b] = a; else parent[a] = b; }
      }
    }
    prevStart = rowStart;
    prevEnd = count;
  }
  // Label in the order of first appearance: runs are in raster order, so a root's first run is its first pixel.
  const labels = new Int32Array(wantLabels ? w * h : 0);
  const labelOf = new Int32Array(count);
  const boxes: Box[] = [];
  const areas: number[] = [];
  const minX: number[] = [], maxX: number[] = [], minY: number[] = [], maxY: number[] = [];
  let next = 0;
  for (let k = 0; k < count; k++) {
    const r = find(k);
    let label = labelOf[r]!;
    if (label === 0) {
      label = labelOf[r] = ++next;
      minX.push(rs[k]!); maxX.push(re[k]! - 1); minY.push(ry[k]!); maxY.push(ry[k]!); areas.push(0);
    }
    const li = label - 1, y = ry[k]!, s = rs[k]!, e = re[k]!;
    if (s < minX[li]!) minX[li] = s;
    if (e - 1 > maxX[li]!) maxX[li] = e - 1;
    if (y > maxY[li]!) maxY[li] = y;
    areas[li]! += e - s;
    if (wantLabels) labels.fill(label, y * w + s, y * w + e);
  }
  for (let li = 0; li < next; li++) boxes.push({ x: minX[li]!, y: minY[li]!, width: maxX[li]! - minX[li]! + 1, height: maxY[li]! - minY[li]! + 1 });
  return { labels, count: next, boxes, areas };
}
