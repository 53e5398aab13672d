/**
 * Region helpers of the heal engine, pure typed-array code: distance transforms, connected components and their
 * thickness, the sampling mask (where sources may come from), and a multi-scale smooth diffusion (push–pull,
 * then relaxation, or an onion peel for thin holes) that gives the holes their smooth start.
 */

import { neighbourIndices } from './_patchmatch_levels.js';

/** A box inside the image, in pixels. */
export interface Rect { x: number; y: number; w: number; h: number }

const A = 1, B = Math.SQRT2;

/**
 * Chamfer (1, √2) distance of every pixel to the nearest pixel where `seed` is 1 (Borgefors 1986, two passes).
 * Pixels with no seed anywhere get +Infinity. Close to Euclidean (within ~8 %), exact along rows and diagonals.
 *
 * @example
 * const d = chamfer(hole, w, h); // 0 in the hole, the distance to it elsewhere
 */
export function chamfer(seed: Uint8Array, w: number, h: number): Float32Array {
  const d = new Float32Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = seed[i] ? 0 : Infinity;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let m = d[i]!;
      if (m === 0) continue;
      if (x > 0) m = Math.min(m, d[i - 1]! + A);
      if (y > 0) {
        m = Math.min(m, d[i - w]! + A);
        if (x > 0) m = Math.min(m, d[i - w - 1]! + B);
        if (x < w - 1) m = Math.min(m, d[i - w + 1]! + B);
      }
      d[i] = m;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      let m = d[i]!;
      if (m === 0) continue;
      if (x < w - 1) m = Math.min(m, d[i + 1]! + A);
      if (y < h - 1) {
        m = Math.min(m, d[i + w]! + A);
        if (x < w - 1) m = Math.min(m, d[i + w + 1]! + B);
        if (x > 0) m = Math.min(m, d[i + w - 1]! + B);
      }
      d[i] = m;
    }
  }
  return d;
}

/** 8-connected components of the non-zero pixels: a label per pixel (0 = background, 1…count). */
export function components(mask: Uint8Array, w: number, h: number): { labels: Int32Array; count: number } {
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const around = new Int32Array(8);
  let count = 0;
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || labels[s]) continue;
    labels[s] = ++count;
    let top = 0;
    stack[top++] = s;
    while (top) {
      const k = neighbourIndices(stack[--top]!, w, h, around);
      for (let e = 0; e < k; e++) {
        const j = around[e]!;
        if (mask[j] && !labels[j]) { labels[j] = count; stack[top++] = j; }
      }
    }
  }
  return { labels, count };
}

/**
 * Splits a hole into its thin parts (strokes, scratches, text: every pixel of the component within `thin` pixels
 * of the known image) and its thick parts, per connected component, by the component's deepest point.
 * Also returns the deepest point of the thick parts (0 when there are none).
 *
 * @example
 * const { thin, thick, thickDepth } = splitByThickness(hole, w, h, 3);
 */
export function splitByThickness(hole: Uint8Array, w: number, h: number, thin: number): { thin: Uint8Array; thick: Uint8Array; thickDepth: number; thinDepth: number } {
  const known = new Uint8Array(w * h);
  for (let i = 0; i < known.length; i++) known[i] = hole[i] ? 0 : 1;
  const depth = chamfer(known, w, h);
  const { labels, count } = components(hole, w, h);
  const deepest = new Float32Array(count + 1);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l && depth[i]! > deepest[l]!) deepest[l] = depth[i]!;
  }
  const thinOut = new Uint8Array(w * h), thickOut = new Uint8Array(w * h);
  let thickDepth = 0, thinDepth = 0;
  for (let l = 1; l <= count; l++) {
    const d = deepest[l]!;
    if (d > thin) thickDepth = Math.max(thickDepth, d === Infinity ? w + h : d);
    else thinDepth = Math.max(thinDepth, d);
  }
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!l) continue;
    if (deepest[l]! > thin) thickOut[i] = 1;
    else thinOut[i] = 1;
  }
  return { thin: thinOut, thick: thickOut, thickDepth, thinDepth };
}

/**
 * Where sources may come from: known pixels within `ring` pixels of `group` (a hole), plus every known pixel of
 * `add`, minus every pixel of `exclude`. Hole pixels (`hole`, all groups) are never sources.
 */
