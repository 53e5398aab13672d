/**
 * Building the image pyramid for the patchmatch engine: per-level masks, sources, targets, hole distances,
 * 2×2 downsampling and the onion-peel initialisation of the coarsest hole. Pure typed-array code.
 */
import type { LevelArrays } from './_patchmatch_kernel.js';

/** A level plus what only the main thread needs. */
export interface Level extends LevelArrays {
  /** Chessboard distance of each hole pixel to the nearest known pixel (0 when known). */
  holeDist: Uint16Array;
  /** Largest value of holeDist. */
  maxHoleDist: number;
}

/** Allocates typed arrays, on SharedArrayBuffers when workers will read them. */
export type Alloc = <T extends Float32Array | Int32Array | Uint8Array | Uint16Array>(ctor: { new (b: ArrayBufferLike): T; BYTES_PER_ELEMENT: number }, length: number) => T;

export const plainAlloc: Alloc = (ctor, length) => new ctor(new ArrayBuffer(length * ctor.BYTES_PER_ELEMENT));
export const sharedAlloc: Alloc = (ctor, length) => new ctor(new SharedArrayBuffer(length * ctor.BYTES_PER_ELEMENT));

/** Box sums over an integral image of the hole: how many hole pixels lie in [x0,x1]×[y0,y1] (inclusive). */
function holeIntegral(hole: Uint8Array, w: number, h: number): Int32Array {
  const I = new Int32Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += hole[y * w + x]!;
      I[(y + 1) * (w + 1) + x + 1] = I[y * (w + 1) + x + 1]! + row;
    }
  }
  return I;
}

/** Counts the sources a level would have with patch radius r (used to pick the region and the radius). */
export function countSources(hole: Uint8Array, w: number, h: number, r: number): number {
  if (2 * r + 1 > w || 2 * r + 1 > h) return 0;
  const I = holeIntegral(hole, w, h);
  const W = w + 1;
  let n = 0;
  for (let y = r; y < h - r; y++) {
    for (let x = r; x < w - r; x++) {
      if (I[(y + r + 1) * W + x + r + 1]! - I[(y - r) * W + x + r + 1]! - I[(y + r + 1) * W + x - r]! + I[(y - r) * W + x - r]! === 0) n++;
    }
  }
  return n;
}

/** Chessboard distance transform into the hole (two passes, Rosenfeld & Pfaltz 1966). */
function holeDistance(hole: Uint8Array, w: number, h: number): { d: Uint16Array; max: number } {
  const BIG = 65535;
  const d = new Uint16Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = hole[i] ? BIG : 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!d[i]) continue;
      let m = d[i]!;
      if (x > 0) m = Math.min(m, d[i - 1]! + 1);
      if (y > 0) {
        m = Math.min(m, d[i - w]! + 1);
        if (x > 0) m = Math.min(m, d[i - w - 1]! + 1);
        if (x < w - 1) m = Math.min(m, d[i - w + 1]! + 1);
      }
      d[i] = m;
    }
  }
  let max = 0;
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (!d[i]) continue;
      let m = d[i]!;
      if (x < w - 1) m = Math.min(m, d[i + 1]! + 1);
      if (y < h - 1) {
        m = Math.min(m, d[i + w]! + 1);
        if (x < w - 1) m = Math.min(m, d[i + w + 1]! + 1);
        if (x > 0) m = Math.min(m, d[i + w - 1]! + 1);
      }
      d[i] = m;
      if (m > max) max = m;
    }
  }
  return { d, max };
}

/** Completes a level from its image and hole: sources, targets, distances and empty NNF arrays. */
export function makeLevel(img: Float32Array, hole: Uint8Array, w: number, h: number, r: number, opaque: boolean, alloc: Alloc): Level {
  const n = w * h;
  const I = holeIntegral(hole, w, h);
  const W = w + 1;
  const valid = alloc(Uint8Array, n);
  const target = alloc(Uint8Array, n);
  let count = 0;
  for (let y = 0; y < h; y++) {
    const ya = Math.max(0, y - r), yb = Math.min(h - 1, y + r) + 1;
    for (let x = 0; x < w; x++) {
      const xa = Math.max(0, x - r), xb = Math.min(w - 1, x + r) + 1;
      const holes = I[yb * W + xb]! - I[ya * W + xb]! - I[yb * W + xa]! + I[ya * W + xa]!;
      const i = y * w + x;
      if (holes > 0) target[i] = 1;
      else if (x >= r && y >= r && x < w - r && y < h - r) { valid[i] = 1; count++; }
    }
  }
  const sources = alloc(Int32Array, count);
  for (let i = 0, k = 0; i < n; i++) if (valid[i]) sources[k++] = i;
  const nnf = alloc(Int32Array, n).fill(-1);
  const { d, max } = holeDistance(hole, w, h);
  return { w, h, r, opaque, img, hole, valid, sources, target, nnf, dist: alloc(Float32Array, n), weight: alloc(Float32Array, n), holeDist: d, maxHoleDist: max };
}

