/**
 * The hot paths (word-wise mask scans, run-skipping spillover, the stitch with its colour correction fused in,
 * table-driven heatmap dimming) against plain reference implementations kept here: the straightforward
 * computation of each definition, one pixel at a time. Same inputs, bit-identical outputs, on random images and
 * masks of awkward sizes, including buffers that do not start on a 4-byte boundary.
 */
import { describe, expect, it } from 'vitest';
import { boundingBox, countNonZero, createEditMask, type Box, type EditMask, type Raster } from '../../src/core/raster.js';
import { spillover, type RegionStats, type SpilloverReport } from '../../src/core/spillover.js';
import { blendMaskFor, blendMaskIn, modelMaskFor, prepareStitch, stitch, stitchPatches, type SeamMode } from '../../src/core/composite.js';
import { crop, growBox, paste, unionBox } from '../../src/core/crop.js';
import { matchSeam, poissonSeam, DEFAULT_RING } from '../../src/core/seam.js';
import { inferno, lineWidthFor, maskOutline, renderHeatmap } from '../../src/core/heatmap.js';
import { countOutsideChanged, countOutsideChangedSaved } from '../../src/core/edit-math.js';
import { bytes, rng } from '../_helpers/random.js';

type Rgba = Raster & { channels: 4 };

// ── inputs ────────────────────────────────────────────────────────────────────────────────────────────────
function randomImage(w: number, h: number, rand: () => number, shift: number): Rgba {
  const data = bytes(w * h * 4, shift);
  for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 ? (rand() < 0.9 ? 255 : Math.floor(rand() * 256)) : Math.floor(rand() * 256);
  return { width: w, height: h, channels: 4, data };
}

/** Empty, full, one pixel, an ellipse, a box, or scattered pixels; values 0/255 or any (soft). */
function randomMask(w: number, h: number, rand: () => number, shift: number, soft = false): EditMask {
  const m: EditMask = { width: w, height: h, channels: 1, data: bytes(w * h, shift) };
  const kind = Math.floor(rand() * 6);
  const value = () => (soft ? 1 + Math.floor(rand() * 255) : 255);
  const cx = rand() * w, cy = rand() * h, rx = 1 + rand() * w / 2, ry = 1 + rand() * h / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const on = kind === 0 ? false : kind === 1 ? true : kind === 2 ? x === Math.floor(cx) && y === Math.floor(cy)
        : kind === 3 ? ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
          : kind === 4 ? Math.abs(x - cx) <= rx / 2 && Math.abs(y - cy) <= ry / 2 : rand() < 0.05;
      if (on) m.data[y * w + x] = value();
    }
  }
  return m;
}

/** The original with changes: everywhere, in a box only, a few pixels, or none; alpha sometimes too. */
function changed(o: Rgba, rand: () => number, shift: number): Rgba {
  const { width: w, height: h } = o;
  const r: Rgba = { ...o, data: bytes(o.data.length, shift) };
  r.data.set(o.data);
  const kind = Math.floor(rand() * 4);
  const bx = Math.floor(rand() * w), by = Math.floor(rand() * h), bw = 1 + Math.floor(rand() * w), bh = 1 + Math.floor(rand() * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inBox = x >= bx && x < bx + bw && y >= by && y < by + bh;
      const hit = kind === 0 ? true : kind === 1 ? inBox : kind === 2 ? rand() < 0.02 : false;
      if (!hit) continue;
      const o4 = (y * w + x) * 4;
      const k = Math.floor(rand() * 4);
      r.data[o4 + k] = Math.max(0, Math.min(255, r.data[o4 + k]! + Math.floor(rand() * 41) - 20));
    }
  }
  return r;
}

// ── references ────────────────────────────────────────────────────────────────────────────────────────────
function refCountNonZero(m: EditMask): number {
  let n = 0;
  for (let i = 0; i < m.data.length; i++) if (m.data[i] !== 0) n++;
  return n;
}

function refBoundingBox(m: EditMask): Box | null {
  let minX = m.width, minY = m.height, maxX = -1, maxY = -1;
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      if (m.data[y * m.width + x] === 0) continue;
      minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = y;
    }
  }
  return maxX < 0 ? null : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

const luma = (d: Uint8Array | Uint8ClampedArray, o: number) => (d[o]! * 19595 + d[o + 1]! * 38470 + d[o + 2]! * 7471 + 32768) >> 16;
const C1 = (0.01 * 255) ** 2, C2 = (0.03 * 255) ** 2;
function ssimOf(n: number, sx: number, sy: number, sxx: number, syy: number, sxy: number): number {
  const mx = sx / n, my = sy / n;
  const vx = sxx / n - mx * mx, vy = syy / n - my * my, cxy = sxy / n - mx * my;
  return ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
}