export function samplingMask(group: Uint8Array, hole: Uint8Array, w: number, h: number, ring: number, add?: Uint8Array, exclude?: Uint8Array): Uint8Array {
  return samplingArea(group, hole, w, h, ring, add, exclude).allowed;
}

/** samplingMask, plus the distance of every pixel to `group` (chamfer) that it was measured with. */
export function samplingArea(group: Uint8Array, hole: Uint8Array, w: number, h: number, ring: number, add?: Uint8Array, exclude?: Uint8Array): { allowed: Uint8Array; dist: Float32Array } {
  const d = chamfer(group, w, h);
  const allowed = new Uint8Array(w * h);
  for (let i = 0; i < allowed.length; i++) {
    if (hole[i] || exclude?.[i]) continue;
    if (d[i]! <= ring || add?.[i]) allowed[i] = 1;
  }
  return { allowed, dist: d };
}

/** Halves an allowed mask: a coarse pixel is allowed only when all its fine pixels are. */
export function downsampleAllowed(a: Uint8Array, w: number, h: number): Uint8Array {
  const cw = (w + 1) >> 1, ch = (h + 1) >> 1;
  const out = new Uint8Array(cw * ch);
  for (let Y = 0; Y < ch; Y++) {
    for (let X = 0; X < cw; X++) {
      let all = 1;
      for (let y = 2 * Y; y < Math.min(h, 2 * Y + 2); y++) for (let x = 2 * X; x < Math.min(w, 2 * X + 2); x++) if (!a[y * w + x]) all = 0;
      out[Y * cw + X] = all;
    }
  }
  return out;
}

/**
 * Keeps as sources only the patches lying wholly inside `allowed`; returns the new source list (ascending).
 * `valid` is updated in place.
 */
export function restrictSources(valid: Uint8Array, allowed: Uint8Array, w: number, h: number, r: number): Int32Array {
  const I = new Int32Array((w + 1) * (h + 1));
  const W = w + 1;
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += allowed[y * w + x] ? 0 : 1;
      I[(y + 1) * W + x + 1] = I[y * W + x + 1]! + row;
    }
  }
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!valid[i]) continue;
      const bad = I[(y + r + 1) * W + x + r + 1]! - I[(y - r) * W + x + r + 1]! - I[(y + r + 1) * W + x - r]! + I[(y - r) * W + x - r]!;
      if (bad) valid[i] = 0;
      else count++;
    }
  }
  const sources = new Int32Array(count);
  for (let i = 0, k = 0; i < valid.length; i++) if (valid[i]) sources[k++] = i;
  return sources;
}

/**
 * Smooth multi-scale diffusion into the pixels where `known` is 0 (`c` channels per pixel, in place): push–pull
 * (Gortler et al. 1996: averages of the known pixels pulled down a pyramid, pushed back up bilinearly) gives
 * every unknown pixel a smooth estimate from near and far known pixels at once, then `sweeps` Gauss–Seidel
 * sweeps of the Laplace equation make it harmonic near the border (the membrane of Pérez et al. 2003).
 * Unknown pixels with no known pixel anywhere become 0.
 *
 * @example
 * diffuse(img, known, w, h, 4, 30); // fills the holes of an RGBA float image smoothly
 */
export function diffuse(v: Float32Array, known: Uint8Array, w: number, h: number, c: number, sweeps: number, solve?: Uint8Array): void {
  // `solve` (default: every unknown pixel) limits the relaxation; pixels neither known nor solved are left out
  // of it (a free border), which keeps the work proportional to the hole, not to the region around it.
  const unknown: number[] = [];
  for (let i = 0; i < w * h; i++) if (!known[i] && (!solve || solve[i])) unknown.push(i);
  if (!unknown.length) return;
  pushPull(v, known, w, h, c);
  const use = new Uint8Array(w * h);
  for (let i = 0; i < use.length; i++) use[i] = known[i] || !solve || solve[i] ? 1 : 0;
  relax(v, Int32Array.from(unknown), use, w, h, c, sweeps);
}

/**
 * diffuse() limited to the box around the pixels to solve (unknown and in `solve`) grown by `margin`: the same
 * membrane near the hole at the cost of the hole's box, not the whole region around it.
 */
