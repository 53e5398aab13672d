/**
 * How far an edit reached outside its mask. GPT image models redraw the whole frame, so a "masked" result can
 * change pixels the user asked to keep; this measures that, separately for the kept (outside) and editable
 * (inside) regions, and renders a per-pixel change map for the heatmap.
 *
 * Definitions (docs/locality.md):
 * - inside = mask value > 0, outside = mask value 0 (the pixels the user asked to keep);
 * - a pixel is *changed* when any of its four channels (alpha included) moved by more than `threshold`
 *   (default {@link DEFAULT_THRESHOLD} = 8, above JPEG q90 / 8-bit requantisation noise, far below any visible
 *   edit);
 * - `meanAbsDiff` and `psnr` are over R, G and B (the visible colour), `psnr = 10·log10(255² / MSE)`,
 *   `Infinity` when identical;
 * - `ssim` is Wang et al. 2004 ("Image quality assessment: from error visibility to structural similarity")
 *   on Rec. 601 luma, with uniform 8×8 windows on a 4-pixel grid (C1 = (0.01·255)², C2 = (0.03·255)²),
 *   averaged over the windows whose centre pixel lies in the region; a region too small to hold a window
 *   centre uses the windows that overlap it;
 * - verdict: `local` when outside.changedFraction ≤ 0.5 %, `rewritten` when ≥ 25 %, else `spilled`.
 */
import { MaskError } from './errors.js';
import { kernelFor, resize } from './resize.js';
import { countNonZero, createEditMask, sameSize, type Box, type EditMask, type Raster } from './raster.js';
import { anyOverlap, boxInside, paste } from './crop.js';

export const DEFAULT_THRESHOLD = 8;
/** Outside changedFraction at or below this is `local`. */
export const LOCAL_MAX = 0.005;
/** Outside changedFraction at or above this is `rewritten`. */
export const REWRITTEN_MIN = 0.25;

export interface RegionStats {
  pixels: number;
  changedPixels: number;
  changedFraction: number;
  meanAbsDiff: number;
  /** dB; Infinity when the region is identical (or empty). */
  psnr: number;
  ssim: number;
}

export type Verdict = 'local' | 'spilled' | 'rewritten';

export interface SpilloverReport {
  outside: RegionStats;
  inside: RegionStats;
  verdict: Verdict;
  threshold: number;
  /** false, or the sizes when the result was resampled onto the original's grid before comparing. */
  resized: false | { from: { width: number; height: number }; to: { width: number; height: number } };
  /** Per pixel: the largest absolute channel difference (0–255), at the original's size. */
  changeMap: EditMask;
}

export interface SpilloverOptions {
  threshold?: number;
}

const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

/** Verdict for an outside changed fraction (thresholds above). */
export function verdictFor(outsideChangedFraction: number): Verdict {
  if (outsideChangedFraction <= LOCAL_MAX) return 'local';
  if (outsideChangedFraction >= REWRITTEN_MIN) return 'rewritten';
  return 'spilled';
}

/**
 * Compares `result` with `original` inside and outside `editMask`.
 *
 * @example
 * const r = spillover(original, modelOutput, mask);
 * r.outside.changedFraction // 0.516 for a raw GPT-image edit, 0 after stitch()
 */
export function spillover(original: Raster & { channels: 4 }, result: Raster & { channels: 4 }, editMask: EditMask, opts: SpilloverOptions = {}): SpilloverReport {
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  if (!sameSize(original, editMask)) {
    throw new MaskError('MASK_SIZE_MISMATCH', `mask is ${editMask.width}x${editMask.height} but the original is ${original.width}x${original.height}`,
      'resize the mask to the original: maskedit mask MASK --match ORIGINAL -o mask.png');
  }
  let resized: SpilloverReport['resized'] = false;
  let res = result;
  if (!sameSize(original, result)) {
    res = resize(result, original.width, original.height, kernelFor(result, original));
    resized = { from: { width: result.width, height: result.height }, to: { width: original.width, height: original.height } };
  }

  const { width: w, height: h } = original;
  return reportOf(measure(whole(original), whole(res), whole(editMask), w, h, threshold), threshold, resized);
}

/** Where a region's pixels are: pixel (x, y) of the region is `data` at pixel index `base + y·stride + x`. */
interface Plane { data: Uint8Array | Uint8ClampedArray; base: number; stride: number }

