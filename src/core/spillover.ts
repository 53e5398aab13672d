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
import { anyOverlap, crop, paste } from './crop.js';

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
  const a = original.data, b = res.data, m = editMask.data;
  const changeMap = createEditMask(w, h);
  const cm = changeMap.data;
  // Per region (0 outside, 1 inside), kept in locals: this loop runs once per pixel of a 16 MP pair.
  let changed0 = 0, changed1 = 0, abs0 = 0, abs1 = 0, sq0 = 0, sq1 = 0;
  // The inside's size is a property of the mask alone (a word-wise count), not of the pixel loop.
  const count1 = countNonZero(editMask);

  // 4×4 cell sums for SSIM: Σx, Σy, Σx², Σy², Σxy of luma.
  const cw = w >> 2, ch = h >> 2;
  const cells = cw * ch;
  const sx = new Int32Array(cells), sy = new Int32Array(cells), sxx = new Int32Array(cells), syy = new Int32Array(cells), sxy = new Int32Array(cells);
  // Columns past the last whole cell are counted but not part of any SSIM window.
  const cellCols = cw * 4;
  // Cells holding at least one changed pixel; SSIM sums are kept for those only.
  const differs = new Uint8Array(cells);
  const addSame = (c: number, o: number) => {
    const l = (a[o]! * 19595 + a[o + 1]! * 38470 + a[o + 2]! * 7471 + 32768) >> 16;
    const l2 = l * l;
    sx[c]! += l; sy[c]! += l; sxx[c]! += l2; syy[c]! += l2; sxy[c]! += l2;
  };
  // Whole-pixel comparison through 32-bit views when both buffers are 4-byte aligned.
  const aligned = (d: Uint8Array | Uint8ClampedArray) => d.byteOffset % 4 === 0;
  const a32 = aligned(a) && aligned(b) ? new Uint32Array(a.buffer, a.byteOffset, w * h) : undefined;
  const b32 = a32 ? new Uint32Array(b.buffer, b.byteOffset, w * h) : undefined;

  for (let y = 0; y < h; y++) {
    const cellRow = (y >> 2) * cw;
    const rowEnd = (y >> 2) < ch ? cellCols : 0;
    const rowStart = y * w;
    let x = 0;
    while (x < w) {
      // A run of identical pixels (most of a stitched output) in one tight loop: nothing to add to the
      // differences, and a cell's SSIM sums are only needed once it holds a changed pixel (a window of
      // identical cells scores 1), so only cells already marked get the run's pixels.
      let i = rowStart + x;
      const stop = rowStart + w;
      if (a32) {
        while (i < stop && a32[i] === b32![i]) i++;
      } else {
        for (let o = i * 4; i < stop && a[o] === b[o] && a[o + 1] === b[o + 1] && a[o + 2] === b[o + 2] && a[o + 3] === b[o + 3]; i++, o += 4);
      }
      const runEnd = i - rowStart;
      for (let xx = x, lim = runEnd < rowEnd ? runEnd : rowEnd; xx < lim;) {
        const c = cellRow + (xx >> 2);
        const cellEnd = Math.min(((xx >> 2) + 1) << 2, lim);
        if (differs[c]) for (; xx < cellEnd; xx++) addSame(c, (rowStart + xx) * 4);
        else xx = cellEnd;
      }
      x = runEnd;
      if (x >= w) break;
      // A span of changed pixels, until the next identical one. A cell's SSIM sums are gathered in locals and
      // written once per cell (integer sums: the order of the additions does not change them).
      let c = -1, lsx = 0, lsy = 0, lsxx = 0, lsyy = 0, lsxy = 0;
      for (; x < w; x++, i++) {
        const o = i * 4;
        if (a32 ? a32[i] === b32![i] : a[o] === b[o] && a[o + 1] === b[o + 1] && a[o + 2] === b[o + 2] && a[o + 3] === b[o + 3]) break;
        const r0 = a[o]!, g0 = a[o + 1]!, b0 = a[o + 2]!;
        const r1 = b[o]!, g1 = b[o + 1]!, b1 = b[o + 2]!;
        const dr = r1 - r0, dg = g1 - g0, db = b1 - b0, da = b[o + 3]! - a[o + 3]!;
        const ar = dr < 0 ? -dr : dr, ag = dg < 0 ? -dg : dg, ab = db < 0 ? -db : db, aa = da < 0 ? -da : da;
        let mx = ar > ag ? ar : ag;
        if (ab > mx) mx = ab;
        if (aa > mx) mx = aa;
        cm[i] = mx;
        if (m[i] !== 0) {
          if (mx > threshold) changed1++;
          abs1 += ar + ag + ab;
          sq1 += dr * dr + dg * dg + db * db;
        } else {
          if (mx > threshold) changed0++;
          abs0 += ar + ag + ab;
          sq0 += dr * dr + dg * dg + db * db;
        }
        if (x < rowEnd) {
          const cc = cellRow + (x >> 2);
          if (cc !== c) {
            if (c >= 0) { sx[c]! += lsx; sy[c]! += lsy; sxx[c]! += lsxx; syy[c]! += lsyy; sxy[c]! += lsxy; lsx = lsy = lsxx = lsyy = lsxy = 0; }
            c = cc;
            if (!differs[c]) {
              // First changed pixel of this cell: the cell's earlier pixels were all identical; add them now.
              differs[c] = 1;
              const x0 = x & ~3;
              for (let yy = y & ~3; yy <= y; yy++) {
                for (let xx = x0; xx < x0 + 4 && (yy < y || xx < x); xx++) addSame(c, (yy * w + xx) * 4);
              }
            }
          }
          // Rec. 601 luma in 16-bit fixed point (0.299, 0.587, 0.114 × 65536), rounded.
          const lx = (r0 * 19595 + g0 * 38470 + b0 * 7471 + 32768) >> 16;
          const ly = (r1 * 19595 + g1 * 38470 + b1 * 7471 + 32768) >> 16;
          lsx += lx; lsy += ly; lsxx += lx * lx; lsyy += ly * ly; lsxy += lx * ly;
        }
      }
      if (c >= 0) { sx[c]! += lsx; sy[c]! += lsy; sxx[c]! += lsxx; syy[c]! += lsyy; sxy[c]! += lsxy; }
    }
  }
  const changed = [changed0, changed1], count = [w * h - count1, count1], absSum = [abs0, abs1], sqSum = [sq0, sq1];

  const ssim = regionSsim(original, res, editMask, { cw, ch, sx, sy, sxx, syy, sxy, differs });
  const stats = (k: 0 | 1): RegionStats => {
    const n = count[k]!;
    const mse = n ? sqSum[k]! / (n * 3) : 0;
    return {
      pixels: n,
      changedPixels: changed[k]!,
      changedFraction: n ? changed[k]! / n : 0,
      meanAbsDiff: n ? absSum[k]! / (n * 3) : 0,
      psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse),
      ssim: ssim[k]!,
    };
  };
  const outside = stats(0), inside = stats(1);
  return { outside, inside, verdict: verdictFor(outside.changedFraction), threshold, resized, changeMap };
}

