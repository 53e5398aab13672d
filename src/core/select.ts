/**
 * Smart selection, the pure part: parsing `--select box:X,Y,W,H` / `point:X,Y`, the work region and scale,
 * the seed box grown from a click, GrabCut's initial labels, keeping the clicked object, and the full-resolution
 * edge refinement. The GrabCut itself runs in OpenCV.js (`engines/select.ts`); everything here is typed arrays
 * in and out, so the studio could run it in the page too.
 *
 * Design (docs/mask-doctor.md, "Smart selection"):
 * 1. **box**: the work region is the box plus a margin of half its size (at least 16 px) — background close to
 *    the object teaches GrabCut's background model more than the far corners of the photo.
 *    **point**: a seed region is grown from the click on a ≤ 512 px copy of the photo ({@link areaDownscale};
 *    4-connected pixels whose colour stays within {@link GROW_TOLERANCE} of the region's running mean); its bounding box, widened by
 *    {@link POINT_BOX_EXPAND} of its size on each side (at least 4 % of the shorter side), is the box. A seed that
 *    leaks over a quarter of the photo, or stays a speck, falls back to a box of a third of the shorter side.
 * 2. The work region is downscaled to at most {@link WORK_PIXELS} pixels and GrabCut runs there, initialised
 *    from the box (inside: probably object, outside: background). For a click ({@link clickLabels}) the ring
 *    around the seed box is only probably background, so the object can grow past a seed box that caught part
 *    of it, and the click is sure object (a disk of 2 px); on a repeated texture ({@link ringAmbiguity}) the
 *    ring becomes sure background (engines/select.ts).
 * 3. A click keeps only the object component under it; a box keeps every component inside it.
 * 4. **Edge refinement at full resolution** ({@link refineEdge}): only in a band of ±{@link BAND} work pixels
 *    around GrabCut's boundary, each full-resolution pixel takes the label of the nearer of the local object and
 *    background mean colours (measured on sure pixels within {@link MEAN_RADIUS} work pixels), then pixels that
 *    at most one of their 8 neighbours agrees with flip (single-pixel noise). Pixels outside the band keep GrabCut's label.
 */
import { MaskError } from './errors.js';
import { connectedComponents, erode, invert } from './morphology.js';
import { createEditMask, createRaster, type Box, type EditMask, type Raster } from './raster.js';

export type Selection = { kind: 'box'; box: Box } | { kind: 'point'; x: number; y: number };

/** GrabCut's work region is downscaled to at most this many pixels (~ 400×300). */
export const WORK_PIXELS = 120_000;
/** The point seed is grown on a copy of the photo at most this long on its longer side. */
export const SEED_MAX_SIDE = 512;
/** Colour distance (RGB, Euclidean) from the seed region's mean that still joins it. */
export const GROW_TOLERANCE = 28;
/** The seed box is widened by this share of its size on each side. */
export const POINT_BOX_EXPAND = 0.35;
/** Half-width, in work pixels, of the band around GrabCut's boundary that is re-decided at full resolution. */
export const BAND = 2;
/** Radius, in work pixels, of the window where the local object/background mean colours are measured. */
export const MEAN_RADIUS = 3;

/** GrabCut's labels (cv.GC_BGD … cv.GC_PR_FGD). */
export const GC = { BGD: 0, FGD: 1, PR_BGD: 2, PR_FGD: 3 } as const;

/**
 * Parses one `--select` value. Throws SELECT_INVALID naming what was received.
 *
 * @example
 * parseSelection('box:10,20,300,200') // { kind: 'box', box: { x: 10, y: 20, width: 300, height: 200 } }
 * parseSelection('point:640,480')     // { kind: 'point', x: 640, y: 480 }
 */