// `| 0`: sizes and offsets reach the row kernels as small integers even when a box was computed in floating
// point (an integral double would deoptimise kernels that were compiled for small integers).
const whole = (r: Raster): Plane => ({ data: r.data, base: 0, stride: r.width | 0 });
const within = (r: Raster, box: Box): Plane => ({ data: r.data, base: (box.y * r.width + box.x) | 0, stride: r.width | 0 });

/** The sums of one region pair (before division), its change map and its SSIM cell sums. */
interface Measured {
  w: number; h: number;
  changed: [number, number]; count: [number, number]; absSum: [number, number]; sqSum: [number, number];
  ssim: [number, number];
  changeMap: EditMask;
}

type Bytes = Uint8Array | Uint8ClampedArray;

/** A 32-bit view of every pixel of `d`, or undefined when `d` does not start on a 4-byte boundary. */
const pixelWords = (d: Bytes) => (d.byteOffset % 4 === 0 ? new Int32Array(d.buffer, d.byteOffset, d.length >>> 2) : undefined);

/**
 * The per-pixel pass over a `w`×`h` region of original `pa`, result `pb` and mask `pm`, one band of 4 rows at a
 * time. The band's 4×4 cells are compared first (as 32-bit words when both buffers are aligned): a cell with no
 * changed pixel adds nothing to the sums and keeps no SSIM sums (a window of identical cells scores 1;
 * regionSsim fills in the sums of identical cells a window needs); the changed cells are then read row by row
 * for everything. Integer sums, so the order of the additions does not change them.
 *
 * The loops live in small functions called once per band or row, with typed arrays and numbers only: called
 * many times they are optimised early and stay optimised, where one long loop called once per edit would run
 * much of its first pass unoptimised.
 */
function measure(pa: Plane, pb: Plane, pm: Plane, width: number, height: number, threshold: number): Measured {
  const meter = new Meter(pa, pm, width, height, threshold);
  meter.rows(pb, 0, height);
  return meter.finish();
}

/**
 * {@link measure} fed the result a band of rows at a time, in order (a map-back that arrives in strips is measured
 * while the next strip is still being scaled). Every band but the last starts and ends on a multiple of 4 rows
 * (whole 4×4 cells). The sums are integers, so the report is the same as one pass over all rows.
 */
class Meter {
  private readonly w: number;
  private readonly h: number;
  private readonly thr: number;
  private readonly changeMap: EditMask;
  // Per region (0 outside, 1 inside): changed pixels, Σ|d| and Σd² over R, G, B.
  private readonly acc = new Float64Array(6);
  private readonly count1: number;
  private readonly cells: CellSums;
  /** A region under one window (fewer than 2 cells across or down): its luma sums, for one window over all of it. */
  private readonly tiny: Float64Array | undefined;
  private next = 0;

  constructor(private readonly pa: Plane, private readonly pm: Plane, width: number, height: number, threshold: number) {
    this.w = width | 0;
    this.h = height | 0;
    this.changeMap = createEditMask(this.w, this.h);
    // An identical pixel (difference 0) is never counted as changed, whatever the threshold.
    this.thr = threshold < 0 ? 0 : threshold;
    this.count1 = countInside(pm, this.w, this.h);
    // 4×4 cell sums for SSIM: Σx, Σy, Σx², Σy², Σxy of luma.
    const cw = this.w >> 2, ch = this.h >> 2, n = cw * ch;
    this.cells = { cw, ch, sx: new Int32Array(n), sy: new Int32Array(n), sxx: new Int32Array(n), syy: new Int32Array(n), sxy: new Int32Array(n), differs: new Uint8Array(n) };
    this.tiny = cw < 2 || ch < 2 ? new Float64Array(5) : undefined;
  }

