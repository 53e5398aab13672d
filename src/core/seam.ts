/**
 * Seam handling for a stitch: the model's pixels inside the mask rarely continue the original's colours
 * exactly (GPT image outputs carry a global colour cast and re-rendered noise), so a hard or feathered paste
 * leaves a visible seam. Two corrections, measured against each other in bench/locality.bench.ts:
 *
 * - {@link matchSeam}: a per-channel gain/offset that maps the result's colours onto the original's,
 *   estimated on the ring just outside the region's boundary, where the two should agree;
 * - {@link poissonSeam}: a gradient-domain blend (Pérez, Gangnet & Blake, "Poisson Image Editing",
 *   SIGGRAPH 2003): inside the region, keep the result's gradients and take the original as the Dirichlet
 *   boundary. Solved as the membrane correction c = f − result, which is harmonic inside the region with
 *   c = original − result on its boundary, coarse to fine with Jacobi-preconditioned conjugate gradients on
 *   the region's pixels only (bounded iterations).
 *
 * Both return a copy of `result` whose region pixels are corrected; outside the region the copy equals the
 * result, and the caller's blend decides what reaches the output.
 */
import { distancesWithin } from './morphology.js';
import { boxInside } from './crop.js';
import { cloneRaster, type Box, type EditMask, type Raster } from './raster.js';

type Rgba = Raster & { channels: 4 };

export interface ColorMatch {
  /** Per channel R, G, B: corrected = gain · result + offset. */
  gain: [number, number, number];
  offset: [number, number, number];
  /** Pixels the estimate used. */
  samples: number;
}

export interface MatchOptions {
  /** Band half-width in pixels on each side of the boundary (default 6). */
  ring?: number;
  /** Only sample inside this box (e.g. where a cropped result actually has pixels). */
  within?: Box;
  /**
   * Sample the ring just outside this mask instead of outside `region`: the pixels the model was allowed to
   * change (the grown mask it was sent). Between that mask and the blend region the model may have drawn new
   * content, so only beyond it does the result show nothing but the model's cast.
   */
  changed?: EditMask;
}

export const DEFAULT_RING = 6;

/** Gains outside this range are not a colour cast but different content; they are clamped. */
const GAIN_MIN = 0.8, GAIN_MAX = 1.25;
/** Below this correlation between original and result on the band, only the mean is matched. */
const MIN_CORRELATION = 0.98;

/**
 * Pixels within `ring` px of the region's boundary, on both sides: a flag array.
 */
export function boundaryBand(region: EditMask, ring: number): Uint8Array {
  const inside = distancesWithin(region, 'unset', ring);
  const outside = distancesWithin(region, 'set', ring);
  const r2 = ring * ring;
  const band = new Uint8Array(region.data.length);
  for (let i = 0; i < band.length; i++) band[i] = (region.data[i] !== 0 ? inside[i]! : outside[i]!) <= r2 ? 1 : 0;
  return band;
}

/**
 * Estimates the result's colour cast on the ring just outside the changed region: per channel, an offset that
 * matches the means, and a gain (least squares of the original on the result) only where the two are strongly
 * correlated there.
 *
 * @example
 * const { gain, offset } = estimateColorMatch(original, result, region);
 */
export function estimateColorMatch(original: Rgba, result: Rgba, region: EditMask, opts: MatchOptions = {}): ColorMatch {
  return colorMatchOf(original, result, seamSamples(region, opts));
}

/**
 * The pixels {@link estimateColorMatch} samples (indices into `region`, in raster order): the kept side of the
 * ring just outside the changed pixels, within `opts.within`. They depend on the masks alone, so a caller can
 * find them before the result arrives and pass them to {@link colorMatchOf}.
 *
 * @example
 * const samples = seamSamples(blend, { changed: modelMask });
 * const cast = colorMatchOf(original, result, samples); // = estimateColorMatch(original, result, blend, { changed: modelMask })
 */