/** docs/locality.md's definitions, pixel by pixel and window by window, nothing skipped. */
function refSpillover(o: Rgba, r: Rgba, m: EditMask, threshold = 8): SpilloverReport {
  const { width: w, height: h } = o;
  const changeMap = createEditMask(w, h);
  const count = [0, 0], changedN = [0, 0], abs = [0, 0], sq = [0, 0];
  for (let i = 0; i < w * h; i++) {
    const k = m.data[i] !== 0 ? 1 : 0;
    let mx = 0;
    for (let c = 0; c < 4; c++) mx = Math.max(mx, Math.abs(r.data[i * 4 + c]! - o.data[i * 4 + c]!));
    changeMap.data[i] = mx;
    count[k]!++;
    if (mx > threshold) changedN[k]!++;
    for (let c = 0; c < 3; c++) {
      const d = r.data[i * 4 + c]! - o.data[i * 4 + c]!;
      abs[k]! += Math.abs(d); sq[k]! += d * d;
    }
  }
  const cw = w >> 2, ch = h >> 2;
  let ssim: [number, number];
  if (cw < 2 || ch < 2) {
    let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (let i = 0; i < w * h; i++) {
      const lx = luma(o.data, i * 4), ly = luma(r.data, i * 4);
      sx += lx; sy += ly; sxx += lx * lx; syy += ly * ly; sxy += lx * ly;
    }
    const v = ssimOf(w * h, sx, sy, sxx, syy, sxy);
    ssim = [v, v];
  } else {
    const sum = [0, 0], n = [0, 0], anySum = [0, 0], anyN = [0, 0];
    for (let cy = 0; cy + 1 < ch; cy++) {
      for (let cx = 0; cx + 1 < cw; cx++) {
        let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, inside = 0;
        for (let y = cy * 4; y < cy * 4 + 8; y++) {
          for (let x = cx * 4; x < cx * 4 + 8; x++) {
            const lx = luma(o.data, (y * w + x) * 4), ly = luma(r.data, (y * w + x) * 4);
            sx += lx; sy += ly; sxx += lx * lx; syy += ly * ly; sxy += lx * ly;
            if (m.data[y * w + x] !== 0) inside++;
          }
        }
        const v = ssimOf(64, sx, sy, sxx, syy, sxy);
        const k = m.data[(cy * 4 + 4) * w + cx * 4 + 4] !== 0 ? 1 : 0;
        sum[k]! += v; n[k]!++;
        if (inside < 64) { anySum[0]! += v; anyN[0]!++; }
        if (inside > 0) { anySum[1]! += v; anyN[1]!++; }
      }
    }
    const pick = (k: 0 | 1) => (n[k]! ? sum[k]! / n[k]! : anyN[k]! ? anySum[k]! / anyN[k]! : 1);
    ssim = [pick(0), pick(1)];
  }
  const stats = (k: 0 | 1): RegionStats => {
    const px = count[k]!, mse = px ? sq[k]! / (px * 3) : 0;
    return { pixels: px, changedPixels: changedN[k]!, changedFraction: px ? changedN[k]! / px : 0, meanAbsDiff: px ? abs[k]! / (px * 3) : 0,
      psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse), ssim: ssim[k]! };
  };
  const outside = stats(0), inside = stats(1);
  const verdict = outside.changedFraction <= 0.005 ? 'local' : outside.changedFraction >= 0.25 ? 'rewritten' : 'spilled';
  return { outside, inside, verdict, threshold, resized: false, changeMap };
}