  /** Rows `y0` to `y1` (exclusive) of the result, where row y of the region is pixel `pb.base + y·pb.stride`. */
  rows(pb: Plane, y0: number, y1: number): void {
    const { w, h, thr, acc, pa, pm } = this;
    const { cw, ch, sx, sy, sxx, syy, sxy, differs } = this.cells;
    if (y0 !== this.next || y1 > h || y1 <= y0 || (y1 < h && y1 % 4 !== 0)) throw new RangeError(`spillover rows ${y0}–${y1} out of order (expected ${this.next} up to a multiple of 4 or ${h})`);
    this.next = y1;
    const a = pa.data, b = pb.data, m = pm.data, cm = this.changeMap.data;
    const as = pa.stride, bs = pb.stride, ms = pm.stride;
    const a32 = pixelWords(a), b32 = a32 && pixelWords(b);
    for (let cy = y0 >> 2, cEnd = Math.min(ch, y1 >> 2); cy < cEnd; cy++) {
      const yc = cy * 4;
      const changedCells = a32 && b32
        ? markCells32(a32, pa.base + yc * as, as, b32, pb.base + yc * bs, bs, cw, differs, cy * cw)
        : markCells8(a, (pa.base + yc * as) * 4, as * 4, b, (pb.base + yc * bs) * 4, bs * 4, cw, differs, cy * cw);
      if (changedCells === 0) continue;
      for (let y = yc; y < yc + 4; y++) {
        cellRow(a, (pa.base + y * as) * 4, b, (pb.base + y * bs) * 4, m, pm.base + y * ms, cm, y * w, cw, differs, cy * cw, thr, acc, sx, sy, sxx, syy, sxy);
      }
    }
    // Pixels past the last whole cell (right columns, bottom rows) count for the figures but no SSIM window.
    for (let y = y0; y < y1; y++) {
      const x0 = y < ch * 4 ? cw * 4 : 0;
      if (x0 < w) plainRow(a, (pa.base + y * as + x0) * 4, b, (pb.base + y * bs + x0) * 4, m, pm.base + y * ms + x0, cm, y * w + x0, w - x0, thr, acc);
    }
    if (this.tiny) addLumaSums(pa, pb, w, y0, y1, this.tiny);
  }

  /** The sums once every row is in; SSIM needs only the original past this point. */
  finish(): Measured {
    const { w, h, acc, count1, changeMap } = this;
    if (this.next !== h) throw new RangeError(`spillover has rows up to ${this.next} of ${h}`);
    const t = this.tiny;
    // Smaller than one window: one window over the whole region serves both of its parts.
    const one = t ? ssimOf(w * h, t[0]!, t[1]!, t[2]!, t[3]!, t[4]!) : 0;
    const ssim: [number, number] = t ? [one, one] : regionSsim(this.pa, this.pm, this.cells);
    return {
      w, h, changed: [acc[0]!, acc[1]!], count: [w * h - count1, count1], absSum: [acc[2]!, acc[3]!], sqSum: [acc[4]!, acc[5]!], ssim, changeMap,
    };
  }
}

/** Marks the cells of one band whose 16 pixels are not all identical; `ia`/`ib` index the band's first pixel. */
function markCells32(a32: Int32Array, ia: number, as: number, b32: Int32Array, ib: number, bs: number, cw: number, differs: Uint8Array, c0: number): number {
  let n = 0;
  for (let cx = 0; cx < cw; cx++, ia += 4, ib += 4) {
    let d = 0;
    for (let yy = 0, i = ia, j = ib; yy < 4; yy++, i += as, j += bs) {
      if (a32[i] !== b32[j] || a32[i + 1] !== b32[j + 1] || a32[i + 2] !== b32[j + 2] || a32[i + 3] !== b32[j + 3]) { d = 1; break; }
    }
    differs[c0 + cx] = d;
    n += d;
  }
  return n;
}

/** {@link markCells32} byte by byte (buffers not on a 4-byte boundary); `oa`/`ob` are byte offsets, strides in bytes. */
function markCells8(a: Bytes, oa: number, as: number, b: Bytes, ob: number, bs: number, cw: number, differs: Uint8Array, c0: number): number {
  let n = 0;
  for (let cx = 0; cx < cw; cx++, oa += 16, ob += 16) {
    let d = 0;
    for (let yy = 0, i = oa, j = ob; yy < 4 && d === 0; yy++, i += as, j += bs) {
      for (let k = 0; k < 16; k++) if (a[i + k] !== b[j + k]) { d = 1; break; }
    }
    differs[c0 + cx] = d;
    n += d;
  }
  return n;
}

/**
 * One row of a band: every pixel of the changed cells (runs of them at once), into the region sums `acc` and
 * the cells' SSIM sums. `oa`/`ob` are the row's first byte in the original and the result, `mi` its first mask
 * pixel, `ci` its first change-map pixel.
 */