export function diffuseNear(v: Float32Array, known: Uint8Array, w: number, h: number, c: number, sweeps: number, solve: Uint8Array, margin: number): void {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (known[i] || !solve[i]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  if (x1 < 0) return;
  x0 = Math.max(0, x0 - margin); y0 = Math.max(0, y0 - margin);
  x1 = Math.min(w - 1, x1 + margin); y1 = Math.min(h - 1, y1 + margin);
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  if (bw === w && bh === h) return diffuse(v, known, w, h, c, sweeps, solve);
  const cv = new Float32Array(bw * bh * c), ck = new Uint8Array(bw * bh), cs = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const i = (y0 + y) * w + x0 + x, j = y * bw + x;
      ck[j] = known[i]!; cs[j] = solve[i]!;
      for (let k = 0; k < c; k++) cv[j * c + k] = v[i * c + k]!;
    }
  }
  diffuse(cv, ck, bw, bh, c, sweeps, cs);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const i = (y0 + y) * w + x0 + x, j = y * bw + x;
      if (!ck[j] && cs[j]) for (let k = 0; k < c; k++) v[i * c + k] = cv[j * c + k]!;
    }
  }
}

/**
 * The diffusion for thin holes (strokes, scratches: every pixel within a few pixels of the known image): an onion
 * peel (each layer of unknown pixels in `solve` takes the mean of its already known 8-neighbours) then `sweeps`
 * Gauss–Seidel sweeps, all over the unknown pixels only: the cost follows the hole, not the box around it.
 * Unknown pixels in `solve` that no layer reaches keep their value.
 */
export function peelDiffuse(v: Float32Array, known: Uint8Array, w: number, h: number, c: number, sweeps: number, solve: Uint8Array): void {
  const unknown: number[] = [];
  for (let i = 0; i < w * h; i++) if (!known[i] && solve[i]) unknown.push(i);
  if (!unknown.length) return;
  const done = new Uint8Array(w * h);
  for (let i = 0; i < done.length; i++) done[i] = known[i] ? 1 : 0;
  let left = unknown;
  const sum = new Float64Array(c);
  while (left.length) {
    const layer: number[] = [], rest: number[] = [];
    for (const q of left) {
      const x = q % w, y = (q - x) / w;
      let k = 0;
      sum.fill(0);
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx, o = yy * w + xx;
          if ((dx === 0 && dy === 0) || xx < 0 || xx >= w || done[o] !== 1) continue;
          for (let j = 0; j < c; j++) sum[j]! += v[o * c + j]!;
          k++;
        }
      }
      if (!k) { rest.push(q); continue; }
      for (let j = 0; j < c; j++) v[q * c + j] = sum[j]! / k;
      layer.push(q);
    }
    if (!layer.length) break;
    // A layer becomes known only once it is complete, so the peel does not run along a row within one layer.
    for (const q of layer) done[q] = 1;
    left = rest;
  }
  const use = new Uint8Array(w * h);
  for (let i = 0; i < use.length; i++) use[i] = known[i] || solve[i] ? 1 : 0;
  relax(v, Int32Array.from(unknown), use, w, h, c, sweeps);
}

