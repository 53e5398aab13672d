/**
 * Gradient-domain reconstruction of a patch fill: the last step of the heal engine.
 *
 * The patch search says, for every hole pixel, which known pixel it copies (the pixel proposed by the best patch
 * covering it). Copying those colours directly leaves two kinds of step: where the fill meets the known image (an
 * outline, when the source was lit differently) and inside the fill, where neighbouring pixels come from different
 * sources (a sky patch from higher up next to one from lower down). This step copies the sources' **gradients**
 * instead and solves for the colours that have them, with the known image as the boundary (Pérez, Gangnet, Blake,
 * "Poisson Image Editing", SIGGRAPH 2003; the gradient vote of Darabi et al., "Image Melding", SIGGRAPH 2012):
 * - between two hole pixels, the gradient is the mean of what each one's source says about the step to the other
 *   (a within-source gradient: no jump where two sources meet);
 * - between a hole pixel and a known one, the source's own step, with the known pixel as a fixed value — unless
 *   the known pixel differs from what the fill predicts for it by more than `maxDiff` in a channel: that is an edge
 *   the fill does not continue (a pole beside sky), and fixing the solution to it would smear it into the hole, so
 *   that link is left free.
 *
 * The sparse system (one unknown per hole pixel and channel) is solved by conjugate gradients preconditioned by a
 * multigrid V-cycle (Gauss–Seidel smoothing, Galerkin coarse grids of 2×2 cells), from the voted colours as the
 * start: a few steps reach a fill whose texture is the sources' own, with no outline and no tone step. Cost:
 * linear in the hole's size.
 */
import type { LevelArrays } from './_patchmatch_kernel.js';

/** Per-channel difference above which a known pixel beside the hole is an edge, not a boundary value. */
export const POISSON_MAX_DIFF = 32;

interface Grid {
  w: number;
  h: number;
  /** Unknown index of each cell, -1 for none. */
  idx: Int32Array;
  /** Cell of each unknown. */
  cells: Int32Array;
  /** Diagonal of the system per unknown (its links' total weight). */
  diag: Float32Array;
  /** Unknown index of each unknown's 4 neighbours (left, right, up, down), -1 for none; and the links' weights. */
  nb: Int32Array;
  wt: Float32Array;
  /** For each unknown of the next finer grid, its cell's unknown here (empty on the finest grid). */
  fromFiner: Int32Array;
  /** Scratch of the V-cycle: solution, A·solution, right-hand side (4 per unknown). */
  x: Float32Array;
  ax: Float32Array;
  rhs: Float32Array;
}

const SMOOTH = 2, COARSEST_SWEEPS = 24, COARSEST_UNKNOWNS = 64;
/**
 * Over-correction of the coarse grids' answer. Piecewise-constant coarse grids see a smooth error as a staircase
 * and correct only about half of it; scaling the correction (Braess's remedy for aggregation multigrid) keeps the
 * preconditioner symmetric and positive. Measured on a 1024 px fill's system (78,687 unknowns): after 3 steps the
 * mean distance to the converged solution is 0.59 levels with 1.8, 2.39 without.
 */
const OVER = 1.8;

/** Where each hole pixel was copied from: position (-1: none), its patch's distance, and its place in the patch. */
export interface Sources { src: Int32Array; cost: Float32Array; at: Uint8Array }

/**
 * For each hole pixel of the level, the position its best covering patch copies it from (-1: none): the patch of
 * lowest distance among those covering it, as the sharp vote chooses.
 */
export function sourceOfEachPixel(L: LevelArrays): Sources {
  const { w, h, r, hole, target, nnf, dist } = L;
  const src = new Int32Array(w * h).fill(-1);
  const cost = new Float32Array(w * h);
  // Where the pixel sits in its patch: (dy + r) << 4 | (dx + r) (patches are at most 15 wide).
  const at = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const dyMin = Math.max(-r, y - (h - 1)), dyMax = Math.min(r, y);
    for (let x = 0; x < w; x++) {
      const q = y * w + x;
      if (!hole[q]) continue;
      const dxMin = Math.max(-r, x - (w - 1)), dxMax = Math.min(r, x);
      let best = Infinity, s = -1, a = 0;
      for (let dy = dyMin; dy <= dyMax; dy++) {
        for (let dx = dxMin; dx <= dxMax; dx++) {
          const p = q - dy * w - dx;
          if (!target[p]) continue;
          const m = nnf[p]!;
          if (m >= 0 && dist[p]! < best) { best = dist[p]!; s = m + dy * w + dx; a = ((dy + r) << 4) | (dx + r); }
        }
      }
      src[q] = s;
      cost[q] = best;
      at[q] = a;
    }
  }
  return { src, cost, at };
}