function cellRow(a: Bytes, oa0: number, b: Bytes, ob0: number, m: Bytes, mi0: number, cm: Bytes, ci0: number, cw: number, differs: Uint8Array, c0: number, thr: number,
  acc: Float64Array, sx: Int32Array, sy: Int32Array, sxx: Int32Array, syy: Int32Array, sxy: Int32Array): void {
  let changed0 = 0, changed1 = 0, abs0 = 0, abs1 = 0, sq0 = 0, sq1 = 0;
  for (let cx = 0; cx < cw;) {
    if (differs[c0 + cx] === 0) { cx++; continue; }
    let cEnd = cx + 1;
    while (cEnd < cw && differs[c0 + cEnd] !== 0) cEnd++;
    let c = c0 + cx;
    let lsx = 0, lsy = 0, lsxx = 0, lsyy = 0, lsxy = 0;
    for (let x = cx * 4, end = cEnd * 4, oa = oa0 + x * 4, ob = ob0 + x * 4, mi = mi0 + x, ci = ci0 + x; x < end; x++, oa += 4, ob += 4, mi++, ci++) {
      const r0 = a[oa]!, g0 = a[oa + 1]!, b0 = a[oa + 2]!;
      const r1 = b[ob]!, g1 = b[ob + 1]!, b1 = b[ob + 2]!;
      const dr = r1 - r0, dg = g1 - g0, db = b1 - b0, da = b[ob + 3]! - a[oa + 3]!;
      const ar = dr < 0 ? -dr : dr, ag = dg < 0 ? -dg : dg, ab = db < 0 ? -db : db, aa = da < 0 ? -da : da;
      let mx = ar > ag ? ar : ag;
      if (ab > mx) mx = ab;
      if (aa > mx) mx = aa;
      cm[ci] = mx;
      if (m[mi] !== 0) {
        if (mx > thr) changed1++;
        abs1 += ar + ag + ab;
        sq1 += dr * dr + dg * dg + db * db;
      } else {
        if (mx > thr) changed0++;
        abs0 += ar + ag + ab;
        sq0 += dr * dr + dg * dg + db * db;
      }
      // Rec. 601 luma in 16-bit fixed point (0.299, 0.587, 0.114 × 65536), rounded.
      const lx = (r0 * 19595 + g0 * 38470 + b0 * 7471 + 32768) >> 16;
      const ly = (r1 * 19595 + g1 * 38470 + b1 * 7471 + 32768) >> 16;
      lsx += lx; lsy += ly; lsxx += lx * lx; lsyy += ly * ly; lsxy += lx * ly;
      if ((x & 3) === 3) {
        sx[c]! += lsx; sy[c]! += lsy; sxx[c]! += lsxx; syy[c]! += lsyy; sxy[c]! += lsxy;
        lsx = lsy = lsxx = lsyy = lsxy = 0;
        c++;
      }
    }
    cx = cEnd;
  }
  acc[0]! += changed0; acc[1]! += changed1; acc[2]! += abs0; acc[3]! += abs1; acc[4]! += sq0; acc[5]! += sq1;
}

/** `n` pixels of a row outside every whole cell: the region sums only. Offsets as in {@link cellRow}. */
function plainRow(a: Bytes, oa: number, b: Bytes, ob: number, m: Bytes, mi: number, cm: Bytes, ci: number, n: number, thr: number, acc: Float64Array): void {
  for (let k = 0; k < n; k++, oa += 4, ob += 4, mi++, ci++) {
    const dr = b[ob]! - a[oa]!, dg = b[ob + 1]! - a[oa + 1]!, db = b[ob + 2]! - a[oa + 2]!, da = b[ob + 3]! - a[oa + 3]!;
    const mx = Math.max(Math.abs(dr), Math.abs(dg), Math.abs(db), Math.abs(da));
    if (mx === 0) continue;
    cm[ci] = mx;
    const r = m[mi] !== 0 ? 1 : 0;
    if (mx > thr) acc[r]!++;
    acc[2 + r]! += Math.abs(dr) + Math.abs(dg) + Math.abs(db);
    acc[4 + r]! += dr * dr + dg * dg + db * db;
  }
}

/** Non-zero pixels of a `w`×`h` region of a mask. */
function countInside(pm: Plane, w: number, h: number): number {
  if (pm.base === 0 && pm.stride === w && pm.data.length === w * h) return countNonZero({ width: w, height: h, channels: 1, data: pm.data });
  let n = 0;
  for (let y = 0; y < h; y++) n += countNonZero({ width: w, height: 1, channels: 1, data: pm.data.subarray(pm.base + y * pm.stride, pm.base + y * pm.stride + w) });
  return n;
}