/**
 * Halves a level (ceil): a coarse pixel is a hole when any of its fine pixels is, so the known coarse pixels are
 * exact averages of known fine ones and never mix in a guess.
 */
export function downsample(img: Float32Array, hole: Uint8Array, w: number, h: number, alloc: Alloc): { img: Float32Array; hole: Uint8Array; w: number; h: number } {
  const cw = (w + 1) >> 1, ch = (h + 1) >> 1;
  const cimg = alloc(Float32Array, cw * ch * 4);
  const chole = alloc(Uint8Array, cw * ch);
  for (let Y = 0; Y < ch; Y++) {
    for (let X = 0; X < cw; X++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0, anyHole = 0;
      for (let y = 2 * Y; y < Math.min(h, 2 * Y + 2); y++) {
        for (let x = 2 * X; x < Math.min(w, 2 * X + 2); x++) {
          const i = y * w + x;
          if (hole[i]) { anyHole = 1; continue; }
          const a = i * 4;
          s0 += img[a]!; s1 += img[a + 1]!; s2 += img[a + 2]!; s3 += img[a + 3]!;
          k++;
        }
      }
      const c = Y * cw + X;
      chole[c] = anyHole;
      if (!anyHole) {
        cimg[c * 4] = s0 / k; cimg[c * 4 + 1] = s1 / k; cimg[c * 4 + 2] = s2 / k; cimg[c * 4 + 3] = s3 / k;
      }
    }
  }
  return { img: cimg, hole: chole, w: cw, h: ch };
}

/**
 * Onion-peel initialisation: fills the hole layer by layer from its boundary inwards, each pixel the mean of its
 * already known 8-neighbours. A smooth first guess the EM iterations then replace with texture.
 */
export function onionPeel(img: Float32Array, hole: Uint8Array, w: number, h: number, known?: Uint8Array): void {
  // `known` (default: everything outside the hole) says which pixels may be drawn from.
  const n = w * h;
  const done = new Uint8Array(n);
  const queued = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (!hole[i] && (!known || known[i])) done[i] = 1;
  // The first layer: hole pixels with a known 8-neighbour. Later layers: unfilled neighbours of the last one.
  let layer: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!hole[i] || done[i]) continue;
    if (neighbours(i, w, h, (j) => done[j] === 1)) { layer.push(i); queued[i] = 1; }
  }
  const value = new Float32Array(4);
  const values: number[] = [];
  while (layer.length) {
    values.length = 0;
    for (const i of layer) {
      value.fill(0);
      let k = 0;
      neighbours(i, w, h, (j) => {
        if (done[j]) { for (let c = 0; c < 4; c++) value[c] = value[c]! + img[j * 4 + c]!; k++; }
        return false;
      });
      for (let c = 0; c < 4; c++) values.push(value[c]! / k);
    }
    const next: number[] = [];
    layer.forEach((i, li) => {
      for (let c = 0; c < 4; c++) img[i * 4 + c] = values[li * 4 + c]!;
      done[i] = 1;
    });
    for (const i of layer) {
      neighbours(i, w, h, (j) => {
        if (hole[j] && !done[j] && !queued[j]) { queued[j] = 1; next.push(j); }
        return false;
      });
    }
    layer = next;
  }
}

/** Calls `f` on the 8-neighbours of pixel i inside the level until it returns true; returns whether one did. */
function neighbours(i: number, w: number, h: number, f: (j: number) => boolean): boolean {
  const n = neighbourIndices(i, w, h, scratch);
  for (let k = 0; k < n; k++) if (f(scratch[k]!)) return true;
  return false;
}

const scratch = new Int32Array(8);

/**
 * Writes the indices of pixel i's 8-neighbours inside a w×h grid into `out` (row by row) and returns how many
 * there are: the one neighbour scan shared by the onion peel and the heal engine's connected components.
 */
export function neighbourIndices(i: number, w: number, h: number, out: Int32Array): number {
  const x = i % w, y = (i - x) / w;
  let n = 0;
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= h) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if ((dx === 0 && dy === 0) || xx < 0 || xx >= w) continue;
      out[n++] = yy * w + xx;
    }
  }
  return n;
}

