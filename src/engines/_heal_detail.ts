/**
 * Detail matching, the heal engine's last step: a fill as sharp as what surrounds it.
 *
 * Least-squares patch matching prefers smooth sources (a flat patch is closer to a blurry estimate than a patch of
 * the same texture shifted by a pixel), and the gradient-domain step averages where constraints disagree, so the
 * fill comes out with less fine detail than its surroundings: a soft, smeared look that retouchers fix by hand
 * with an unsharp mask or added grain. This measures the luma gradient on a ring of known pixels around the hole
 * and inside the fill, and, when the fill is softer, adds back its own high frequencies (the fill minus its 3×3
 * mean) with the smallest gain that brings the fill's statistic to `target` × the ring's. Which statistic, and how
 * far the gain may go, depends on the ring:
 * - **flat** (median gradient under FLAT_RING levels: a sky, a wall, a backdrop): its fine structure is sensor noise
 *   and JPEG blocks, and so is most of the fill's high-pass. The **median** is matched (a mean would count a tower
 *   beside the sky and turn the sky to grain) with a gain of at most 1: at 2 a sky filled beside a tower showed its
 *   Poisson and JPEG structure as blotches (docs/engines.md).
 * - **textured** (fur, grass, fabric, fruit): the texture's strong edges are part of its look. The **mean** is
 *   matched, with a gain of at most 2.
 * The gain tapers to nothing at the hole's border (no outline: none on its first ring, half on the second) and is
 * 0 when the fill is already as sharp. Only the colour channels of hole pixels change.
 */

import { lumaAt } from './_heal_texture.js';

/** Inner zone: hole pixels at least this far (chessboard) from the known image; ring: known pixels this far out. */
const INNER = 3, RING_FROM = 3, RING_TO = 12;
/**
 * The taper: a hole pixel at depth d (1 = touching the known image) gets min(1, max(0, (d − TAPER) / 2)) of the
 * gain: none at depth 1, half at 2, all from 3. (Thick parts started at depth 3 until the seventh pass; structure
 * continuation left the bench's seam ratio at 1.08, and starting at 2 moved it to 1.09 with no outline seen.)
 */
const TAPER = 1;
/** Work boxes above this many pixels take their statistics from every other row and column. */
const SAMPLE_ALL = 600_000;
/**
 * A ring whose median luma gradient is below this many levels is flat: what varies in it is noise and compression,
 * not texture. (Measured on the engines bench's rings: skies 0.75–1.2, brick's faces 1.4–1.7, the coffee's table
 * 2.9; fur, fabric, grass, fruit 3.5–23.)
 */
export const FLAT_RING = 3;
/** The largest gain on a flat ring, and on a textured one. */
export const MAX_GAIN_FLAT = 1, MAX_GAIN_TEXTURED = 2;

/** What matchDetail did: the gain (0 = none), whether the ring counted as flat, and the ring's median and mean gradient. */
export interface DetailMatch { gain: number; flat: boolean; ringMedian: number; ringMean: number }

/**
 * Sharpens the hole pixels of `img` (w×h RGBA floats; channel 3 untouched) towards `target` × the ring's median
 * gradient (flat ring) or mean gradient (textured ring), one gain for the whole hole.
 */
export function matchDetail(img: Float32Array, hole: Uint8Array, w: number, h: number, target: number): DetailMatch {
  const depth = chessDepth(hole, w, h, RING_TO + 1);
  const luma = lumaPlane(img, w * h);
  // A big hole's statistics from every other row and column (a median of 150,000 samples moves by far less
  // than the bisection's step).
  const step = w * h > SAMPLE_ALL ? 2 : 1;
  const { median, mean } = ringGradient(luma, w, h, depth, hole, step);
  const flat = median < FLAT_RING;
  const none = { gain: 0, flat, ringMedian: median, ringMean: mean };
  const ring = flat ? median : mean;
  if (target <= 0 || ring <= 0) return none;
  const hp = highPass(img, hole, depth, w, h);
  const hpLuma = lumaPlane(hp, w * h);
  const gain = solveGain(luma, hpLuma, depth, hole, w, h, target * ring, flat ? MAX_GAIN_FLAT : MAX_GAIN_TEXTURED, flat ? 'median' : 'mean', step);
  if (gain > 0) addScaled(img, hp, hole, gain);
  return { ...none, gain };
}