/**
 * Replaces the hole pixels of `L.img` (which hold the voted fill) by the colours whose gradients are the
 * sources' gradients and which meet the known image at the hole's border. `iterations` steps of conjugate gradients preconditioned by a multigrid V-cycle.
 */
export function poissonReconstruct(L: LevelArrays, maxDiff = POISSON_MAX_DIFF, iterations = 4, sources?: Sources): void {
  // Each loop is its own small function: V8 optimises a function that runs once per fill loop by loop, and a long
  // function of many loops would fall back to the interpreter at each loop it has not seen run yet.
  const { w, h, img, hole } = L;
  const { src, cost, at } = sources ?? sourceOfEachPixel(L);
  const idx = new Int32Array(w * h);
  const n = numberUnknowns(hole, idx);
  if (n === 0) return;
  const cells = cellsOf(idx, hole, n);
  const f = new Float32Array(n * 4);
  gather(img, cells, f);
  // Each hole pixel's source steps towards its 4 neighbours (left, right, up, down), read once in one pass so the
  // links below read memory in order: the sources are scattered over the level.
  const steps = new Float32Array(n * 16);
  const has = new Uint8Array(n * 4);
  sourceSteps(L, cells, src, at, maxDiff, steps, has);
  const nb = new Int32Array(n * 4).fill(-1);
  const diag = new Float32Array(n);
  const wt = new Float32Array(n * 4);
  const b = new Float32Array(n * 4);
  links(L, idx, cells, cost, steps, has, f, maxDiff, nb, wt, diag, b);
  const grids: Grid[] = [{ w, h, idx, cells, diag, nb, wt, fromFiner: new Int32Array(0), ...scratch(n) }];
  while (grids[grids.length - 1]!.cells.length > COARSEST_UNKNOWNS) {
    const coarse = coarsen(grids[grids.length - 1]!);
    if (coarse.cells.length === grids[grids.length - 1]!.cells.length) break;
    grids.push(coarse);
  }
  pcg(grids, f, b, iterations);
  scatter(f, cells, img);
}

/** idx[q] = the unknown number of hole pixel q (in raster order), -1 elsewhere; returns how many. */
function numberUnknowns(hole: Uint8Array, idx: Int32Array): number {
  let n = 0;
  for (let q = 0; q < hole.length; q++) idx[q] = hole[q] ? n++ : -1;
  return n;
}

function cellsOf(idx: Int32Array, hole: Uint8Array, n: number): Int32Array {
  const cells = new Int32Array(n);
  for (let q = 0; q < hole.length; q++) if (hole[q]) cells[idx[q]!] = q;
  return cells;
}

function gather(img: Float32Array, cells: Int32Array, f: Float32Array): void {
  for (let t = 0; t < cells.length; t++) {
    const a = cells[t]! * 4, o = t * 4;
    f[o] = img[a]!; f[o + 1] = img[a + 1]!; f[o + 2] = img[a + 2]!; f[o + 3] = img[a + 3]!;
  }
}

function scatter(f: Float32Array, cells: Int32Array, img: Float32Array): void {
  for (let t = 0; t < cells.length; t++) {
    const a = cells[t]! * 4, o = t * 4;
    img[a] = f[o]!; img[a + 1] = f[o + 1]!; img[a + 2] = f[o + 2]!; img[a + 3] = f[o + 3]!;
  }
}