function pushPull(v: Float32Array, known: Uint8Array, w: number, h: number, c: number): void {
  // Pull: weight-averaged pyramid. Weights saturate at 1, so a level's estimate trusts its own known pixels.
  const vs: Float32Array[] = [v];
  const k0 = new Float32Array(w * h);
  for (let i = 0; i < k0.length; i++) k0[i] = known[i] ? 1 : 0;
  const ks: Float32Array[] = [k0];
  const ws: number[] = [w], hs: number[] = [h];
  while (ws[ws.length - 1]! > 1 || hs[hs.length - 1]! > 1) {
    const l = vs.length - 1;
    const fw = ws[l]!, fh = hs[l]!, fv = vs[l]!, fk = ks[l]!;
    const cw = (fw + 1) >> 1, ch = (fh + 1) >> 1;
    const cv = new Float32Array(cw * ch * c), ck = new Float32Array(cw * ch);
    for (let Y = 0; Y < ch; Y++) {
      for (let X = 0; X < cw; X++) {
        let k = 0;
        const o = (Y * cw + X) * c;
        for (let y = 2 * Y; y < Math.min(fh, 2 * Y + 2); y++) {
          for (let x = 2 * X; x < Math.min(fw, 2 * X + 2); x++) {
            const i = y * fw + x, wt = fk[i]!;
            if (!wt) continue;
            k += wt;
            for (let j = 0; j < c; j++) cv[o + j] = cv[o + j]! + wt * fv[i * c + j]!;
          }
        }
        if (k > 0) for (let j = 0; j < c; j++) cv[o + j] = cv[o + j]! / k;
        ck[Y * cw + X] = Math.min(1, k);
      }
    }
    vs.push(cv); ks.push(ck); ws.push(cw); hs.push(ch);
  }
  // Push: blend each level's own estimate with the bilinear upsampling of the coarser one by its weight.
  for (let l = vs.length - 2; l >= 0; l--) {
    const fw = ws[l]!, fh = hs[l]!, fv = vs[l]!, fk = ks[l]!;
    const cw = ws[l + 1]!, ch = hs[l + 1]!, cv = vs[l + 1]!;
    for (let y = 0; y < fh; y++) {
      const sy = Math.min(ch - 1, Math.max(0, (y - 0.5) / 2)), y0 = Math.floor(sy), y1 = Math.min(ch - 1, y0 + 1), ty = sy - y0;
      for (let x = 0; x < fw; x++) {
        const i = y * fw + x, k = fk[i]!;
        if (k >= 1) continue;
        const sx = Math.min(cw - 1, Math.max(0, (x - 0.5) / 2)), x0 = Math.floor(sx), x1 = Math.min(cw - 1, x0 + 1), tx = sx - x0;
        for (let j = 0; j < c; j++) {
          const up = (1 - ty) * ((1 - tx) * cv[(y0 * cw + x0) * c + j]! + tx * cv[(y0 * cw + x1) * c + j]!) + ty * ((1 - tx) * cv[(y1 * cw + x0) * c + j]! + tx * cv[(y1 * cw + x1) * c + j]!);
          fv[i * c + j] = k * fv[i * c + j]! + (1 - k) * up;
        }
      }
    }
  }
}

/** Gauss–Seidel sweeps of Laplace's equation over the `unknown` pixels (4-neighbours in `use`; other pixels and the image edge are free). */
function relax(v: Float32Array, unknown: Int32Array, use: Uint8Array, w: number, h: number, c: number, sweeps: number): void {
  // Neighbour lists once (up to 4 per pixel, -1 = none), so the sweeps are plain sums.
  const nb = new Int32Array(unknown.length * 4).fill(-1);
  for (let t = 0; t < unknown.length; t++) {
    const q = unknown[t]!, x = q % w, y = (q - x) / w;
    if (x > 0 && use[q - 1]) nb[t * 4] = q - 1;
    if (x < w - 1 && use[q + 1]) nb[t * 4 + 1] = q + 1;
    if (y > 0 && use[q - w]) nb[t * 4 + 2] = q - w;
    if (y < h - 1 && use[q + w]) nb[t * 4 + 3] = q + w;
  }
  for (let s = 0; s < sweeps; s++) {
    const forward = s % 2 === 0;
    for (let k = 0; k < unknown.length; k++) {
      const t = forward ? k : unknown.length - 1 - k;
      const q = unknown[t]!;
      for (let j = 0; j < c; j++) {
        let sum = 0, n = 0;
        for (let e = 0; e < 4; e++) {
          const o = nb[t * 4 + e]!;
          if (o >= 0) { sum += v[o * c + j]!; n++; }
        }
        if (n) v[q * c + j] = sum / n;
      }
    }
  }
}

/** Colour bins of the border histogram: 8 levels per channel (32 wide), 512 bins. */
function colourBin(img: Float32Array, i: number): number {
  return (level8(img[i * 4]!) << 6) | (level8(img[i * 4 + 1]!) << 3) | level8(img[i * 4 + 2]!);
}

function level8(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 7 : v >> 5;
}