/**
 * Distance (chessboard, capped at `cap`) of every pixel to the nearest pixel of the other kind (hole vs known):
 * 1 for a pixel with a neighbour of the other kind. Each pass is a small per-row function (V8 optimises a row
 * function called many times early; one long loop run once would stay in the interpreter for much of it).
 */
function chessDepth(hole: Uint8Array, w: number, h: number, cap: number): Uint8Array {
  const d = new Uint8Array(w * h).fill(cap);
  for (let y = 0; y < h; y++) borderRow(hole, d, w, h, y);
  for (let y = 0; y < h; y++) forwardRow(hole, d, w, y);
  for (let y = h - 1; y >= 0; y--) backwardRow(hole, d, w, h, y);
  return d;
}

/** Row y: depth 1 where a pixel has an 8-neighbour of the other kind. */
function borderRow(hole: Uint8Array, d: Uint8Array, w: number, h: number, y: number): void {
  const up = y > 0 ? -w : 0, down = y < h - 1 ? w : 0;
  for (let x = 0, i = y * w; x < w; x++, i++) {
    const me = hole[i], l = x > 0 ? -1 : 0, r = x < w - 1 ? 1 : 0;
    if (hole[i + l] !== me || hole[i + r] !== me || hole[i + up] !== me || hole[i + down] !== me
      || hole[i + up + l] !== me || hole[i + up + r] !== me || hole[i + down + l] !== me || hole[i + down + r] !== me) d[i] = 1;
  }
}

/** Chamfer pass from above and the left, within each kind. */
function forwardRow(hole: Uint8Array, d: Uint8Array, w: number, y: number): void {
  for (let x = 0, i = y * w; x < w; x++, i++) {
    const me = hole[i];
    let v = d[i]!;
    if (x > 0 && hole[i - 1] === me && d[i - 1]! + 1 < v) v = d[i - 1]! + 1;
    if (y > 0) {
      const j = i - w;
      if (hole[j] === me && d[j]! + 1 < v) v = d[j]! + 1;
      if (x > 0 && hole[j - 1] === me && d[j - 1]! + 1 < v) v = d[j - 1]! + 1;
      if (x < w - 1 && hole[j + 1] === me && d[j + 1]! + 1 < v) v = d[j + 1]! + 1;
    }
    d[i] = v;
  }
}

/** Chamfer pass from below and the right, within each kind. */
function backwardRow(hole: Uint8Array, d: Uint8Array, w: number, h: number, y: number): void {
  for (let x = w - 1, i = y * w + w - 1; x >= 0; x--, i--) {
    const me = hole[i];
    let v = d[i]!;
    if (x < w - 1 && hole[i + 1] === me && d[i + 1]! + 1 < v) v = d[i + 1]! + 1;
    if (y < h - 1) {
      const j = i + w;
      if (hole[j] === me && d[j]! + 1 < v) v = d[j]! + 1;
      if (x > 0 && hole[j - 1] === me && d[j - 1]! + 1 < v) v = d[j - 1]! + 1;
      if (x < w - 1 && hole[j + 1] === me && d[j + 1]! + 1 < v) v = d[j + 1]! + 1;
    }
    d[i] = v;
  }
}

function lumaPlane(img: Float32Array, n: number): Float32Array {
  const l = new Float32Array(n);
  for (let i = 0; i < n; i++) l[i] = lumaAt(img, i);
  return l;
}

/** The 3×3 gradient across (mean of the differences, as the engines bench measures it) at interior pixel i. */
function gradX(l: Float32Array, i: number, w: number): number {
  return (l[i - w + 1]! + l[i + 1]! + l[i + w + 1]! - l[i - w - 1]! - l[i - 1]! - l[i + w - 1]!) / 3;
}

/** …and down. */
function gradY(l: Float32Array, i: number, w: number): number {
  return (l[i + w - 1]! + l[i + w]! + l[i + w + 1]! - l[i - w - 1]! - l[i - w]! - l[i - w + 1]!) / 3;
}

/** Median and mean gradient magnitude over the ring: known pixels RING_FROM–RING_TO out. */
function ringGradient(l: Float32Array, w: number, h: number, depth: Uint8Array, hole: Uint8Array, step: number): { median: number; mean: number } {
  const inRing = (i: number) => hole[i] === 0 && depth[i]! >= RING_FROM && depth[i]! <= RING_TO;
  let n = 0;
  for (let y = 1; y < h - 1; y += step) for (let x = 1, i = y * w + 1; x < w - 1; x += step, i += step) if (inRing(i)) n++;
  if (n === 0) return { median: 0, mean: 0 };
  const g = new Float32Array(n);
  let k = 0, sum = 0;
  for (let y = 1; y < h - 1; y += step) {
    for (let x = 1, i = y * w + 1; x < w - 1; x += step, i += step) {
      if (!inRing(i)) continue;
      const v = Math.hypot(gradX(l, i, w), gradY(l, i, w));
      g[k++] = v; sum += v;
    }
  }
  return { median: g.sort()[n >> 1]!, mean: sum / n };
}