export function parseSelection(text: string): Selection {
  const m = /^\s*(box|point)\s*:\s*(.*)$/i.exec(text);
  const bad = (why: string) => new MaskError('SELECT_INVALID', `--select expects box:X,Y,W,H or point:X,Y (whole pixels); ${why}, received ${JSON.stringify(text)}`,
    'write it like --select box:100,80,320,240 (left, top, width, height) or --select point:260,200 (a pixel on the object)');
  if (!m) throw bad('it must start with box: or point:');
  const kind = m[1]!.toLowerCase() as 'box' | 'point';
  const parts = m[2]!.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  const want = kind === 'box' ? 4 : 2;
  if (parts.length !== want || parts.some((p) => p === '') || nums.some((n) => !Number.isInteger(n))) throw bad(`${kind} takes ${want} whole numbers`);
  if (kind === 'point') return { kind, x: nums[0]!, y: nums[1]! };
  const [x, y, width, height] = nums as [number, number, number, number];
  if (width < 2 || height < 2) throw bad('a box must be at least 2x2 pixels');
  return { kind, box: { x, y, width, height } };
}

/** `box:10,20,30,40` / `point:5,6`, the inverse of {@link parseSelection}. */
export function formatSelection(s: Selection): string {
  return s.kind === 'box' ? `box:${s.box.x},${s.box.y},${s.box.width},${s.box.height}` : `point:${s.x},${s.y}`;
}

/**
 * Clips a selection to a `width`×`height` picture. A box entirely outside, or a point outside, is
 * SELECT_OUTSIDE; a box that keeps less than 2×2 pixels inside is too.
 */
export function clipSelection(s: Selection, width: number, height: number): Selection {
  const outside = () => new MaskError('SELECT_OUTSIDE', `--select ${formatSelection(s)} lies outside the ${width}x${height} image`,
    s.kind === 'box' ? `use a box inside 0,0,${width},${height}` : `use a point with 0 ≤ X < ${width} and 0 ≤ Y < ${height}`);
  if (s.kind === 'point') {
    if (s.x < 0 || s.y < 0 || s.x >= width || s.y >= height) throw outside();
    return s;
  }
  const x0 = Math.max(0, s.box.x), y0 = Math.max(0, s.box.y);
  const x1 = Math.min(width, s.box.x + s.box.width), y1 = Math.min(height, s.box.y + s.box.height);
  if (x1 - x0 < 2 || y1 - y0 < 2) throw outside();
  return { kind: 'box', box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } };
}