/** The report from a region's sums. */
function reportOf(s: Measured, threshold: number, resized: SpilloverReport['resized']): SpilloverReport {
  const stats = (k: 0 | 1): RegionStats => {
    const n = s.count[k]!;
    const mse = n ? s.sqSum[k]! / (n * 3) : 0;
    return {
      pixels: n,
      changedPixels: s.changed[k]!,
      changedFraction: n ? s.changed[k]! / n : 0,
      meanAbsDiff: n ? s.absSum[k]! / (n * 3) : 0,
      psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse),
      ssim: s.ssim[k]!,
    };
  };
  const outside = stats(0), inside = stats(1);
  return { outside, inside, verdict: verdictFor(outside.changedFraction), threshold, resized, changeMap: s.changeMap };
}

interface CellSums { cw: number; ch: number; sx: Int32Array; sy: Int32Array; sxx: Int32Array; syy: Int32Array; sxy: Int32Array; differs: Uint8Array }

function ssimOf(n: number, sx: number, sy: number, sxx: number, syy: number, sxy: number): number {
  const mx = sx / n, my = sy / n;
  const vx = sxx / n - mx * mx, vy = syy / n - my * my, cxy = sxy / n - mx * my;
  return ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
}

/**
 * Mean SSIM over the 8×8 windows (2×2 cells) centred in each region: [outside, inside]. A region smaller than
 * one window (fewer than 2 cells across or down) is not passed here: one window over all of it serves both.
 */
function regionSsim(pa: Plane, pm: Plane, s: CellSums): [number, number] {
  const { cw, ch } = s;
  // Identical cells' sums, filled in from the original (equal to the result there) when a window needs them.
  const ready = new Uint8Array(s.differs);
  // Fallback for regions holding no window centre: windows overlapping the region. It needs how many pixels of
  // each cell are inside, counted only when a region has no window centre (a tiny mask, or everything inside).
  const m = pm.data, ms = pm.stride;
  let centresInside = 0;
  for (let cy = 0; cy + 1 < ch; cy++) {
    for (let cx = 0, i = pm.base + (cy * 4 + 4) * ms + 4; cx + 1 < cw; cx++, i += 4) if (m[i] !== 0) centresInside++;
  }
  const sin = centresInside === 0 || centresInside === (cw - 1) * (ch - 1) ? insideCounts(pm, cw, ch) : EMPTY;
  // [Σ outside, Σ inside, n outside, n inside], then the same over the windows overlapping each region.
  const acc = new Float64Array(8);
  for (let cy = 0; cy + 1 < ch; cy++) ssimRow(cy, cw, s, ready, pa.data, pa.base, pa.stride, m, pm.base + (cy * 4 + 4) * ms + 4, sin, acc);
  const pick = (k: 0 | 1) => (acc[2 + k]! ? acc[k]! / acc[2 + k]! : acc[6 + k]! ? acc[4 + k]! / acc[6 + k]! : 1);
  return [pick(0), pick(1)];
}

const EMPTY = new Uint8Array(0);

/**
 * The windows of one row of cells, added to `acc` one at a time in raster order (the same floating-point sums
 * as one loop over all windows). `mi` is the mask index of the row's first window centre.
 */