interface CellSums { cw: number; ch: number; sx: Int32Array; sy: Int32Array; sxx: Int32Array; syy: Int32Array; sxy: Int32Array; differs: Uint8Array }

function ssimOf(n: number, sx: number, sy: number, sxx: number, syy: number, sxy: number): number {
  const mx = sx / n, my = sy / n;
  const vx = sxx / n - mx * mx, vy = syy / n - my * my, cxy = sxy / n - mx * my;
  return ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
}

/** Mean SSIM over the 8×8 windows (2×2 cells) centred in each region: [outside, inside]. */
function regionSsim(original: Raster, result: Raster, mask: EditMask, s: CellSums): [number, number] {
  const { width: w } = original;
  const { cw, ch } = s;
  if (cw < 2 || ch < 2) {
    // Smaller than one window: one window over the whole image serves both regions.
    const v = wholeImageSsim(original, result);
    return [v, v];
  }
  const sum = [0, 0], n = [0, 0];
  // Identical cells' sums, filled in from the original (equal to the result there) when a window needs them.
  const ready = new Uint8Array(s.differs);
  const a = original.data;
  const ensure = (c: number) => {
    if (ready[c]) return;
    ready[c] = 1;
    const x0 = (c % cw) * 4, y0 = Math.floor(c / cw) * 4;
    let sx = 0, sxx = 0;
    for (let y = y0; y < y0 + 4; y++) {
      for (let x = x0, o = (y * w + x0) * 4; x < x0 + 4; x++, o += 4) {
        const l = (a[o]! * 19595 + a[o + 1]! * 38470 + a[o + 2]! * 7471 + 32768) >> 16;
        sx += l; sxx += l * l;
      }
    }
    s.sx[c] = sx; s.sy[c] = sx; s.sxx[c] = sxx; s.syy[c] = sxx; s.sxy[c] = sxx;
  };
  // Fallback for regions holding no window centre: windows overlapping the region. It needs how many pixels of
  // each cell are inside, counted only when a region has no window centre (a tiny mask, or everything inside).
  const anySum = [0, 0], anyN = [0, 0];
  const m = mask.data;
  let centresInside = 0;
  for (let cy = 0; cy + 1 < ch; cy++) {
    for (let cx = 0, i = (cy * 4 + 4) * w + 4; cx + 1 < cw; cx++, i += 4) if (m[i] !== 0) centresInside++;
  }
  const sin = centresInside === 0 || centresInside === (cw - 1) * (ch - 1) ? insideCounts(mask, cw, ch) : null;
  for (let cy = 0; cy + 1 < ch; cy++) {
    for (let cx = 0; cx + 1 < cw; cx++) {
      const c00 = cy * cw + cx, c01 = c00 + 1, c10 = c00 + cw, c11 = c10 + 1;
      // A window whose four cells are identical scores exactly 1 (ssimOf gives 1 for equal sums); the others
      // need the sums of their identical cells too, which the main pass skipped.
      const anyChanged = s.differs[c00]! | s.differs[c01]! | s.differs[c10]! | s.differs[c11]!;
      if (anyChanged) { ensure(c00); ensure(c01); ensure(c10); ensure(c11); }
      const v = !anyChanged ? 1 : ssimOf(64,
        s.sx[c00]! + s.sx[c01]! + s.sx[c10]! + s.sx[c11]!,
        s.sy[c00]! + s.sy[c01]! + s.sy[c10]! + s.sy[c11]!,
        s.sxx[c00]! + s.sxx[c01]! + s.sxx[c10]! + s.sxx[c11]!,
        s.syy[c00]! + s.syy[c01]! + s.syy[c10]! + s.syy[c11]!,
        s.sxy[c00]! + s.sxy[c01]! + s.sxy[c10]! + s.sxy[c11]!);
      const x0 = cx * 4, y0 = cy * 4;
      const k = m[(y0 + 4) * w + x0 + 4] !== 0 ? 1 : 0;
      sum[k]! += v;
      n[k]!++;
      if (sin) {
        const inside = sin[c00]! + sin[c01]! + sin[c10]! + sin[c11]!;
        if (inside < 64) { anySum[0]! += v; anyN[0]!++; }
        if (inside > 0) { anySum[1]! += v; anyN[1]!++; }
      }
    }
  }
  const pick = (k: 0 | 1) => (n[k]! ? sum[k]! / n[k]! : anyN[k]! ? anySum[k]! / anyN[k]! : 1);
  return [pick(0), pick(1)];
}