/** Grows `box` by `margin` px on every side, clipped to the picture. */
export function expandBox(box: Box, margin: number, width: number, height: number): Box {
  const x0 = Math.max(0, Math.floor(box.x - margin)), y0 = Math.max(0, Math.floor(box.y - margin));
  const x1 = Math.min(width, Math.ceil(box.x + box.width + margin)), y1 = Math.min(height, Math.ceil(box.y + box.height + margin));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The region GrabCut works on for a box: the box plus half its size (at least 16 px) on each side. */
export function workRegion(box: Box, width: number, height: number): Box {
  return expandBox(box, Math.max(16, Math.round(Math.max(box.width, box.height) / 2)), width, height);
}

/** The downscale factor (≤ 1) that brings a region to at most {@link WORK_PIXELS}. */
export function workScale(region: { width: number; height: number }, maxPixels = WORK_PIXELS): number {
  const n = region.width * region.height;
  return n <= maxPixels ? 1 : Math.sqrt(maxPixels / n);
}

/**
 * The box GrabCut gets for a click, in the coordinates of `small` (a downscaled copy of the photo): the bounding
 * box of the region grown from (x, y) by colour, widened by {@link POINT_BOX_EXPAND}. Falls back to a box of a
 * third of the shorter side around the click when the region leaks (> 25 % of the picture) or is a speck.
 *
 * @example
 * seedBox(smallRgba, 120, 80) // { box: { x: 90, y: 52, width: 64, height: 60 }, grown: 1830, fallback: false }
 */
export function seedBox(small: Raster & { channels: 4 }, x: number, y: number, tolerance = GROW_TOLERANCE): { box: Box; grown: number; fallback: boolean } {
  const { width: w, height: h } = small;
  const g = growRegion(small, x, y, tolerance);
  const short = Math.min(w, h);
  const minSeed = Math.max(16, Math.round(w * h * 0.0005));
  if (g.leaked || g.count < minSeed) {
    const side = Math.max(8, Math.round(short / 3));
    const box = expandBox({ x: x - side / 2, y: y - side / 2, width: side, height: side }, 0, w, h);
    return { box, grown: g.count, fallback: true };
  }
  const margin = Math.max(POINT_BOX_EXPAND * Math.max(g.box.width, g.box.height), 0.04 * short);
  return { box: expandBox(g.box, margin, w, h), grown: g.count, fallback: false };
}

/**
 * The 4-connected region grown from (x, y) over pixels within `tolerance` of its running mean colour, stopped
 * once it passes a quarter of the picture (`leaked`). Returns its bounding box and size.
 */
export function growRegion(img: Raster & { channels: 4 }, x: number, y: number, tolerance: number): { box: Box; count: number; leaked: boolean } {
  const { width: w, height: h, data } = img;
  const n = w * h;
  const cap = Math.floor(n / 4);
  const seen = new Uint8Array(n);
  const queue = new Int32Array(n);
  const start = y * w + x;
  let head = 0, tail = 0;
  queue[tail++] = start;
  seen[start] = 1;
  let sr = 0, sg = 0, sb = 0, count = 0;
  let minX = x, maxX = x, minY = y, maxY = y;
  const t2 = tolerance * tolerance;
  let leaked = false;
  while (head < tail) {
    const i = queue[head++]!;
    const j = i * 4;
    sr += data[j]!; sg += data[j + 1]!; sb += data[j + 2]!; count++;
    const px = i % w, py = (i - px) / w;
    if (px < minX) minX = px; if (px > maxX) maxX = px;
    if (py < minY) minY = py; if (py > maxY) maxY = py;
    if (count > cap) { leaked = true; break; }
    const mr = sr / count, mg = sg / count, mb = sb / count;
    const push = (k: number) => {
      if (seen[k]) return;
      const q = k * 4;
      const dr = data[q]! - mr, dg = data[q + 1]! - mg, db = data[q + 2]! - mb;
      if (dr * dr + dg * dg + db * db <= t2) { seen[k] = 1; queue[tail++] = k; }
    };
    if (px > 0) push(i - 1);
    if (px < w - 1) push(i + 1);
    if (py > 0) push(i - w);
    if (py < h - 1) push(i + w);
  }
  return { box: { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 }, count, leaked };
}

/**
 * GrabCut's initial labels for a `w`×`h` work region: background outside `box`, probably-object inside, and a
 * sure-object disk of radius 2 around each click. A box covering the whole region gets a probably-background
 * frame, since GrabCut cannot model a background it has no sample of.
 */
export function grabCutLabels(w: number, h: number, box: Box, clicks: readonly { x: number; y: number }[] = []): Uint8Array {
  const labels = new Uint8Array(w * h); // GC.BGD
  for (let y = Math.max(0, box.y); y < Math.min(h, box.y + box.height); y++) {
    labels.fill(GC.PR_FGD, y * w + Math.max(0, box.x), y * w + Math.min(w, box.x + box.width));
  }
  // GrabCut needs background samples: a box over the whole region leaves none, so its frame is probably background.
  if (box.x <= 0 && box.y <= 0 && box.x + box.width >= w && box.y + box.height >= h) {
    for (let x = 0; x < w; x++) { labels[x] = GC.PR_BGD; labels[(h - 1) * w + x] = GC.PR_BGD; }
    for (let y = 0; y < h; y++) { labels[y * w] = GC.PR_BGD; labels[y * w + w - 1] = GC.PR_BGD; }
  }
  for (const c of clicks) {
    for (let dy = -2; dy <= 2; dy++) {
      for (let dx = -2; dx <= 2; dx++) {
        const px = c.x + dx, py = c.y + dy;
        if (dx * dx + dy * dy <= 4 && px >= 0 && py >= 0 && px < w && py < h) labels[py * w + px] = GC.FGD;
      }
    }
  }
  return labels;
}

/**
 * GrabCut's initial labels for a click's `w`×`h` work region: probably object inside `box` (the seed box),
 * **probably background** around it — so the object may grow past a seed box that caught only part of it,
 * in the one GrabCut run — and sure background on a frame of {@link FRAME} px along the sides of the region that
 * are not the picture's edge (`open` names the sides that are). The click is a sure-object disk of radius 2.
 *
 * @example
 * clickLabels(400, 300, { x: 150, y: 100, width: 100, height: 80 }, { x: 200, y: 140 }, { left: false, top: true, right: false, bottom: false })
 */
export function clickLabels(w: number, h: number, box: Box, click: { x: number; y: number }, open: { left: boolean; top: boolean; right: boolean; bottom: boolean }): Uint8Array {
  const labels = grabCutLabels(w, h, box, [click]);
  const l = open.left ? 0 : FRAME, t = open.top ? 0 : FRAME, r = open.right ? w : w - FRAME, b = open.bottom ? h : h - FRAME;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (labels[i] !== GC.BGD) continue;
      if (x >= l && x < r && y >= t && y < b) labels[i] = GC.PR_BGD;
    }
  }
  return labels;
}