export function seamSamples(region: EditMask, opts: MatchOptions = {}): Int32Array {
  const sampled = opts.changed ?? region;
  // Only the kept side of the boundary is sampled, so one distance transform (to the changed pixels) is enough.
  const ring = opts.ring ?? DEFAULT_RING;
  const toChanged = distancesWithin(sampled, 'set', ring);
  const w = region.width;
  const within = opts.within && boxInside(opts.within, region) ? opts.within : { x: 0, y: 0, width: w, height: region.height };
  // Only the kept side of the band: there the result should equal the original but for the model's cast.
  // Inside the region the content legitimately changed (a new object), and sampling it would "correct" the
  // edit back towards what was there before.
  let list = new Int32Array(1024), n = 0;
  for (let y = within.y; y < within.y + within.height; y++) {
    const found = ringRow(sampled.data, toChanged, ring * ring, y * w + within.x, within.width, list, n);
    if (found < 0) {
      const bigger = new Int32Array(list.length * 2 + within.width);
      bigger.set(list.subarray(0, n));
      list = bigger;
      y--;
      continue;
    }
    n = found;
  }
  return list.slice(0, n);
}

/** One row of {@link seamSamples}: appends to `list` from `n`; returns the new count, or −1 when `list` may be too short. */
function ringRow(sampled: Uint8Array | Uint8ClampedArray, toChanged: ArrayLike<number>, r2: number, i: number, len: number, list: Int32Array, n: number): number {
  if (n + len > list.length) return -1;
  for (const end = i + len; i < end; i++) if (sampled[i] === 0 && toChanged[i]! <= r2) list[n++] = i;
  return n;
}

/** {@link estimateColorMatch}'s fit over the given sample pixels (from {@link seamSamples}). */
export function colorMatchOf(original: Rgba, result: Rgba, samples: Int32Array): ColorMatch {
  const so = [0, 0, 0], sr = [0, 0, 0], soo = [0, 0, 0], srr = [0, 0, 0], sor = [0, 0, 0];
  const n = samples.length;
  const od = original.data, rd = result.data;
  for (let s = 0; s < n; s++) {
    const i = samples[s]!;
    for (let k = 0; k < 3; k++) {
      const a = od[i * 4 + k]!, b = rd[i * 4 + k]!;
      so[k]! += a; sr[k]! += b; soo[k]! += a * a; srr[k]! += b * b; sor[k]! += a * b;
    }
  }
  const gain: [number, number, number] = [1, 1, 1];
  const offset: [number, number, number] = [0, 0, 0];
  if (n === 0) return { gain, offset, samples: 0 };
  for (let k = 0; k < 3; k++) {
    const mo = so[k]! / n, mr = sr[k]! / n;
    const vo = Math.max(0, soo[k]! / n - mo * mo), vr = Math.max(0, srr[k]! / n - mr * mr);
    const cov = sor[k]! / n - mo * mr;
    // A gain is only trusted where the band's structure lines up (correlation ≥ MIN_CORRELATION): a flat band
    // says nothing about gain, and where the result is a resampled (blurred) or re-rendered version of the
    // original its spread shrinks without any change of contrast, which a spread ratio would read as a gain and
    // amplify the new content with. Then only the mean is matched. The fit regresses the original on the result.
    const corr = vr > 4 && vo > 4 ? cov / Math.sqrt(vo * vr) : 0;
    const g = corr >= MIN_CORRELATION ? Math.min(GAIN_MAX, Math.max(GAIN_MIN, cov / vr)) : 1;
    gain[k] = g;
    offset[k] = mo - g * mr;
  }
  return { gain, offset, samples: n };
}

/**
 * The result with its colour cast removed inside the region (alpha untouched).
 *
 * @example
 * const corrected = matchSeam(original, result, blend);
 */
