/**
 * Quality measures of a fill against its ground truth, over the hole only (bench code, pure typed arrays):
 * SSIM (Wang et al. 2004, 7×7 box windows on luma), GMSD (Xue et al. 2014, Prewitt gradients, c = 170), a
 * sharpness ratio (mean gradient magnitude inside the hole, fill / truth), a seam ratio (mean gradient magnitude
 * on the hole's outline, fill / truth) and the transplant fraction (hole pixels showing the distractor's colour).
 */
import type { EditMask, Raster } from '../src/core/raster.js';

export function lumaOf(img: Raster): Float32Array {
  const n = img.width * img.height, c = img.channels, out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.299 * img.data[i * c]! + 0.587 * img.data[i * c + 1]! + 0.114 * img.data[i * c + 2]!;
  return out;
}

/** Prewitt gradient magnitude of a luma image (0 on the one-pixel frame). */
export function gradient(l: Float32Array, w: number, h: number): Float32Array {
  const g = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const gx = (l[i - w + 1]! + l[i + 1]! + l[i + w + 1]! - l[i - w - 1]! - l[i - 1]! - l[i + w - 1]!) / 3;
      const gy = (l[i + w - 1]! + l[i + w]! + l[i + w + 1]! - l[i - w - 1]! - l[i - w]! - l[i - w + 1]!) / 3;
      g[i] = Math.hypot(gx, gy);
    }
  }
  return g;
}

/** Mean SSIM over 7×7 windows centred on hole pixels (windows clipped to the image). */
export function ssimInHole(a: Raster, b: Raster, m: EditMask): number {
  const w = a.width, h = a.height, la = lumaOf(a), lb = lumaOf(b);
  const C1 = (0.01 * 255) ** 2, C2 = (0.03 * 255) ** 2, r = 3;
  let sum = 0, k = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!m.data[y * w + x]) continue;
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
          const p = la[yy * w + xx]!, q = lb[yy * w + xx]!;
          sa += p; sb += q; saa += p * p; sbb += q * q; sab += p * q; n++;
        }
      }
      const ma = sa / n, mb = sb / n;
      const va = saa / n - ma * ma, vb = sbb / n - mb * mb, cov = sab / n - ma * mb;
      sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      k++;
    }
  }
  return k ? sum / k : 1;
}

/** GMSD over the hole pixels: the standard deviation of the gradient magnitude similarity (lower is better). */
export function gmsdInHole(a: Raster, b: Raster, m: EditMask): number {
  const w = a.width, h = a.height;
  const ga = gradient(lumaOf(a), w, h), gb = gradient(lumaOf(b), w, h);
  const c = 170;
  const vals: number[] = [];
  for (let i = 0; i < m.data.length; i++) {
    if (!m.data[i]) continue;
    vals.push((2 * ga[i]! * gb[i]! + c) / (ga[i]! ** 2 + gb[i]! ** 2 + c));
  }
  const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
  return Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / vals.length);
}

/** Hole pixels at least `depth` pixels (chessboard) inside the hole, and the outline (within 1 px either side). */
export function holeZones(m: EditMask, depth: number): { inner: Uint8Array; outline: Uint8Array } {
  const w = m.width, h = m.height;
  const inner = new Uint8Array(w * h), outline = new Uint8Array(w * h);
  const hole = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && m.data[y * w + x] !== 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const me = hole(x, y);
      let allIn = me, edge = false;
      for (let dy = -depth; dy <= depth && allIn; dy++) for (let dx = -depth; dx <= depth; dx++) if (!hole(x + dx, y + dy)) { allIn = false; break; }
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (x + dx >= 0 && y + dy >= 0 && x + dx < w && y + dy < h && hole(x + dx, y + dy) !== me) edge = true;
      if (allIn) inner[y * w + x] = 1;
      if (edge) outline[y * w + x] = 1;
    }
  }
  return { inner, outline };
}

function meanOver(v: Float32Array, sel: Uint8Array): number {
  let s = 0, k = 0;
  for (let i = 0; i < sel.length; i++) if (sel[i]) { s += v[i]!; k++; }
  return k ? s / k : 0;
}

/** Mean gradient magnitude inside the hole (2 px in), fill over truth: 1 = as sharp as the truth. */
export function sharpnessRatio(fill: Raster, truth: Raster, m: EditMask): number {
  const { inner } = holeZones(m, 2);
  const w = fill.width, h = fill.height;
  return meanOver(gradient(lumaOf(fill), w, h), inner) / Math.max(1e-6, meanOver(gradient(lumaOf(truth), w, h), inner));
}

/** Known pixels between `from` and `to` pixels (chessboard) outside the hole: the ring around it. */
export function ringZone(m: EditMask, from: number, to: number): Uint8Array {
  const w = m.width, h = m.height, BIG = 1 << 20;
  const d = new Int32Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = m.data[i] ? 0 : BIG;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (x > 0) d[i] = Math.min(d[i]!, d[i - 1]! + 1);
    if (y > 0) d[i] = Math.min(d[i]!, d[i - w]! + 1, x > 0 ? d[i - w - 1]! + 1 : BIG, x < w - 1 ? d[i - w + 1]! + 1 : BIG);
  }
  for (let y = h - 1; y >= 0; y--) for (let x = w - 1; x >= 0; x--) {
    const i = y * w + x;
    if (x < w - 1) d[i] = Math.min(d[i]!, d[i + 1]! + 1);
    if (y < h - 1) d[i] = Math.min(d[i]!, d[i + w]! + 1, x < w - 1 ? d[i + w + 1]! + 1 : BIG, x > 0 ? d[i + w - 1]! + 1 : BIG);
  }
  const out = new Uint8Array(w * h);
  for (let i = 0; i < d.length; i++) out[i] = d[i]! >= from && d[i]! <= to ? 1 : 0;
  return out;
}

/**
 * Mean gradient magnitude inside the hole (2 px in) over the same image's mean gradient on the ring 3–12 px
 * outside it: is the fill as sharp as what surrounds it? (The truth's own value says what a perfect fill scores;
 * unlike sharpnessRatio it does not punish a fill for leaving out an object the truth had in the hole.)
 */
export function ringSharpness(img: Raster, m: EditMask): number {
  const { inner } = holeZones(m, 2);
  const g = gradient(lumaOf(img), img.width, img.height);
  return meanOver(g, inner) / Math.max(1e-6, meanOver(g, ringZone(m, 3, 12)));
}

/** Mean gradient magnitude on the hole's outline, fill over truth: above 1 = a visible seam. */
export function seamRatio(fill: Raster, truth: Raster, m: EditMask): number {
  const { outline } = holeZones(m, 0);
  const w = fill.width, h = fill.height;
  return meanOver(gradient(lumaOf(fill), w, h), outline) / Math.max(1e-6, meanOver(gradient(lumaOf(truth), w, h), outline));
}

/** Fraction of hole pixels within `tol` (RGB distance) of `colour` where the truth is not. */
export function transplantFraction(fill: Raster, truth: Raster, m: EditMask, colour: readonly [number, number, number], tol = 60): number {
  let hits = 0, n = 0;
  const near = (img: Raster, i: number) => Math.hypot(img.data[i * 4]! - colour[0], img.data[i * 4 + 1]! - colour[1], img.data[i * 4 + 2]! - colour[2]) <= tol;
  for (let i = 0; i < m.data.length; i++) {
    if (!m.data[i]) continue;
    n++;
    if (near(fill, i) && !near(truth, i)) hits++;
  }
  return n ? hits / n : 0;
}