/** Width in work pixels of the sure-background frame around a click's work region. */
export const FRAME = 2;

/**
 * The share of a click's probably-background pixels (label PR_BGD) whose colour GrabCut's initial object and
 * background models (OpenCV's 65-double GMMs, read after its k-means initialisation) can hardly tell apart:
 * |−log p_object − (−log p_background)| < 1. A click on a repeated texture (leaves, grass) scores high: its
 * colours are all around it, the graph cut then has no clear boundary to find (and costs ten times as much).
 *
 * @example
 * ringAmbiguity(workRgba, labels, bgdModel, fgdModel) // 0.07 for a fish on an aerial photo, 0.40 in foliage
 */
export function ringAmbiguity(img: Raster & { channels: 4 }, labels: Uint8Array, bgdModel: ArrayLike<number>, fgdModel: ArrayLike<number>): number {
  const B = gmmCost(bgdModel), F = gmmCost(fgdModel);
  const d = img.data;
  let n = 0, amb = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== GC.PR_BGD) continue;
    n++;
    const r = d[i * 4]!, g = d[i * 4 + 1]!, b = d[i * 4 + 2]!;
    if (Math.abs(F(r, g, b) - B(r, g, b)) < 1) amb++;
  }
  return n ? amb / n : 0;
}

/**
 * −log of the density of OpenCV GrabCut's colour model: 5 weights, then 5 RGB means, then 5 row-major 3×3
 * covariances (65 numbers); components with weight 0 or a singular covariance are skipped, as OpenCV does.
 *
 * @example
 * gmmCost(model)(120, 200, 40) // 9.7
 */
export function gmmCost(model: ArrayLike<number>): (r: number, g: number, b: number) => number {
  const K = 5;
  const comps: { m0: number; m1: number; m2: number; inv: number[]; norm: number }[] = [];
  for (let k = 0; k < K; k++) {
    const weight = model[k]!;
    if (!(weight > 0)) continue;
    const c = Array.from({ length: 9 }, (_, j) => model[4 * K + 9 * k + j]!);
    const det = c[0]! * (c[4]! * c[8]! - c[5]! * c[7]!) - c[1]! * (c[3]! * c[8]! - c[5]! * c[6]!) + c[2]! * (c[3]! * c[7]! - c[4]! * c[6]!);
    if (!(det > Number.EPSILON)) continue;
    const inv = [
      c[4]! * c[8]! - c[5]! * c[7]!, c[2]! * c[7]! - c[1]! * c[8]!, c[1]! * c[5]! - c[2]! * c[4]!,
      c[5]! * c[6]! - c[3]! * c[8]!, c[0]! * c[8]! - c[2]! * c[6]!, c[2]! * c[3]! - c[0]! * c[5]!,
      c[3]! * c[7]! - c[4]! * c[6]!, c[1]! * c[6]! - c[0]! * c[7]!, c[0]! * c[4]! - c[1]! * c[3]!,
    ].map((v) => v / det);
    comps.push({ m0: model[K + 3 * k]!, m1: model[K + 3 * k + 1]!, m2: model[K + 3 * k + 2]!, inv, norm: weight / Math.sqrt(det) });
  }
  return (r, g, b) => {
    let p = 0;
    for (const { m0, m1, m2, inv, norm } of comps) {
      const d0 = r - m0, d1 = g - m1, d2 = b - m2;
      const q = d0 * (d0 * inv[0]! + d1 * inv[3]! + d2 * inv[6]!) + d1 * (d0 * inv[1]! + d1 * inv[4]! + d2 * inv[7]!) + d2 * (d0 * inv[2]! + d1 * inv[5]! + d2 * inv[8]!);
      p += norm * Math.exp(-0.5 * q);
    }
    return -Math.log(p + 1e-300);
  };
}