/** Each unknown's source steps to its 4 neighbours (16 per unknown), and whether each is usable. */
function sourceSteps(L: LevelArrays, cells: Int32Array, src: Int32Array, at: Uint8Array, maxDiff: number, steps: Float32Array, has: Uint8Array): void {
  const { w, h, r, img } = L;
  for (let t = 0; t < cells.length; t++) {
    const q = cells[t]!, sq = src[q]!;
    if (sq < 0) continue;
    const sx = sq % w, sy = (sq - sx) / w, a0 = sq * 4;
    const px = (at[q]! & 15) - r, py = (at[q]! >> 4) - r;
    const s0 = img[a0]!, s1 = img[a0 + 1]!, s2 = img[a0 + 2]!, s3 = img[a0 + 3]!;
    for (let e = 0; e < 4; e++) {
      const ex = e === 0 ? -1 : e === 1 ? 1 : 0, ey = e === 2 ? -1 : e === 3 ? 1 : 0;
      const tx = sx + ex, ty = sy + ey;
      if (tx < 0 || ty < 0 || tx >= w || ty >= h) continue;
      const a1 = (ty * w + tx) * 4, k = t * 16 + e * 4;
      const d0 = img[a1]! - s0, d1 = img[a1 + 1]! - s1, d2 = img[a1 + 2]! - s2, d3 = img[a1 + 3]! - s3;
      // A step past the source patch's edge lands on a pixel the search never vetted (it may be an excluded
      // object): only a small one is taken there.
      if ((Math.abs(px + ex) > r || Math.abs(py + ey) > r) && Math.max(Math.abs(d0), Math.abs(d1), Math.abs(d2), Math.abs(d3)) > maxDiff) continue;
      steps[k] = d0; steps[k + 1] = d1; steps[k + 2] = d2; steps[k + 3] = d3;
      has[t * 4 + e] = 1;
    }
  }
}

/** The system's links, diagonal and right-hand side (see the file's comment). */
function links(L: LevelArrays, idx: Int32Array, cells: Int32Array, cost: Float32Array, steps: Float32Array, has: Uint8Array, f: Float32Array, maxDiff: number, nb: Int32Array, wt: Float32Array, diag: Float32Array, b: Float32Array): void {
  const { w, h, img, hole } = L;
  for (let t = 0; t < cells.length; t++) {
    const q = cells[t]!, x = q % w, y = (q - x) / w;
    const tb = t * 4;
    for (let e = 0; e < 4; e++) {
      if (e === 0 ? x === 0 : e === 1 ? x === w - 1 : e === 2 ? y === 0 : y === h - 1) continue;
      const o = e === 0 ? q - 1 : e === 1 ? q + 1 : e === 2 ? q - w : q + w;
      // The step to the neighbour as q's source sees it (0 when q has no source or the step leaves the level)…
      let g0 = 0, g1 = 0, g2 = 0, g3 = 0, k = 0;
      if (has[tb + e]) {
        const j = t * 16 + e * 4;
        g0 = steps[j]!; g1 = steps[j + 1]!; g2 = steps[j + 2]!; g3 = steps[j + 3]!;
        k = 1;
      }
      if (hole[o]) {
        // …or as the neighbour's source sees it (the reverse of its own step back), whichever of the two pixels
        // is the better match: one choice for both equations of the pair, and no averaging of two unrelated
        // textures' steps (which would blur where the sources change from pixel to pixel).
        const u = idx[o]!, back = e ^ 1;
        if (has[u * 4 + back] && (k === 0 || cost[o]! < cost[q]! || (cost[o] === cost[q] && o < q))) {
          const j = u * 16 + back * 4;
          g0 = -steps[j]!; g1 = -steps[j + 1]!; g2 = -steps[j + 2]!; g3 = -steps[j + 3]!;
        }
        nb[tb + e] = u;
        wt[tb + e] = 1;
        diag[t]!++;
        b[tb]! -= g0; b[tb + 1]! -= g1; b[tb + 2]! -= g2; b[tb + 3]! -= g3;
      } else {
        const oo = o * 4;
        const v0 = img[oo]!, v1 = img[oo + 1]!, v2 = img[oo + 2]!, v3 = img[oo + 3]!;
        const m = Math.max(Math.abs(v0 - f[tb]! - g0), Math.abs(v1 - f[tb + 1]! - g1), Math.abs(v2 - f[tb + 2]! - g2), Math.abs(v3 - f[tb + 3]! - g3));
        if (m > maxDiff) continue;
        diag[t]!++;
        b[tb]! += v0 - g0; b[tb + 1]! += v1 - g1; b[tb + 2]! += v2 - g2; b[tb + 3]! += v3 - g3;
      }
    }
  }
}

/**
 * The next coarser grid, Galerkin style for piecewise-constant interpolation (coarse operator = Rᵀ A R with R the
 * 2×2 cell sum): a cell is unknown when any child is; its diagonal is its children's minus their links to each
 * other, and its link to a neighbouring cell is the sum of the children's links across.
 */