/** How many pixels of each whole 4×4 cell are inside the mask. */
function insideCounts(mask: EditMask, cw: number, ch: number): Uint8Array {
  const sin = new Uint8Array(cw * ch);
  const m = mask.data, w = mask.width;
  for (let y = 0; y < ch * 4; y++) {
    const row = (y >> 2) * cw;
    for (let x = 0, i = y * w; x < cw * 4; x++, i++) if (m[i] !== 0) sin[row + (x >> 2)]!++;
  }
  return sin;
}

function wholeImageSsim(original: Raster, result: Raster): number {
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  const a = original.data, b = result.data;
  const n = original.width * original.height;
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    const lx = (a[o]! * 19595 + a[o + 1]! * 38470 + a[o + 2]! * 7471 + 32768) >> 16;
    const ly = (b[o]! * 19595 + b[o + 1]! * 38470 + b[o + 2]! * 7471 + 32768) >> 16;
    sx += lx; sy += ly; sxx += lx * lx; syy += ly * ly; sxy += lx * ly;
  }
  return ssimOf(n, sx, sy, sxx, syy, sxy);
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
  const parts = boxes.map((b) => spillover(crop(original, b), crop(result, b), crop(editMask, b), opts));
  if (anyOverlap(boxes)) return { report: spillover(original, result, editMask, opts), boxes: parts };
  const insideTotal = countNonZero(editMask);
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
  const report: SpilloverReport = {
    outside, inside, verdict: verdictFor(outside.changedFraction), threshold, resized: false,
    get changeMap() { return (changeMap ??= build()); },
  };
  return { report, boxes: parts };
}