/** GrabCut's labels → an edit mask (object = 255). */
export function labelsToMask(labels: Uint8Array, w: number, h: number): EditMask {
  const m = createEditMask(w, h);
  for (let i = 0; i < labels.length; i++) if (labels[i] === GC.FGD || labels[i] === GC.PR_FGD) m.data[i] = 255;
  return m;
}

/** Only the 8-connected component of `mask` that contains (x, y) (empty when that pixel is not set). */
export function componentAt(mask: EditMask, x: number, y: number): EditMask {
  const out = createEditMask(mask.width, mask.height);
  const { labels } = connectedComponents(mask, 8);
  const l = labels[y * mask.width + x]!;
  if (l === 0) return out;
  for (let i = 0; i < labels.length; i++) if (labels[i] === l) out.data[i] = 255;
  return out;
}

/**
 * The nearest set pixel of `mask` to (x, y) within `radius`, or null: a click on the object's very edge may
 * land a pixel outside what GrabCut kept.
 */
export function nearestSet(mask: EditMask, x: number, y: number, radius: number): { x: number; y: number } | null {
  let best: { x: number; y: number } | null = null, bd = Infinity;
  for (let py = Math.max(0, y - radius); py <= Math.min(mask.height - 1, y + radius); py++) {
    for (let px = Math.max(0, x - radius); px <= Math.min(mask.width - 1, x + radius); px++) {
      if (!mask.data[py * mask.width + px]) continue;
      const d = (px - x) ** 2 + (py - y) ** 2;
      if (d < bd) { bd = d; best = { x: px, y: py }; }
    }
  }
  return best;
}

/**
 * Refines a work-resolution selection at full resolution. `region` is where the work region lies in `image`
 * (RGBA, full resolution), `small` that region as GrabCut saw it, `coarse` GrabCut's mask of `small`. Returns a
 * mask the size of `region`: outside the ±{@link BAND} band around the coarse boundary the coarse label (nearest
 * upscale, filled a run at a time), inside it the nearer of the local object/background mean colours, then
 * isolated pixels in the band flip. Only band pixels are read at full resolution.
 *
 * @example
 * const edge = refineEdge(photo, region, smallRegion, grabCutMask); // region.width × region.height
 */