/**
 * Sampling by the hole's border: removes from `allowed` (in place) the objects whose colour is rare on the hole's
 * own border — the known pixels within `band` of `group` — so a distinct object standing next to the hole (a
 * barrier, a tower, a sign) is not copied into it, while everything that looks like what surrounds the hole stays.
 * A colour's share is the fraction of border pixels within one bin (±32 levels per channel) of it; an object is an
 * 8-connected blob of allowed pixels whose colours are all below `minShare`, and only blobs of at least `minBlob`
 * pixels go: specks smaller than that (a fruit's highlights, a bird in the sky, the glints of a texture) are
 * texture, and the fill needs them to be as sharp as its surroundings. Never more than `maxFraction` of the
 * allowed pixels go (the rarest colours first). `keep` (the user's sampleFrom) is never removed. Returns how many
 * pixels were removed.
 *
 * @example
 * const { allowed, dist } = samplingArea(group, hole, w, h, ring);
 * foreignColours(img, w, h, allowed, dist, 4, 0.005, 0.3, 49); // allowed loses the distractor next to the hole
 */
export function foreignColours(img: Float32Array, w: number, h: number, allowed: Uint8Array, distToGroup: Float32Array, band: number, minShare: number, maxFraction: number, minBlob: number, keep?: Uint8Array): number {
  const share = borderShares(img, allowed, distToGroup, band);
  if (!share) return 0;
  // Allowed pixels of a rare colour, and of those the ones in blobs big enough to be an object.
  const rare = new Uint8Array(allowed.length);
  for (let i = 0; i < allowed.length; i++) if (allowed[i] && !keep?.[i] && share[colourBin(img, i)]! < minShare) rare[i] = 1;
  const big = bigBlobs(rare, w, h, minBlob);
  // How many such pixels fall in each bin: the rarest bins go first, within maxFraction of the allowed pixels.
  const count = new Float64Array(512);
  let total = 0;
  for (let i = 0; i < allowed.length; i++) {
    if (!allowed[i] || keep?.[i]) continue;
    total++;
    if (big[i]) { const k = colourBin(img, i); count[k] = count[k]! + 1; }
  }
  const order = Array.from({ length: 512 }, (_, k) => k).filter((k) => count[k]! > 0).sort((a, b) => share[a]! - share[b]! || a - b);
  const drop = new Uint8Array(512);
  let removed = 0;
  for (const k of order) {
    if (removed + count[k]! > maxFraction * total) break;
    drop[k] = 1;
    removed += count[k]!;
  }
  if (!removed) return 0;
  for (let i = 0; i < allowed.length; i++) if (big[i] && drop[colourBin(img, i)]) allowed[i] = 0;
  return removed;
}

/** Each colour bin's share of the border band (smoothed over its 27 neighbouring bins); undefined when there is no border. */
function borderShares(img: Float32Array, allowed: Uint8Array, distToGroup: Float32Array, band: number): Float32Array | undefined {
  const hist = new Float64Array(512);
  let border = 0;
  for (let i = 0; i < allowed.length; i++) {
    const d = distToGroup[i]!;
    if (allowed[i] && d > 0 && d <= band) { const k = colourBin(img, i); hist[k] = hist[k]! + 1; border++; }
  }
  if (!border) return undefined;
  const share = new Float32Array(512);
  for (let r = 0; r < 8; r++) for (let g = 0; g < 8; g++) for (let b = 0; b < 8; b++) {
    let s = 0;
    for (let dr = -1; dr <= 1; dr++) for (let dg = -1; dg <= 1; dg++) for (let db = -1; db <= 1; db++) {
      const R = r + dr, G = g + dg, B = b + db;
      if (R >= 0 && G >= 0 && B >= 0 && R < 8 && G < 8 && B < 8) s += hist[(R << 6) | (G << 3) | B]!;
    }
    share[(r << 6) | (g << 3) | b] = s / border;
  }
  return share;
}

/** 1 where a pixel of `m` lies in an 8-connected blob of at least `min` pixels. */
function bigBlobs(m: Uint8Array, w: number, h: number, min: number): Uint8Array {
  const { labels, count } = components(m, w, h);
  const size = new Int32Array(count + 1);
  for (let i = 0; i < labels.length; i++) size[labels[i]!]!++;
  const out = new Uint8Array(m.length);
  for (let i = 0; i < labels.length; i++) if (labels[i] && size[labels[i]!]! >= min) out[i] = 1;
  return out;
}