/** The stitch before the colour correction was fused into the compositing loop: a corrected copy, then a blend. */
function refStitch(original: Rgba, result: Rgba, blend: EditMask, seam: SeamMode, modelMask?: EditMask, resultBox?: Box): Rgba {
  const out: Rgba = { ...original, data: new Uint8Array(original.data) };
  const box = refBoundingBox(blend);
  if (!box) return out;
  const sampledBox = seam === 'match' && modelMask ? refBoundingBox(modelMask) : null;
  const work = seam === 'match' ? growBox(sampledBox ? unionBox(box, sampledBox) : box, DEFAULT_RING + 1, original) : growBox(box, 1, original);
  const o = crop(original, work), r = crop(result, work), b = crop(blend, work);
  let within: Box | undefined;
  if (resultBox) {
    const x0 = Math.max(0, resultBox.x - work.x), y0 = Math.max(0, resultBox.y - work.y);
    const x1 = Math.min(work.width, resultBox.x + resultBox.width - work.x), y1 = Math.min(work.height, resultBox.y + resultBox.height - work.y);
    within = { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
  }
  const opts = { ...(within ? { within } : {}), ...(sampledBox && modelMask ? { changed: crop(modelMask, work) } : {}) };
  const source = seam === 'match' ? matchSeam(o, r, b, opts) : seam === 'poisson' ? poissonSeam(o, r, b) : r;
  for (let y = 0; y < work.height; y++) {
    for (let x = 0; x < work.width; x++) {
      const wgt = b.data[y * work.width + x]!;
      if (wgt === 0) continue;
      const si = (y * work.width + x) * 4, di = ((work.y + y) * out.width + work.x + x) * 4;
      for (let k = 0; k < 4; k++) out.data[di + k] = wgt === 255 ? source.data[si + k]! : ((out.data[di + k]! * (255 - wgt) + source.data[si + k]! * wgt + 127) / 255) | 0;
    }
  }
  return out;
}

/** The heatmap with the float dimming it had before the lookup table. */
function refHeatmap(original: Rgba, changeMap: EditMask, editMask: EditMask): Rgba {
  const out: Rgba = { ...original, data: new Uint8Array(original.data.length) };
  const s = original.data, d = out.data;
  for (let o = 0; o < d.length; o += 4) {
    d[o] = d[o + 1] = d[o + 2] = Math.round(((s[o]! * 299 + s[o + 1]! * 587 + s[o + 2]! * 114) / 1000) * 0.45);
    d[o + 3] = 255;
  }
  for (let i = 0; i < changeMap.data.length; i++) {
    const v = changeMap.data[i]!;
    if (v <= 8) continue;
    const t = Math.min(1, (v - 8) / 88);
    const [r, g, b] = inferno(0.3 + 0.7 * t);
    const alpha = 0.55 + 0.45 * t;
    d[i * 4] = Math.round(d[i * 4]! * (1 - alpha) + r * alpha);
    d[i * 4 + 1] = Math.round(d[i * 4 + 1]! * (1 - alpha) + g * alpha);
    d[i * 4 + 2] = Math.round(d[i * 4 + 2]! * (1 - alpha) + b * alpha);
  }
  const outline = maskOutline(editMask, lineWidthFor(original));
  for (let i = 0; i < outline.length; i++) if (outline[i]) { d[i * 4] = 0; d[i * 4 + 1] = 229; d[i * 4 + 2] = 255; }
  return out;
}

/** The bounding box of the pixels where `a` and `b` differ, or null. */
function diffBox(a: Rgba, b: Rgba): { x: number; y: number; width: number; height: number } | null {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 4;
      if (a.data[i] === b.data[i] && a.data[i + 1] === b.data[i + 1] && a.data[i + 2] === b.data[i + 2] && a.data[i + 3] === b.data[i + 3]) continue;
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

// ── cases ─────────────────────────────────────────────────────────────────────────────────────────────────
const CASES = Array.from({ length: 120 }, (_, i) => i + 1);
function setup(seed: number) {
  const rand = rng(seed * 7919);
  const w = 1 + Math.floor(rand() * 70), h = 1 + Math.floor(rand() * 70);
  const shift = seed % 4;
  const original = randomImage(w, h, rand, shift);
  const mask = randomMask(w, h, rand, (seed >> 2) % 4);
  return { rand, w, h, original, mask, result: changed(original, rand, (seed >> 1) % 4) };
}

describe('hot paths against their reference implementations (120 random cases each)', () => {
  it.each(CASES)('boundingBox and countNonZero, case %i', (seed) => {
    const { rand, w, h } = setup(seed);
    const m = randomMask(w, h, rand, seed % 4, true);
    expect(boundingBox(m)).toEqual(refBoundingBox(m));
    expect(countNonZero(m)).toBe(refCountNonZero(m));
  });

  it.each(CASES)('spillover, case %i', (seed) => {
    const { original, result, mask } = setup(seed);
    expect(spillover(original, result, mask)).toEqual(refSpillover(original, result, mask));
  });

  it.each(CASES)('stitch (none, match, poisson), case %i', (seed) => {
    const { rand, w, h, original, result, mask } = setup(seed);
    const soft = rand() < 0.5;
    const blend = soft ? randomMask(w, h, rand, 0, true) : blendMaskFor(mask, { feather: Math.floor(rand() * 6) }).blend;
    const modelMask = modelMaskFor(mask, { grow: Math.floor(rand() * 10) });
    const resultBox = rand() < 0.5 ? { x: Math.floor(rand() * w), y: Math.floor(rand() * h), width: 1 + Math.floor(rand() * w), height: 1 + Math.floor(rand() * h) } : undefined;
    for (const seam of ['none', 'match', 'poisson'] as const) {
      const got = stitch(original, result, blend, { seam, modelMask, ...(resultBox ? { resultBox } : {}) });
      expect(Buffer.from(got.data).equals(Buffer.from(refStitch(original, result, blend, seam, modelMask, resultBox).data))).toBe(true);
    }
  });

  it.each(CASES)('stitch into the result\'s own buffer (reuseResult) gives the same bytes, case %i', (seed) => {
    const { rand, w, h, original, result, mask } = setup(seed);
    const soft = rand() < 0.5;
    const blend = soft ? randomMask(w, h, rand, 0, true) : blendMaskFor(mask, { feather: Math.floor(rand() * 6) }).blend;
    const modelMask = modelMaskFor(mask, { grow: Math.floor(rand() * 10) });
    // The boxes where the result may differ: the box of its changed pixels, and sometimes a random extra one
    // that may reach past the image's edges (the stitch clips it).
    const changedBoxes = [diffBox(original, result), ...(rand() < 0.5 ? [{ x: Math.floor(rand() * w) - 3, y: Math.floor(rand() * h) - 3, width: 1 + Math.floor(rand() * (w + 6)), height: 1 + Math.floor(rand() * (h + 6)) }] : [])]
      .filter((b): b is NonNullable<typeof b> => b !== null);
    for (const seam of ['none', 'match', 'poisson'] as const) {
      const want = refStitch(original, result, blend, seam, modelMask);
      const own: Rgba = { ...result, data: new Uint8Array(result.data) };
      const got = stitch(original, own, blend, { seam, modelMask, reuseResult: { changed: changedBoxes } });
      expect(got).toBe(own);
      expect(Buffer.from(got.data).equals(Buffer.from(want.data))).toBe(true);
    }
  });

  it.each(CASES)('countOutsideChanged and countOutsideChangedSaved (the input kept only around the boxes), case %i', (seed) => {
    const { rand, w, h, original, result, mask } = setup(seed);
    let want = 0;
    for (let i = 0; i < w * h; i++) if (mask.data[i] === 0 && original.data.subarray(i * 4, i * 4 + 4).some((v, k) => v !== result.data[i * 4 + k])) want++;
    expect(countOutsideChanged(original, result, mask)).toBe(want);
    // One box, the whole image or a random one: only its pixels are counted.
    const box = rand() < 0.3 ? { x: 0, y: 0, width: w, height: h } : { x: Math.floor(rand() * w), y: Math.floor(rand() * h), width: 1, height: 1 };
    box.width = rand() < 0.3 ? box.width : 1 + Math.floor(rand() * (w - box.x));
    box.height = rand() < 0.3 ? box.height : 1 + Math.floor(rand() * (h - box.y));
    let inBox = 0;
    for (let y = box.y; y < box.y + box.height; y++) for (let x = box.x; x < box.x + box.width; x++) {
      const i = y * w + x;
      if (mask.data[i] === 0 && original.data.subarray(i * 4, i * 4 + 4).some((v, k) => v !== result.data[i * 4 + k])) inBox++;
    }
    expect(countOutsideChanged(original, result, mask, [box])).toBe(inBox);
    const region = growBox(box, Math.floor(rand() * 4), original);
    const saved = crop(original, region);
    expect(countOutsideChangedSaved(saved, region, result, mask, [box])).toBe(inBox);
  });

  it.each(CASES)('stitchPatches with and without prepareStitch = stitch of the pasted result, case %i', (seed) => {
    const { rand, w, h, original, mask } = setup(seed);
    const feather = Math.floor(rand() * 5);
    const blend = blendMaskFor(mask, { feather }).blend;
    const local = blendMaskIn(mask, { feather });
    const blendAt = local.box ?? { x: 0, y: 0, width: 0, height: 0 };
    const modelMask = modelMaskFor(mask, { grow: Math.floor(rand() * 8) });
    const box = { x: Math.floor(rand() * w), y: Math.floor(rand() * h), width: 1, height: 1 };
    box.width = 1 + Math.floor(rand() * (w - box.x));
    box.height = 1 + Math.floor(rand() * (h - box.y));
    const patch = randomImage(box.width, box.height, rand, 0);
    const pasted: Rgba = { ...original, data: new Uint8Array(original.data) };
    for (let y = 0; y < box.height; y++) pasted.data.set(patch.data.subarray(y * box.width * 4, (y + 1) * box.width * 4), ((box.y + y) * w + box.x) * 4);
    for (const seam of ['none', 'match', 'poisson'] as const) {
      const opts = { seam, modelMask, resultBox: box };
      const want = stitch(original, pasted, blend, opts);
      expect(Buffer.from(stitchPatches(original, [{ box, patch }], blend, opts).data).equals(Buffer.from(want.data))).toBe(true);
      const prepared = prepareStitch(original, blend, opts);
      const into: Rgba = { ...original, data: new Uint8Array(original.data) };
      expect(Buffer.from(stitchPatches(original, [{ box, patch }], blend, { ...opts, into, prepared }).data).equals(Buffer.from(want.data))).toBe(true);
      // The blend over its own box only (blendMaskIn + blendAt): the same bytes, with and without prepareStitch.
      expect(Buffer.from(stitchPatches(original, [{ box, patch }], local.blend, { ...opts, blendAt }).data).equals(Buffer.from(want.data))).toBe(true);
      const preparedLocal = prepareStitch(original, local.blend, { ...opts, blendAt });
      expect({ ...preparedLocal, b: Array.from(preparedLocal.b?.data ?? []) }).toEqual({ ...prepared, b: Array.from(prepared.b?.data ?? []) });
      const into2: Rgba = { ...original, data: new Uint8Array(original.data) };
      expect(Buffer.from(stitchPatches(original, [{ box, patch }], local.blend, { ...opts, blendAt, into: into2, prepared: preparedLocal }).data).equals(Buffer.from(want.data))).toBe(true);
      // The model mask over a box holding all of it (modelMaskAt): the same bytes.
      const mBox = boundingBox(modelMask);
      const at = growBox(mBox ?? { x: 0, y: 0, width: 1, height: 1 }, Math.floor(rand() * 3), original);
      const placedOpts = { ...opts, blendAt, modelMask: crop(modelMask, at), modelMaskAt: at };
      expect(Buffer.from(stitchPatches(original, [{ box, patch }], local.blend, placedOpts).data).equals(Buffer.from(want.data))).toBe(true);
    }
  });

  it.each(CASES)('blendMaskIn = blendMaskFor over its box, inward and outward, case %i', (seed) => {
    const { rand, w, h, mask } = setup(seed);
    const opts = { feather: Math.floor(rand() * 6), direction: rand() < 0.5 ? 'outward' as const : 'inward' as const };
    const full = blendMaskFor(mask, opts), local = blendMaskIn(mask, opts);
    expect([local.box, local.outwardBand]).toEqual([full.box, full.outwardBand]);
    const placed = createEditMask(w, h);
    if (local.box) paste(placed, local.blend, local.box.x, local.box.y);
    else expect([local.blend.width, local.blend.height]).toEqual([0, 0]);
    expect(Buffer.from(placed.data).equals(Buffer.from(full.blend.data))).toBe(true);
  });

  it('a blend or model mask that does not fit its box is refused (RangeError; STITCH_SIZE_MISMATCH for stitchPatches)', () => {
    const { original, mask } = setup(1);
    const local = blendMaskIn(mask, { feather: 2 });
    const at = { ...local.box!, width: local.box!.width + 1 };
    expect(() => prepareStitch(original, local.blend, { blendAt: at })).toThrow(RangeError);
    expect(() => prepareStitch(original, local.blend, { blendAt: local.box!, seam: 'match', modelMask: local.blend, modelMaskAt: at })).toThrow(/modelMaskAt/);
    expect(() => stitchPatches(original, [], local.blend, { blendAt: at })).toThrow(expect.objectContaining({ code: 'STITCH_SIZE_MISMATCH' }));
  });

  it.each(CASES)('renderHeatmap, case %i', (seed) => {
    const { original, result, mask } = setup(seed);
    const { changeMap } = refSpillover(original, result, mask);
    expect(Buffer.from(renderHeatmap(original, changeMap, mask).data).equals(Buffer.from(refHeatmap(original, changeMap, mask).data))).toBe(true);
  });

  it('the random cases cover empty, full and partial masks, unaligned buffers and unchanged results', () => {
    const seen = new Set<string>();
    for (const seed of CASES) {
      const { original, result, mask, w, h } = setup(seed);
      const n = refCountNonZero(mask);
      seen.add(n === 0 ? 'empty' : n === w * h ? 'full' : 'partial');
      seen.add(original.data.byteOffset % 4 ? 'unaligned' : 'aligned');
      seen.add(Buffer.from(original.data).equals(Buffer.from(result.data)) ? 'unchanged' : 'changed');
      if (w >= 8 && h >= 8) seen.add('windows');
    }
    expect([...seen].sort()).toEqual(['aligned', 'changed', 'empty', 'full', 'partial', 'unaligned', 'unchanged', 'windows']);
  });
});