export function refineEdge(image: Raster & { channels: 4 }, region: Box, small: Raster & { channels: 4 }, coarse: EditMask): EditMask {
  const W = region.width, H = region.height, w = small.width, h = small.height, IW = image.width;
  const out = createEditMask(W, H);
  // Full-resolution columns [xs[x], xs[x + 1]) map to work column x (the inverse of floor((X + 0.5) * w / W)).
  const xs = new Int32Array(w + 1), ys = new Int32Array(h + 1);
  for (let x = 0; x <= w; x++) xs[x] = Math.min(W, Math.max(0, Math.ceil((x * W) / w - 0.5)));
  for (let y = 0; y <= h; y++) ys[y] = Math.min(H, Math.max(0, Math.ceil((y * H) / h - 0.5)));
  const sureF = erode(coarse, BAND);
  const sureB = erode(invert(coarse), BAND);
  const means = localMeans(small, sureF, sureB, MEAN_RADIUS);
  // Band pixels, listed as they are classified: the vote below visits only them.
  let band = new Int32Array(1024), nb = 0;
  const fd = image.data, cd = coarse.data, od = out.data;
  const f = means.f, b = means.b;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = y * w + x;
      if (sureB.data[s]) continue;
      const X0 = xs[x]!, X1 = xs[x + 1]!;
      if (sureF.data[s]) {
        for (let Y = ys[y]!; Y < ys[y + 1]!; Y++) od.fill(255, Y * W + X0, Y * W + X1);
        continue;
      }
      if (means.fn[s] === 0 || means.bn[s] === 0) {
        if (cd[s]) for (let Y = ys[y]!; Y < ys[y + 1]!; Y++) od.fill(255, Y * W + X0, Y * W + X1);
        continue;
      }
      const k = s * 3;
      const fr = f[k]!, fg = f[k + 1]!, fb = f[k + 2]!, br = b[k]!, bg = b[k + 1]!, bb = b[k + 2]!;
      for (let Y = ys[y]!; Y < ys[y + 1]!; Y++) {
        for (let X = X0; X < X1; X++) {
          const i = Y * W + X;
          const j = ((region.y + Y) * IW + region.x + X) * 4;
          const r = fd[j]!, g = fd[j + 1]!, bl = fd[j + 2]!;
          const dF = (r - fr) ** 2 + (g - fg) ** 2 + (bl - fb) ** 2;
          const dB = (r - br) ** 2 + (g - bg) ** 2 + (bl - bb) ** 2;
          if (nb === band.length) { const grown = new Int32Array(nb * 2); grown.set(band); band = grown; }
          band[nb++] = i;
          od[i] = dF <= dB ? 255 : 0;
        }
      }
    }
  }
  // Inside the band, a pixel that at most one of its 8 neighbours agrees with flips: removes the isolated pixels
  // the per-pixel colour test leaves, without rounding a clean edge's staircase (a plain 3×3 majority does).
  const voted = new Uint8Array(nb);
  for (let n = 0; n < nb; n++) {
    const i = band[n]!;
    const X = i % W, Y = (i - X) / W;
    if (X === 0 || Y === 0 || X === W - 1 || Y === H - 1) { voted[n] = od[i]!; continue; }
    let k = -(od[i]! >> 7);
    for (let dy = -W; dy <= W; dy += W) k += (od[i + dy - 1]! + od[i + dy]! + od[i + dy + 1]!) >> 7;
    voted[n] = od[i] ? (k <= 1 ? 0 : 255) : (k >= 7 ? 255 : 0);
  }
  for (let n = 0; n < nb; n++) od[band[n]!] = voted[n]!;
  return out;
}

/** Mean RGB of the `f`-set and `b`-set pixels of `img` within a (2r+1)² window, per pixel, with the counts. */
function localMeans(img: Raster & { channels: 4 }, f: EditMask, b: EditMask, r: number): { f: Float32Array; b: Float32Array; fn: Uint16Array; bn: Uint16Array } {
  const w = img.width, h = img.height;
  const one = (m: EditMask) => {
    // Integral images of (R, G, B, count) over the set pixels, (w+1)×(h+1).
    const W1 = w + 1;
    const I = new Float64Array(W1 * (h + 1) * 4);
    for (let y = 0; y < h; y++) {
      let r0 = 0, g0 = 0, b0 = 0, n0 = 0;
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (m.data[i]) { const j = i * 4; r0 += img.data[j]!; g0 += img.data[j + 1]!; b0 += img.data[j + 2]!; n0++; }
        const o = ((y + 1) * W1 + x + 1) * 4, u = (y * W1 + x + 1) * 4;
        I[o] = I[u]! + r0; I[o + 1] = I[u + 1]! + g0; I[o + 2] = I[u + 2]! + b0; I[o + 3] = I[u + 3]! + n0;
      }
    }
    const mean = new Float32Array(w * h * 3);
    const cnt = new Uint16Array(w * h);
    for (let y = 0; y < h; y++) {
      const y0 = Math.max(0, y - r), y1 = Math.min(h, y + r + 1);
      for (let x = 0; x < w; x++) {
        const x0 = Math.max(0, x - r), x1 = Math.min(w, x + r + 1);
        const a = (y0 * W1 + x0) * 4, bq = (y0 * W1 + x1) * 4, c = (y1 * W1 + x0) * 4, d = (y1 * W1 + x1) * 4;
        const n = I[d + 3]! - I[bq + 3]! - I[c + 3]! + I[a + 3]!;
        const i = y * w + x;
        cnt[i] = n;
        if (n > 0) for (let k = 0; k < 3; k++) mean[i * 3 + k] = (I[d + k]! - I[bq + k]! - I[c + k]! + I[a + k]!) / n;
      }
    }
    return { mean, cnt };
  };
  const F = one(f), B = one(b);
  return { f: F.mean, b: B.mean, fn: F.cnt, bn: B.cnt };
}