function coarsen(fine: Grid): Grid {
  const w = (fine.w + 1) >> 1, h = (fine.h + 1) >> 1;
  const idx = new Int32Array(w * h).fill(-1);
  const parent = new Int32Array(fine.cells.length);
  let n = 0;
  for (let t = 0; t < fine.cells.length; t++) {
    const q = fine.cells[t]!, x = q % fine.w, y = (q - x) / fine.w;
    const c = (y >> 1) * w + (x >> 1);
    if (idx[c] === -1) idx[c] = n++;
    parent[t] = c;
  }
  const cells = new Int32Array(n);
  for (let c = 0; c < w * h; c++) if (idx[c]! >= 0) cells[idx[c]!] = c;
  for (let t = 0; t < parent.length; t++) parent[t] = idx[parent[t]!]!;
  const diag = new Float32Array(n);
  const nb = new Int32Array(n * 4).fill(-1);
  const wt = new Float32Array(n * 4);
  for (let t = 0; t < fine.cells.length; t++) {
    const u = parent[t]!;
    diag[u]! += fine.diag[t]!;
    for (let e = 0; e < 4; e++) {
      const o = fine.nb[t * 4 + e]!;
      if (o < 0) continue;
      const v = parent[o]!, lw = fine.wt[t * 4 + e]!;
      if (v === u) diag[u]! -= lw;
      else { nb[u * 4 + e] = v; wt[u * 4 + e]! += lw; }
    }
  }
  return { w, h, idx, cells, diag, nb, wt, fromFiner: parent, ...scratch(n) };
}

/** Gauss–Seidel sweeps of A x = b (forward, or backward for the symmetric half of a V-cycle). */
function smooth(G: Grid, x: Float32Array, b: Float32Array, sweeps: number, forward: boolean): void {
  const { nb, wt, diag } = G;
  const n = G.cells.length;
  for (let s = 0; s < sweeps; s++) {
    for (let k = 0; k < n; k++) {
      const t = forward ? k : n - 1 - k;
      const d = diag[t]!;
      if (d <= 0) continue;
      let s0 = b[t * 4]!, s1 = b[t * 4 + 1]!, s2 = b[t * 4 + 2]!, s3 = b[t * 4 + 3]!;
      for (let e = t * 4; e < t * 4 + 4; e++) {
        const o = nb[e]!;
        if (o < 0) continue;
        const lw = wt[e]!;
        s0 += lw * x[o * 4]!; s1 += lw * x[o * 4 + 1]!; s2 += lw * x[o * 4 + 2]!; s3 += lw * x[o * 4 + 3]!;
      }
      x[t * 4] = s0 / d; x[t * 4 + 1] = s1 / d; x[t * 4 + 2] = s2 / d; x[t * 4 + 3] = s3 / d;
    }
  }
}

/** out = A x. */
function apply(G: Grid, x: Float32Array, out: Float32Array): void {
  const { nb, wt, diag } = G;
  const n = G.cells.length;
  for (let t = 0; t < n; t++) {
    const d = diag[t]!;
    let s0 = d * x[t * 4]!, s1 = d * x[t * 4 + 1]!, s2 = d * x[t * 4 + 2]!, s3 = d * x[t * 4 + 3]!;
    for (let e = t * 4; e < t * 4 + 4; e++) {
      const o = nb[e]!;
      if (o < 0) continue;
      const lw = wt[e]!;
      s0 -= lw * x[o * 4]!; s1 -= lw * x[o * 4 + 1]!; s2 -= lw * x[o * 4 + 2]!; s3 -= lw * x[o * 4 + 3]!;
    }
    out[t * 4] = s0; out[t * 4 + 1] = s1; out[t * 4 + 2] = s2; out[t * 4 + 3] = s3;
  }
}

function scratch(n: number): Pick<Grid, 'x' | 'ax' | 'rhs'> {
  return { x: new Float32Array(n * 4), ax: new Float32Array(n * 4), rhs: new Float32Array(n * 4) };
}

/**
 * One symmetric V-cycle for A x = b from x = 0 (forward sweeps down, backward sweeps up): the preconditioner.
 * Returns grid k's `x` buffer (overwritten by the next cycle).
 */