function ssimRow(cy: number, cw: number, s: CellSums, ready: Uint8Array, a: Bytes, aBase: number, as: number, m: Bytes, mi: number, sin: Uint8Array, acc: Float64Array): void {
  const { differs, sx, sy, sxx, syy, sxy } = s;
  for (let cx = 0; cx + 1 < cw; cx++, mi += 4) {
    const c00 = cy * cw + cx, c01 = c00 + 1, c10 = c00 + cw, c11 = c10 + 1;
    // A window whose four cells are identical scores exactly 1 (ssimOf gives 1 for equal sums); the others
    // need the sums of their identical cells too, which the main pass skipped.
    const anyChanged = differs[c00]! | differs[c01]! | differs[c10]! | differs[c11]!;
    let v = 1;
    if (anyChanged) {
      if (!ready[c00]) fillCell(c00, cw, ready, a, aBase, as, s);
      if (!ready[c01]) fillCell(c01, cw, ready, a, aBase, as, s);
      if (!ready[c10]) fillCell(c10, cw, ready, a, aBase, as, s);
      if (!ready[c11]) fillCell(c11, cw, ready, a, aBase, as, s);
      v = ssimOf(64, sx[c00]! + sx[c01]! + sx[c10]! + sx[c11]!, sy[c00]! + sy[c01]! + sy[c10]! + sy[c11]!,
        sxx[c00]! + sxx[c01]! + sxx[c10]! + sxx[c11]!, syy[c00]! + syy[c01]! + syy[c10]! + syy[c11]!, sxy[c00]! + sxy[c01]! + sxy[c10]! + sxy[c11]!);
    }
    const k = m[mi] !== 0 ? 1 : 0;
    acc[k]! += v;
    acc[2 + k]!++;
    if (sin.length) {
      const inside = sin[c00]! + sin[c01]! + sin[c10]! + sin[c11]!;
      if (inside < 64) { acc[4]! += v; acc[6]!++; }
      if (inside > 0) { acc[5]! += v; acc[7]!++; }
    }
  }
}

/** An identical cell's SSIM sums, from the original alone. */
function fillCell(c: number, cw: number, ready: Uint8Array, a: Bytes, aBase: number, as: number, s: CellSums): void {
  ready[c] = 1;
  const x0 = (c % cw) * 4, y0 = Math.floor(c / cw) * 4;
  let sx = 0, sxx = 0;
  for (let y = y0; y < y0 + 4; y++) {
    for (let x = x0, o = (aBase + y * as + x0) * 4; x < x0 + 4; x++, o += 4) {
      const l = (a[o]! * 19595 + a[o + 1]! * 38470 + a[o + 2]! * 7471 + 32768) >> 16;
      sx += l; sxx += l * l;
    }
  }
  s.sx[c] = sx; s.sy[c] = sx; s.sxx[c] = sxx; s.syy[c] = sxx; s.sxy[c] = sxx;
}

/** How many pixels of each whole 4×4 cell are inside the mask. */
function insideCounts(pm: Plane, cw: number, ch: number): Uint8Array {
  const sin = new Uint8Array(cw * ch);
  const m = pm.data;
  for (let y = 0; y < ch * 4; y++) {
    const row = (y >> 2) * cw;
    for (let x = 0, i = pm.base + y * pm.stride; x < cw * 4; x++, i++) if (m[i] !== 0) sin[row + (x >> 2)]!++;
  }
  return sin;
}

/** Adds rows y0–y1 of both images' luma sums (Σx, Σy, Σx², Σy², Σxy) to `sums`: the one window of a tiny region. */
function addLumaSums(pa: Plane, pb: Plane, w: number, y0: number, y1: number, sums: Float64Array): void {
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  const a = pa.data, b = pb.data;
  for (let y = y0; y < y1; y++) {
    for (let x = 0, oa = (pa.base + y * pa.stride) * 4, ob = (pb.base + y * pb.stride) * 4; x < w; x++, oa += 4, ob += 4) {
      const lx = (a[oa]! * 19595 + a[oa + 1]! * 38470 + a[oa + 2]! * 7471 + 32768) >> 16;
      const ly = (b[ob]! * 19595 + b[ob + 1]! * 38470 + b[ob + 2]! * 7471 + 32768) >> 16;
      sx += lx; sy += ly; sxx += lx * lx; syy += ly * ly; sxy += lx * ly;
    }
  }
  sums[0]! += sx; sums[1]! += sy; sums[2]! += sxx; sums[3]! += syy; sums[4]! += sxy;
}

/**
 * Spillover of a result that is bit-identical to the original outside `boxes` (the crops a model was sent and
 * that were pasted back): only the boxes are read, every other pixel counts as unchanged (difference 0, SSIM 1).
 * The per-box reports are returned too, as "what the model did to what it saw". Region SSIM over the whole image
 * is the pixel-weighted mean of the boxes' SSIM and 1 elsewhere. Overlapping boxes would be counted twice, so
 * they fall back to {@link spillover} over the whole image.
 *
 * @example
 * const { report, boxes } = spilloverInBoxes(original, raw, editMask, [cropBox]);
 */