/** Union (max) of `b` into `a` at (x, y); `a` is changed in place. */
export function pasteMax(a: EditMask, b: EditMask, x: number, y: number): void {
  for (let row = 0; row < b.height; row++) {
    const ay = y + row;
    if (ay < 0 || ay >= a.height) continue;
    for (let col = 0; col < b.width; col++) {
      const ax = x + col;
      if (ax < 0 || ax >= a.width) continue;
      const v = b.data[row * b.width + col]!;
      if (v > a.data[ay * a.width + ax]!) a.data[ay * a.width + ax] = v;
    }
  }
}

/** Intersection over union of two same-size masks (non-zero = set); 1 for two empty masks. */
export function iou(a: EditMask, b: EditMask): number {
  let inter = 0, uni = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i] !== 0, y = b.data[i] !== 0;
    if (x && y) inter++;
    if (x || y) uni++;
  }
  return uni ? inter / uni : 1;
}

/** Keeps the 8-connected components of `mask` with at least `fraction` of the largest one's area (drops specks). */
export function keepLargeComponents(mask: EditMask, fraction = 0.05): EditMask {
  const { labels, areas } = connectedComponents(mask, 8);
  if (areas.length <= 1) return mask;
  let max = 0;
  for (const a of areas) if (a > max) max = a;
  const out = createEditMask(mask.width, mask.height);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l !== 0 && areas[l - 1]! >= max * fraction) out.data[i] = 255;
  }
  return out;
}

/**
 * Averages `factor`×`factor` blocks of an RGBA raster (the last row/column of blocks averages what exists):
 * the click's seed image, made in one pass over the photo with no resampling library — cheaper than libvips'
 * linear reduce of a 12 MP buffer, which must copy it in first. Alpha is set to 255.
 *
 * @example
 * areaDownscale(photo4000x3000, 8) // 500×375
 */
export function areaDownscale(image: Raster & { channels: 4 }, factor: number): Raster & { channels: 4 } {
  const f = Math.max(1, Math.floor(factor));
  const { width: W, height: H, data } = image;
  const w = Math.ceil(W / f), h = Math.ceil(H / f);
  const out = createRaster(w, h, 4);
  const acc = new Uint32Array(w * 3);
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    const Y0 = y * f, Y1 = Math.min(H, Y0 + f);
    for (let Y = Y0; Y < Y1; Y++) {
      let j = Y * W * 4;
      for (let x = 0; x < w; x++) {
        const k = x * 3;
        const n = Math.min(f, W - x * f);
        let r = 0, g = 0, b = 0;
        for (let t = 0; t < n; t++, j += 4) { r += data[j]!; g += data[j + 1]!; b += data[j + 2]!; }
        acc[k] = acc[k]! + r; acc[k + 1] = acc[k + 1]! + g; acc[k + 2] = acc[k + 2]! + b;
      }
    }
    const rows = Y1 - Y0;
    for (let x = 0; x < w; x++) {
      const n = rows * Math.min(f, W - x * f), k = x * 3, o = (y * w + x) * 4;
      out.data[o] = Math.round(acc[k]! / n); out.data[o + 1] = Math.round(acc[k + 1]! / n); out.data[o + 2] = Math.round(acc[k + 2]! / n); out.data[o + 3] = 255;
    }
  }
  return out;
}