/**
 * Seam correction, in the spirit of Poisson blending (Pérez, Gangnet, Blake 2003): what the matches propose
 * for the known pixels bordering the hole is compared with what is really there, and that difference is
 * spread smoothly over the hole (a membrane: onion peel, then Jacobi relaxation) and added. Copied texture
 * keeps its detail, while a fill copied from a brighter or darker place, or from the wrong step of a
 * gradient, meets its border without a visible seam.
 */
/**
 * The boundary condition of seam correction: for each known pixel touching the hole, what is really there minus
 * what the matches propose for it (`diff`, 4 per pixel), and `ring` = 1 where that difference is usable (at most
 * `maxDiff` per channel: a larger one is an edge the fill did not continue, not a shift in lighting).
 */
export function seamBoundary(L: LevelArrays & { hole: Uint8Array }, maxDiff: number): { diff: Float32Array; ring: Uint8Array } {
  const { w, h, r, img, hole, target, nnf, weight } = L;
  const n = w * h;
  const diff = new Float32Array(n * 4);
  // The one-pixel ring of known pixels around the hole: the boundary condition.
  const ring = new Uint8Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = y * w + x;
      if (hole[q]) continue;
      let touches = false;
      for (let dy = -1; dy <= 1 && !touches; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w && hole[yy * w + xx]) { touches = true; break; }
        }
      }
      if (!touches) continue;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, ws = 0;
      for (let dy = Math.max(-r, y - (h - 1)); dy <= Math.min(r, y); dy++) {
        for (let dx = Math.max(-r, x - (w - 1)); dx <= Math.min(r, x); dx++) {
          const p = q - dy * w - dx;
          if (!target[p] || weight[p]! <= 0) continue;
          const b = (nnf[p]! + dy * w + dx) * 4, wt = weight[p]!;
          s0 += wt * img[b]!; s1 += wt * img[b + 1]!; s2 += wt * img[b + 2]!; s3 += wt * img[b + 3]!;
          ws += wt;
        }
      }
      if (ws <= 0) continue;
      const d0 = img[q * 4]! - s0 / ws, d1 = img[q * 4 + 1]! - s1 / ws, d2 = img[q * 4 + 2]! - s2 / ws, d3 = img[q * 4 + 3]! - s3 / ws;
      // A large difference is a structure the fill did not continue (an edge), not a shift in lighting:
      // spreading it would smear that edge into the hole, so such pixels give no boundary condition.
      if (Math.max(Math.abs(d0), Math.abs(d1), Math.abs(d2), Math.abs(d3)) > maxDiff) continue;
      ring[q] = 1;
      diff[q * 4] = d0; diff[q * 4 + 1] = d1; diff[q * 4 + 2] = d2; diff[q * 4 + 3] = d3;
    }
  }
  return { diff, ring };
}

/**
 * Seam correction (see seamBoundary), with an onion-peel start and Jacobi sweeps of the membrane.
 */
export function correctSeams(L: Level, relaxations: number, maxDiff: number): void {
  const { w, h, img, hole } = L;
  const n = w * h;
  const { diff, ring } = seamBoundary(L, maxDiff);
  // Only the ring bounds the membrane; image edges the hole touches act as free (Neumann) borders.
  onionPeel(diff, hole, w, h, ring);
  let count = 0;
  for (let i = 0; i < n; i++) if (hole[i]) count++;
  const holes = new Int32Array(count);
  for (let i = 0, k = 0; i < n; i++) if (hole[i]) holes[k++] = i;
  const use = new Uint8Array(n);
  for (let i = 0; i < n; i++) use[i] = hole[i] || ring[i] ? 1 : 0;
  for (let it = 0; it < relaxations; it++) {
    for (const q of holes) {
      const x = q % w;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
      // 4-neighbours inside the level that are hole or ring (others are free borders).
      for (let e = 0; e < 4; e++) {
        const j = e === 0 ? (x > 0 ? q - 1 : -1) : e === 1 ? (x < w - 1 ? q + 1 : -1) : e === 2 ? q - w : q + w;
        if (j < 0 || j >= n || !use[j]) continue;
        s0 += diff[j * 4]!; s1 += diff[j * 4 + 1]!; s2 += diff[j * 4 + 2]!; s3 += diff[j * 4 + 3]!;
        k++;
      }
      if (k) { diff[q * 4] = s0 / k; diff[q * 4 + 1] = s1 / k; diff[q * 4 + 2] = s2 / k; diff[q * 4 + 3] = s3 / k; }
    }
  }
  for (const q of holes) for (let c = 0; c < 4; c++) img[q * 4 + c] = img[q * 4 + c]! + diff[q * 4 + c]!;
}