function vcycle(grids: Grid[], k: number, b: Float32Array): Float32Array {
  const G = grids[k]!;
  const n = G.cells.length;
  const x = G.x;
  x.fill(0);
  if (k === grids.length - 1) {
    for (let i = 0; i < COARSEST_SWEEPS; i++) { smooth(G, x, b, 1, true); smooth(G, x, b, 1, false); }
    return x;
  }
  smooth(G, x, b, SMOOTH, true);
  const ax = G.ax;
  apply(G, x, ax);
  const C = grids[k + 1]!;
  const parent = C.fromFiner;
  const rc = C.rhs;
  rc.fill(0);
  for (let t = 0; t < n; t++) {
    const u = parent[t]! * 4, o = t * 4;
    rc[u]! += b[o]! - ax[o]!; rc[u + 1]! += b[o + 1]! - ax[o + 1]!; rc[u + 2]! += b[o + 2]! - ax[o + 2]!; rc[u + 3]! += b[o + 3]! - ax[o + 3]!;
  }
  const ec = vcycle(grids, k + 1, rc);
  for (let t = 0; t < n; t++) {
    const u = parent[t]! * 4, o = t * 4;
    x[o]! += OVER * ec[u]!; x[o + 1]! += OVER * ec[u + 1]!; x[o + 2]! += OVER * ec[u + 2]!; x[o + 3]! += OVER * ec[u + 3]!;
  }
  smooth(G, x, b, SMOOTH, false);
  return x;
}

/** out = b − a, element by element. */
function minus(b: Float32Array, a: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = b[i]! - a[i]!;
}

/** Per-channel dot products of a and c into out[0..3]. */
function dot4(a: Float32Array, c: Float32Array, out: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < a.length; i += 4) { s0 += a[i]! * c[i]!; s1 += a[i + 1]! * c[i + 1]!; s2 += a[i + 2]! * c[i + 2]!; s3 += a[i + 3]! * c[i + 3]!; }
  out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
}

/** x += k·p and r −= k·q, per channel k[0..3]. */
function step4(x: Float32Array, p: Float32Array, r: Float32Array, q: Float32Array, k: Float64Array): void {
  const a0 = k[0]!, a1 = k[1]!, a2 = k[2]!, a3 = k[3]!;
  for (let i = 0; i < x.length; i += 4) {
    x[i]! += a0 * p[i]!; x[i + 1]! += a1 * p[i + 1]!; x[i + 2]! += a2 * p[i + 2]!; x[i + 3]! += a3 * p[i + 3]!;
    r[i]! -= a0 * q[i]!; r[i + 1]! -= a1 * q[i + 1]!; r[i + 2]! -= a2 * q[i + 2]!; r[i + 3]! -= a3 * q[i + 3]!;
  }
}

/** p = z + k·p, per channel. */
function direction4(p: Float32Array, z: Float32Array, k: Float64Array): void {
  const b0 = k[0]!, b1 = k[1]!, b2 = k[2]!, b3 = k[3]!;
  for (let i = 0; i < p.length; i += 4) { p[i] = z[i]! + b0 * p[i]!; p[i + 1] = z[i + 1]! + b1 * p[i + 1]!; p[i + 2] = z[i + 2]! + b2 * p[i + 2]!; p[i + 3] = z[i + 3]! + b3 * p[i + 3]!; }
}

/** The preconditioner: one V-cycle; unknowns without links keep their value (z = 0 there). */
function precondition(grids: Grid[], res: Float32Array): Float32Array {
  const z = vcycle(grids, 0, res);
  const diag = grids[0]!.diag;
  for (let t = 0; t < diag.length; t++) if (diag[t]! <= 0) { z[t * 4] = 0; z[t * 4 + 1] = 0; z[t * 4 + 2] = 0; z[t * 4 + 3] = 0; }
  return z;
}

/** Conjugate gradients per channel on A f = b from the given f, preconditioned by one V-cycle. */
function pcg(grids: Grid[], f: Float32Array, b: Float32Array, iterations: number): void {
  const G = grids[0]!;
  const n = G.cells.length;
  const r = new Float32Array(n * 4), q = new Float32Array(n * 4);
  apply(G, f, q);
  minus(b, q, r);
  let z = precondition(grids, r);
  const p = Float32Array.from(z);
  const rz = new Float64Array(4), pq = new Float64Array(4), rz2 = new Float64Array(4), k = new Float64Array(4);
  dot4(r, z, rz);
  for (let it = 0; it < iterations; it++) {
    apply(G, p, q);
    dot4(p, q, pq);
    for (let c = 0; c < 4; c++) k[c] = pq[c]! > 0 ? rz[c]! / pq[c]! : 0;
    step4(f, p, r, q, k);
    if (it === iterations - 1) break;
    z = precondition(grids, r);
    dot4(r, z, rz2);
    for (let c = 0; c < 4; c++) k[c] = rz[c]! > 0 ? rz2[c]! / rz[c]! : 0;
    direction4(p, z, k);
    rz.set(rz2);
  }
}