export function matchSeam(original: Rgba, result: Rgba, region: EditMask, opts: MatchOptions = {}): Rgba {
  const { gain, offset } = estimateColorMatch(original, result, region, opts);
  const out = cloneRaster(result);
  const d = out.data, m = region.data;
  for (let i = 0; i < m.length; i++) {
    if (m[i] === 0) continue;
    for (let k = 0; k < 3; k++) {
      const v = gain[k]! * d[i * 4 + k]! + offset[k]!;
      d[i * 4 + k] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return out;
}

export interface PoissonOptions {
  /** Conjugate-gradient iterations per channel on each grid level at most (default 30; 1000 on the coarsest). */
  maxIterations?: number;
  /** Stop a level when the residual's norm falls below this fraction of its initial one (default 1e-3). */
  tolerance?: number;
}

export interface PoissonStats {
  unknowns: number;
  levels: number;
  /** Iterations on the finest level, per channel. */
  iterations: [number, number, number];
}

/** Below this many unknowns a level is solved directly instead of from a coarser one. */
const COARSEST_UNKNOWNS = 2048;

/**
 * Gradient-domain blend of `result` into `original` over the region (mask value > 0). Pixels outside the
 * image count as absent (Neumann), so a region touching the border still solves; a region with no boundary
 * at all (the whole image) keeps the result.
 *
 * The correction is solved coarse to fine (cascadic multigrid, Bornemann & Deuflhard 1996): each level halves
 * the grid (a coarse cell is known when any of its four pixels is, with their mean), the coarse solution
 * interpolated bilinearly is the next level's starting point, and a few preconditioned CG iterations remove
 * what interpolation got wrong near the boundary.
 *
 * @example
 * const blended = poissonSeam(original, result, blend);
 */
export function poissonSeam(original: Rgba, result: Rgba, region: EditMask, opts: PoissonOptions = {}, stats?: PoissonStats): Rgba {
  const { width: w, height: h } = region;
  const m = region.data;
  const out = cloneRaster(result);
  const its: [number, number, number] = [0, 0, 0];
  let levels = 0;
  const known = new Float64Array(w * h);
  let unknowns = 0;
  for (let ch = 0; ch < 3; ch++) {
    for (let i = 0; i < m.length; i++) known[i] = m[i] !== 0 ? NaN : original.data[i * 4 + ch]! - result.data[i * 4 + ch]!;
    const info = { levels: 0, iterations: 0, unknowns: 0 };
    const c = solveMembrane(known, w, h, opts, info);
    its[ch] = info.iterations;
    levels = info.levels;
    unknowns = info.unknowns;
    const d = out.data;
    for (let i = 0; i < m.length; i++) {
      if (m[i] === 0) continue;
      const v = result.data[i * 4 + ch]! + c[i]!;
      d[i * 4 + ch] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  if (stats) { stats.unknowns = unknowns; stats.levels = levels; stats.iterations = its; }
  return out;
}

/**
 * Fills the NaN cells of `known` (a w×h grid) with the harmonic interpolant of the known cells around them
 * (Laplace's equation, known cells as Dirichlet values, the grid's edge as Neumann). Returns a new grid.
 */
export function solveMembrane(known: Float64Array, w: number, h: number, opts: PoissonOptions = {},
  info: { levels: number; iterations: number; unknowns: number } = { levels: 0, iterations: 0, unknowns: 0 }): Float64Array {
  const x = Float64Array.from(known);
  const index = new Int32Array(w * h).fill(-1);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i]!)) index[i] = n++;
  info.unknowns = n;
  info.levels = 1;
  if (n === 0) return x;
  const pixel = new Int32Array(n);
  for (let i = 0; i < x.length; i++) if (index[i]! >= 0) pixel[index[i]!] = i;
  const nb = new Int32Array(n * 4).fill(-1);
  const deg = new Float64Array(n);
  const b = new Float64Array(n);
  let boundary = 0;
  for (let u = 0; u < n; u++) {
    const i = pixel[u]!;
    const px = i % w, py = (i - px) / w;
    const cand = [px > 0 ? i - 1 : -1, px < w - 1 ? i + 1 : -1, py > 0 ? i - w : -1, py < h - 1 ? i + w : -1];
    for (let k = 0; k < 4; k++) {
      const q = cand[k]!;
      if (q < 0) continue;
      deg[u]!++;
      if (index[q]! >= 0) nb[u * 4 + k] = index[q]!;
      else { b[u]! += known[q]!; boundary++; }
    }
  }
  const guess = new Float64Array(n);
  const coarsest = n <= COARSEST_UNKNOWNS || w < 4 || h < 4;
  if (!coarsest) {
    // Coarse grid: a cell is known when any of its pixels is, with their mean.
    const cw = (w + 1) >> 1, chh = (h + 1) >> 1;
    const coarse = new Float64Array(cw * chh);
    for (let cy = 0; cy < chh; cy++) {
      for (let cx = 0; cx < cw; cx++) {
        let s = 0, k = 0;
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
          const fx = 2 * cx + dx, fy = 2 * cy + dy;
          if (fx >= w || fy >= h) continue;
          const v = known[fy * w + fx]!;
          if (!Number.isNaN(v)) { s += v; k++; }
        }
        coarse[cy * cw + cx] = k ? s / k : NaN;
      }
    }
    const sub = { levels: 0, iterations: 0, unknowns: 0 };
    const cs = solveMembrane(coarse, cw, chh, opts, sub);
    info.levels = sub.levels + 1;
    // Bilinear interpolation of the coarse solution (cell centres sit at fine 2c + 0.5).
    for (let u = 0; u < n; u++) {
      const i = pixel[u]!;
      const px = i % w, py = (i - px) / w;
      const fx = Math.min(cw - 1, Math.max(0, (px - 0.5) / 2)), fy = Math.min(chh - 1, Math.max(0, (py - 0.5) / 2));
      const x0 = Math.floor(fx), y0 = Math.floor(fy);
      const x1 = Math.min(cw - 1, x0 + 1), y1 = Math.min(chh - 1, y0 + 1);
      const ax = fx - x0, ay = fy - y0;
      guess[u] = (cs[y0 * cw + x0]! * (1 - ax) + cs[y0 * cw + x1]! * ax) * (1 - ay) + (cs[y1 * cw + x0]! * (1 - ax) + cs[y1 * cw + x1]! * ax) * ay;
    }
  } else if (boundary > 0) {
    let s = 0;
    for (let u = 0; u < n; u++) s += b[u]!;
    guess.fill(s / boundary);
  }
  const work = { r: new Float64Array(n), z: new Float64Array(n), p: new Float64Array(n), ap: new Float64Array(n) };
  const iterations = coarsest ? Math.max(1000, opts.maxIterations ?? 0) : opts.maxIterations ?? 30;
  info.iterations = conjugateGradient(nb, deg, b, guess, work, iterations, opts.tolerance ?? 1e-3);
  for (let u = 0; u < n; u++) x[pixel[u]!] = guess[u]!;
  return x;
}