/** Per hole pixel and colour channel: the value minus its 3×3 mean, times the border taper (0 at depth 1). */
function highPass(img: Float32Array, hole: Uint8Array, depth: Uint8Array, w: number, h: number): Float32Array {
  const hp = new Float32Array(img.length);
  for (let y = 1; y < h - 1; y++) highPassRow(img, hole, depth, w, y, hp);
  return hp;
}

function highPassRow(img: Float32Array, hole: Uint8Array, depth: Uint8Array, w: number, y: number, hp: Float32Array): void {
  const s = w * 4;
  for (let x = 1, i = y * w + 1; x < w - 1; x++, i++) {
    if (!hole[i]) continue;
    const taper = Math.min(1, Math.max(0, (depth[i]! - TAPER) / 2));
    if (taper <= 0) continue;
    for (let c = 0, a = i * 4; c < 3; c++, a++) {
      const m = img[a - s - 4]! + img[a - s]! + img[a - s + 4]! + img[a - 4]! + img[a]! + img[a + 4]! + img[a + s - 4]! + img[a + s]! + img[a + s + 4]!;
      hp[a] = taper * (img[a]! - m / 9);
    }
  }
}

/**
 * The smallest gain in [0, maxGain] (bisection) whose sharpened fill has a median (at least half the inner pixels'
 * gradients reach `want`) or mean gradient of at least `want` inside.
 */
function solveGain(l: Float32Array, t: Float32Array, depth: Uint8Array, hole: Uint8Array, w: number, h: number, want: number, maxGain: number, statistic: 'median' | 'mean', step: number): number {
  const inner = (i: number) => hole[i] !== 0 && depth[i]! >= INNER;
  let n = 0;
  for (let y = 1; y < h - 1; y += step) for (let x = 1, i = y * w + 1; x < w - 1; x += step, i += step) if (inner(i)) n++;
  if (n === 0) return 0;
  // Per inner pixel: the fill's gradient (gl) and its high-pass's (gt), x then y.
  const gl = new Float32Array(2 * n), gt = new Float32Array(2 * n);
  let k = 0;
  for (let y = 1; y < h - 1; y += step) {
    for (let x = 1, i = y * w + 1; x < w - 1; x += step, i += step) {
      if (!inner(i)) continue;
      gl[k] = gradX(l, i, w); gl[k + 1] = gradY(l, i, w);
      gt[k] = gradX(t, i, w); gt[k + 1] = gradY(t, i, w);
      k += 2;
    }
  }
  const want2 = want * want;
  const reaches = statistic === 'median'
    ? (k: number) => {
      let above = 0;
      for (let j = 0; j < gl.length; j += 2) {
        const gx = gl[j]! + k * gt[j]!, gy = gl[j + 1]! + k * gt[j + 1]!;
        if (gx * gx + gy * gy >= want2) above++;
      }
      return above * 2 >= n;
    }
    : (k: number) => {
      let sum = 0;
      for (let j = 0; j < gl.length; j += 2) {
        const gx = gl[j]! + k * gt[j]!, gy = gl[j + 1]! + k * gt[j + 1]!;
        sum += Math.sqrt(gx * gx + gy * gy);
      }
      return sum >= want * n;
    };
  if (reaches(0)) return 0;
  if (!reaches(maxGain)) return maxGain;
  let lo = 0, hi = maxGain;
  for (let it = 0; it < 12; it++) {
    const mid = (lo + hi) / 2;
    if (reaches(mid)) hi = mid; else lo = mid;
  }
  return hi;
}

function addScaled(img: Float32Array, hp: Float32Array, hole: Uint8Array, gain: number): void {
  for (let i = 0; i < hole.length; i++) {
    if (!hole[i]) continue;
    const a = i * 4;
    img[a] = img[a]! + gain * hp[a]!; img[a + 1] = img[a + 1]! + gain * hp[a + 1]!; img[a + 2] = img[a + 2]! + gain * hp[a + 2]!;
  }
}