export function spilloverInBoxes(original: Raster & { channels: 4 }, result: Raster & { channels: 4 }, editMask: EditMask, boxes: readonly Box[], opts: SpilloverOptions = {}): { report: SpilloverReport; boxes: SpilloverReport[] } {
  if (!sameSize(original, result) || !sameSize(original, editMask)) {
    throw new MaskError('MASK_SIZE_MISMATCH', `spilloverInBoxes needs one size; received ${original.width}x${original.height}, ${result.width}x${result.height} and mask ${editMask.width}x${editMask.height}`, 'map the result back to the original first');
  }
  const parts = boxes.map((b) => boxReport(original, within(result, b), editMask, b, opts));
  if (anyOverlap(boxes)) return { report: spillover(original, result, editMask, opts), boxes: parts };
  return { report: mergeBoxes(original, editMask, parts, boxes, opts), boxes: parts };
}

/**
 * {@link spilloverInBoxes} for a result given only as its patches: the model's output mapped back onto each
 * box, the original everywhere else (the boxes must not overlap). No full-size result is needed.
 * `maskInBoxes`: the mask has no editable pixel outside the boxes (a crop plan's crops hold all of it), so the
 * whole mask is not counted again; the same report whenever that holds, a wrong one otherwise.
 *
 * @example
 * const { report, boxes } = spilloverOfPatches(original, editMask, [{ box: cropBox, patch: mappedBack }]);
 */
export function spilloverOfPatches(original: Raster & { channels: 4 }, editMask: EditMask, patches: readonly { box: Box; patch: Raster & { channels: 4 } }[], opts: SpilloverOptions & { maskInBoxes?: boolean } = {}): { report: SpilloverReport; boxes: SpilloverReport[] } {
  if (!sameSize(original, editMask)) {
    throw new MaskError('MASK_SIZE_MISMATCH', `spilloverOfPatches needs one size; received ${original.width}x${original.height} and mask ${editMask.width}x${editMask.height}`, 'map the result back to the original first');
  }
  if (anyOverlap(patches.map((p) => p.box))) throw new RangeError('spilloverOfPatches needs boxes that do not overlap; paste the patches into one image and use spilloverInBoxes');
  const meters = patches.map(({ box, patch }) => {
    if (patch.width !== box.width || patch.height !== box.height) throw new RangeError(`patch is ${patch.width}x${patch.height} but its box is ${box.width}x${box.height}`);
    const meter = patchMeter(original, editMask, box, opts);
    meter.rows(patch.data, 0, patch.height);
    return meter;
  });
  return spilloverOfMeters(original, editMask, meters, opts);
}

/** A patch's spillover, fed its rows as they arrive: see {@link patchMeter}. */
export interface PatchMeter {
  readonly box: Box;
  /**
   * Rows `y0` to `y0 + rows` of the patch (the box's width, RGBA), `data` starting at row `y0`. Rows come in
   * order; every call but the last ends on a multiple of 4 rows.
   */
  rows(data: Uint8Array | Uint8ClampedArray, y0: number, rows: number): void;
  /** The patch's report once every row is in (the same as spilloverOfPatches' for that box). */
  report(): SpilloverReport;
}

/**
 * {@link spilloverOfPatches} for one patch that arrives in bands of rows (a map-back scaled in strips): each band
 * is measured as it comes, while the next one is still being scaled. Join the meters with {@link spilloverOfMeters}.
 *
 * @example
 * const meter = patchMeter(original, editMask, cropBox);
 * await resampleEachStrip(answer, cropBox.width, cropBox.height, 'linear', (rows, y0, n) => meter.rows(rows, y0, n));
 * const { report } = spilloverOfMeters(original, editMask, [meter], { maskInBoxes: true });
 */
export function patchMeter(original: Raster & { channels: 4 }, editMask: EditMask, box: Box, opts: SpilloverOptions = {}): PatchMeter {
  if (!sameSize(original, editMask)) {
    throw new MaskError('MASK_SIZE_MISMATCH', `patchMeter needs one size; received ${original.width}x${original.height} and mask ${editMask.width}x${editMask.height}`, 'map the result back to the original first');
  }
  if (!boxInside(box, original)) {
    throw new RangeError(`crop box ${box.x},${box.y},${box.width},${box.height} is not inside the ${original.width}x${original.height} raster`);
  }
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const meter = new Meter(within(original, box), within(editMask, box), box.width, box.height, threshold);
  const stride = box.width | 0;
  return {
    box,
    // The band's row y0 is the band's first row: a negative base puts row y of the patch at (y − y0)·stride.
    rows: (data, y0, rows) => meter.rows({ data, base: -y0 * stride, stride }, y0, y0 + rows),
    report: () => reportOf(meter.finish(), threshold, false),
  };
}