/**
 * Jacobi-preconditioned CG for A·x = b with A = diag(deg) − adjacency among unknowns (the 5-point Laplacian
 * with Dirichlet/Neumann edges); x holds the initial guess. Three fused passes per iteration. Returns the
 * iterations used.
 */
function conjugateGradient(nb: Int32Array, deg: Float64Array, b: Float64Array, x: Float64Array,
  w: { r: Float64Array; z: Float64Array; p: Float64Array; ap: Float64Array }, maxIterations: number, tolerance: number): number {
  const n = deg.length;
  const { r, z, p, ap } = w;
  const inv = new Float64Array(n);
  for (let u = 0; u < n; u++) inv[u] = 1 / deg[u]!;
  let rz = 0, rr = 0;
  for (let u = 0; u < n; u++) {
    const o = u * 4;
    let s = deg[u]! * x[u]!;
    const a = nb[o]!, bb = nb[o + 1]!, c = nb[o + 2]!, d = nb[o + 3]!;
    if (a >= 0) s -= x[a]!;
    if (bb >= 0) s -= x[bb]!;
    if (c >= 0) s -= x[c]!;
    if (d >= 0) s -= x[d]!;
    const ru = b[u]! - s;
    r[u] = ru;
    const zu = ru * inv[u]!;
    z[u] = zu;
    p[u] = zu;
    rz += ru * zu;
    rr += ru * ru;
  }
  const stop = Math.max(rr * tolerance * tolerance, 1e-12 * n);
  let it = 0;
  for (; it < maxIterations && rr > stop; it++) {
    let pap = 0;
    for (let u = 0; u < n; u++) {
      const o = u * 4;
      let s = deg[u]! * p[u]!;
      const a = nb[o]!, bb = nb[o + 1]!, c = nb[o + 2]!, d = nb[o + 3]!;
      if (a >= 0) s -= p[a]!;
      if (bb >= 0) s -= p[bb]!;
      if (c >= 0) s -= p[c]!;
      if (d >= 0) s -= p[d]!;
      ap[u] = s;
      pap += p[u]! * s;
    }
    if (pap <= 0) break;
    const alpha = rz / pap;
    let rzNext = 0;
    rr = 0;
    for (let u = 0; u < n; u++) {
      x[u]! += alpha * p[u]!;
      const ru = r[u]! - alpha * ap[u]!;
      r[u] = ru;
      const zu = ru * inv[u]!;
      z[u] = zu;
      rzNext += ru * zu;
      rr += ru * ru;
    }
    const beta = rzNext / rz;
    rz = rzNext;
    for (let u = 0; u < n; u++) p[u] = z[u]! + beta * p[u]!;
  }
  return it;
}