/**
 * The whole image's report and the boxes' from patch meters whose rows are all in (boxes must not overlap).
 * `maskInBoxes` as for {@link spilloverOfPatches}.
 */
export function spilloverOfMeters(original: Raster & { channels: 4 }, editMask: EditMask, meters: readonly PatchMeter[], opts: SpilloverOptions & { maskInBoxes?: boolean } = {}): { report: SpilloverReport; boxes: SpilloverReport[] } {
  const boxes = meters.map((m) => m.box);
  if (anyOverlap(boxes)) throw new RangeError('spilloverOfMeters needs boxes that do not overlap');
  const parts = meters.map((m) => m.report());
  // The mask's editable count: the boxes' own counts when the caller promises nothing editable lies outside them.
  const insideTotal = opts.maskInBoxes ? parts.reduce((s, p) => s + p.inside.pixels, 0) : countNonZero(editMask);
  return { report: mergeBoxReports(original, insideTotal, parts, boxes, opts), boxes: parts };
}

/** {@link spillover} of `box` of the original against a result plane of the box's size, without copies. */
function boxReport(original: Raster & { channels: 4 }, result: Plane, editMask: EditMask, box: Box, opts: SpilloverOptions): SpilloverReport {
  if (!boxInside(box, original)) {
    throw new RangeError(`crop box ${box.x},${box.y},${box.width},${box.height} is not inside the ${original.width}x${original.height} raster`);
  }
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  return reportOf(measure(within(original, box), result, within(editMask, box), box.width, box.height, threshold), threshold, false);
}

/** The whole image's report from its boxes' reports: every pixel outside the boxes is unchanged. */
function mergeBoxes(original: Raster, editMask: EditMask, parts: readonly SpilloverReport[], boxes: readonly Box[], opts: SpilloverOptions): SpilloverReport {
  return mergeBoxReports(original, countNonZero(editMask), parts, boxes, opts);
}

/**
 * The whole image's report from the reports of non-overlapping boxes (each from {@link spilloverOfPatches}'s
 * `boxes`, measured wherever they were): every pixel outside the boxes counts as unchanged. `size` is the whole
 * image's, `insideTotal` its mask's count of editable pixels.
 *
 * @example
 * const report = mergeBoxReports(original, countNonZero(editMask), parts, boxes);
 */
export function mergeBoxReports(size: { width: number; height: number }, insideTotal: number, parts: readonly SpilloverReport[], boxes: readonly Box[], opts: SpilloverOptions = {}): SpilloverReport {
  const original = size;
  const totals: [number, number] = [original.width * original.height - insideTotal, insideTotal];
  const merge = (k: 'outside' | 'inside', total: number): RegionStats => {
    let changedPixels = 0, abs = 0, sq = 0, ssim = 0, seen = 0;
    for (const p of parts) {
      const s = p[k];
      changedPixels += s.changedPixels;
      abs += s.meanAbsDiff * s.pixels;
      // PSNR back to its MSE (Infinity ↔ 0), weighted by pixels.
      sq += (Number.isFinite(s.psnr) ? (255 * 255) / 10 ** (s.psnr / 10) : 0) * s.pixels;
      ssim += s.ssim * s.pixels;
      seen += s.pixels;
    }
    const rest = total - seen;
    const mse = total ? sq / total : 0;
    return {
      pixels: total,
      changedPixels,
      changedFraction: total ? changedPixels / total : 0,
      meanAbsDiff: total ? abs / total : 0,
      psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse),
      ssim: total ? (ssim + rest) / total : 1,
    };
  };
  const outside = merge('outside', totals[0]), inside = merge('inside', totals[1]);
  // The whole-image change map (zero outside the boxes) is put together on first read: only the heatmap wants
  // it, and it is a full-size buffer.
  let changeMap: EditMask | undefined;
  const build = () => {
    const m = createEditMask(original.width, original.height);
    parts.forEach((p, i) => paste(m, p.changeMap, boxes[i]!.x, boxes[i]!.y));
    return m;
  };
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  return {
    outside, inside, verdict: verdictFor(outside.changedFraction), threshold, resized: false,
    get changeMap() { return (changeMap ??= build()); },
  };
}
