import { describe, expect, it } from 'vitest';
import { MaskError } from '../../src/core/errors.js';
import { createEditMask, createRaster, countNonZero } from '../../src/core/raster.js';
import {
  areaDownscale, clickLabels, clipSelection, componentAt, expandBox, formatSelection, FRAME, GC, gmmCost, grabCutLabels, growRegion, iou,
  keepLargeComponents, labelsToMask, nearestSet, parseSelection, pasteMax, refineEdge, ringAmbiguity, seedBox, workRegion, workScale, WORK_PIXELS,
} from '../../src/core/select.js';

const err = (f: () => unknown) => { try { f(); } catch (e) { return { code: (e as MaskError).code, message: (e as MaskError).message }; } return null; };

describe('parseSelection / formatSelection', () => {
  it.each([
    ['box:10,20,300,200', { kind: 'box', box: { x: 10, y: 20, width: 300, height: 200 } }],
    ['BOX: 1, 2, 3, 4', { kind: 'box', box: { x: 1, y: 2, width: 3, height: 4 } }],
    ['point:640,480', { kind: 'point', x: 640, y: 480 }],
    ['point:-5,7', { kind: 'point', x: -5, y: 7 }],
  ])('%s', (text, want) => {
    expect(parseSelection(text)).toEqual(want);
  });
  it.each([
    ['10,20,30,40', 'it must start with box: or point:'],
    ['box:1,2,3', 'box takes 4 whole numbers'],
    ['point:1.5,2', 'point takes 2 whole numbers'],
    ['point:1,', 'point takes 2 whole numbers'],
    ['box:0,0,1,5', 'a box must be at least 2x2 pixels'],
    ['lasso:1,2', 'it must start with box: or point:'],
  ])('%s is SELECT_INVALID (%s)', (text, why) => {
    expect(err(() => parseSelection(text))).toEqual({ code: 'SELECT_INVALID', message: `--select expects box:X,Y,W,H or point:X,Y (whole pixels); ${why}, received ${JSON.stringify(text)}` });
  });
  it('formats back', () => {
    expect(formatSelection(parseSelection('box:1,2,3,4'))).toBe('box:1,2,3,4');
    expect(formatSelection(parseSelection('point:5,6'))).toBe('point:5,6');
  });
});

describe('clipSelection', () => {
  it('clips a box reaching past the picture', () => {
    expect(clipSelection({ kind: 'box', box: { x: -10, y: 90, width: 30, height: 30 } }, 100, 100)).toEqual({ kind: 'box', box: { x: 0, y: 90, width: 20, height: 10 } });
  });
  it.each([
    [{ kind: 'box' as const, box: { x: 100, y: 0, width: 10, height: 10 } }, 'use a box inside 0,0,100,80'],
    [{ kind: 'box' as const, box: { x: 99, y: 0, width: 10, height: 10 } }, 'use a box inside 0,0,100,80'],
    [{ kind: 'point' as const, x: 100, y: 5 }, 'use a point with 0 ≤ X < 100 and 0 ≤ Y < 80'],
    [{ kind: 'point' as const, x: 5, y: -1 }, 'use a point with 0 ≤ X < 100 and 0 ≤ Y < 80'],
  ])('%o is SELECT_OUTSIDE', (sel, fix) => {
    let caught: MaskError | undefined;
    try { clipSelection(sel, 100, 80); } catch (e) { caught = e as MaskError; }
    expect([caught?.code, caught?.message, caught?.fix]).toEqual(['SELECT_OUTSIDE', `--select ${formatSelection(sel)} lies outside the 100x80 image`, fix]);
  });
});

describe('work region and scale', () => {
  it('adds half the box (at least 16 px), clipped', () => {
    expect(workRegion({ x: 100, y: 100, width: 200, height: 100 }, 1000, 1000)).toEqual({ x: 0, y: 0, width: 400, height: 300 });
    expect(workRegion({ x: 50, y: 50, width: 10, height: 10 }, 1000, 1000)).toEqual({ x: 34, y: 34, width: 42, height: 42 });
    expect(expandBox({ x: 5, y: 5, width: 10, height: 10 }, 10, 18, 100)).toEqual({ x: 0, y: 0, width: 18, height: 25 });
  });
  it('scales to at most WORK_PIXELS', () => {
    expect(workScale({ width: 300, height: 400 })).toBe(1);
    expect(workScale({ width: 4000, height: 3000 })).toBeCloseTo(Math.sqrt(WORK_PIXELS / 12e6), 12);
  });
});

describe('seedBox', () => {
  // 100x80 gray picture with a 20x16 red rectangle at (40, 30).
  const img = createRaster(100, 80, 4);
  for (let i = 0; i < 100 * 80; i++) img.data.set([128, 128, 128, 255], i * 4);
  for (let y = 30; y < 46; y++) for (let x = 40; x < 60; x++) img.data.set([220, 30, 30, 255], (y * 100 + x) * 4);
  it('grows the clicked region and widens its box by 35 %', () => {
    // 20x16 region → margin max(0.35 * 20, 0.04 * 80) = 7.
    expect(seedBox(img, 50, 38)).toEqual({ box: { x: 33, y: 23, width: 34, height: 30 }, grown: 320, fallback: false });
  });
  it('falls back to a third of the shorter side when the region leaks over a quarter of the picture', () => {
    // The gray background is 96 % of the picture: side round(80 / 3) = 27 around (5, 5), clipped.
    expect(seedBox(img, 5, 5)).toEqual({ box: { x: 0, y: 0, width: 19, height: 19 }, grown: 2001, fallback: true });
  });
});

describe('growRegion', () => {
  // 16x4 (a quarter is 16 px): a 3 px wide band of 100 gray, then 140 (40 a channel away: beyond the tolerance), then 110.
  const img = createRaster(16, 4, 4);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 16; x++) { const v = x < 3 ? 100 : x < 6 ? 140 : 110; img.data.set([v, v, v, 255], (y * 16 + x) * 4); }
  it('stops at a colour step larger than the tolerance, and is not connected across it', () => {
    expect(growRegion(img, 1, 1, 28)).toEqual({ box: { x: 0, y: 0, width: 3, height: 4 }, count: 12, leaked: false });
  });
  it('crosses it with a larger tolerance and then counts as leaked past a quarter of the picture', () => {
    // 69.3 = the RGB distance of 40 per channel: the 140 band joins, and the region passes 16 px (a quarter).
    expect(growRegion(img, 1, 1, 70)).toMatchObject({ count: 17, leaked: true });
  });
});

describe('areaDownscale', () => {
  it('averages factor×factor blocks, the last partial row and column over what exists', () => {
    const img = createRaster(5, 3, 4);
    for (let i = 0; i < 15; i++) img.data.set([i * 10, 255 - i * 10, i, 7], i * 4);
    const s = areaDownscale(img, 2);
    expect([s.width, s.height]).toEqual([3, 2]);
    // Block (0,0) holds pixels 0, 1, 5, 6 → R mean 30; block (2,0) pixels 4, 9 → 65; block (2,1) pixel 14 → 140.
    expect([s.data[0], s.data[1], s.data[2], s.data[3]]).toEqual([30, 225, 3, 255]);
    expect(s.data[2 * 4]).toBe(65);
    expect(s.data[5 * 4]).toBe(140);
  });
  it('factor 1 copies the colours with opaque alpha', () => {
    const img = createRaster(2, 1, 4);
    img.data.set([1, 2, 3, 0, 4, 5, 6, 9]);
    expect([...areaDownscale(img, 1).data]).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
  });
});

describe('clickLabels', () => {
  it('probably object in the box, probably background around it, a sure-background frame on the inner sides, the click sure object', () => {
    const l = clickLabels(12, 10, { x: 4, y: 3, width: 4, height: 4 }, { x: 5, y: 5 }, { left: true, top: false, right: false, bottom: false });
    const count = (v: number) => l.filter((x) => x === v).length;
    // Frame: the top 2 rows (24), the bottom 2 rows (24) and the right 2 columns of the 6 rows between (12), none on the open left side.
    expect(FRAME).toBe(2);
    expect(count(GC.BGD)).toBe(60);
    // The click disk (13 px) reaches 2 px outside the box, which it takes over from the ring.
    expect([count(GC.PR_BGD), count(GC.PR_FGD), count(GC.FGD)]).toEqual([42, 5, 13]);
    expect([l[0], l[5 * 12], l[5 * 12 + 11], l[5 * 12 + 5]]).toEqual([GC.BGD, GC.PR_BGD, GC.BGD, GC.FGD]);
  });
  it('a region open on every side has no sure background at all', () => {
    const l = clickLabels(6, 6, { x: 2, y: 2, width: 2, height: 2 }, { x: 0, y: 0 }, { left: true, top: true, right: true, bottom: true });
    expect(l.filter((x) => x === GC.BGD).length).toBe(0);
  });
});

describe('gmmCost / ringAmbiguity', () => {
  /** A GrabCut model with one component of weight 1 at `mean`, covariance `v`·I; the other four empty. */
  const model = (mean: [number, number, number], v: number) => {
    const m = new Float64Array(65);
    m[0] = 1;
    m.set(mean, 5);
    m.set([v, 0, 0, 0, v, 0, 0, 0, v], 20);
    return m;
  };
  it('is −log of the weighted component densities (OpenCV leaves out the 2π factor)', () => {
    // det = 64: log 8 + 0.5 · (2² / 4) = 2.5794…
    expect(gmmCost(model([100, 100, 100], 4))(102, 100, 100)).toBeCloseTo(Math.log(8) + 0.5, 12);
  });
  it('skips empty and singular components', () => {
    const singular = model([0, 0, 0], 0);
    expect(gmmCost(singular)(0, 0, 0)).toBeCloseTo(-Math.log(1e-300), 9);
  });
  it('counts probably-background pixels both models explain alike', () => {
    const img = createRaster(3, 1, 4);
    img.data.set([100, 100, 100, 255, 0, 0, 0, 255, 100, 100, 100, 255]);
    const labels = Uint8Array.from([GC.PR_BGD, GC.PR_BGD, GC.PR_FGD]);
    // Pixel 0 lies halfway between the models (ambiguous), pixel 1 on the object's mean; pixel 2 is not in the ring.
    expect(ringAmbiguity(img, labels, model([200, 200, 200], 100), model([0, 0, 0], 100))).toBe(0.5);
    expect(ringAmbiguity(img, Uint8Array.from([GC.FGD, GC.FGD, GC.FGD]), model([200, 200, 200], 100), model([0, 0, 0], 100))).toBe(0);
  });
});

describe('grabCutLabels / labelsToMask', () => {
  it('background outside, probably object inside, a sure disk around the click', () => {
    const l = grabCutLabels(10, 10, { x: 2, y: 2, width: 6, height: 6 }, [{ x: 5, y: 5 }]);
    const count = (v: number) => l.filter((x) => x === v).length;
    expect([count(GC.BGD), count(GC.PR_FGD), count(GC.FGD), count(GC.PR_BGD)]).toEqual([64, 23, 13, 0]);
    expect(l[5 * 10 + 5]).toBe(GC.FGD);
    expect(countNonZero(labelsToMask(l, 10, 10))).toBe(36);
  });
  it('a box over the whole region gets a probably-background frame', () => {
    const l = grabCutLabels(6, 5, { x: 0, y: 0, width: 6, height: 5 });
    expect([...l]).toEqual([2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 3, 3, 3, 3, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
  });
});

describe('components and helpers', () => {
  const m = createEditMask(10, 4);
  m.data.set([255, 255], 0); // 2 px at (0,0)
  for (let x = 4; x < 10; x++) for (let y = 0; y < 4; y++) m.data[y * 10 + x] = 255; // 24 px
  it('componentAt keeps the clicked component', () => {
    expect(countNonZero(componentAt(m, 5, 1))).toBe(24);
    expect(countNonZero(componentAt(m, 1, 0))).toBe(2);
    expect(countNonZero(componentAt(m, 2, 2))).toBe(0);
  });
  it('keepLargeComponents drops specks under 5 % of the largest... and keeps 2/24 above it', () => {
    expect(countNonZero(keepLargeComponents(m, 0.05))).toBe(26);
    expect(countNonZero(keepLargeComponents(m, 0.1))).toBe(24);
  });
  it('nearestSet finds the nearest set pixel within the radius', () => {
    expect(nearestSet(m, 2, 2, 3)).toEqual({ x: 4, y: 2 });
    expect(nearestSet(m, 2, 3, 1)).toBeNull();
  });
  it('pasteMax and iou', () => {
    const a = createEditMask(4, 4), b = createEditMask(2, 2);
    b.data.fill(255);
    pasteMax(a, b, 3, 3);
    expect(countNonZero(a)).toBe(1);
    const c = createEditMask(4, 4);
    c.data[15] = 255; c.data[0] = 255;
    expect(iou(a, c)).toBe(0.5);
    expect(iou(createEditMask(2, 2), createEditMask(2, 2))).toBe(1);
  });
});

describe('refineEdge', () => {
  it('re-decides the band at full resolution: a 4x coarse disc edge becomes the exact full-resolution edge', () => {
    // Full: 80x80, a dark disc of radius 25 on light. Small: 20x20 (area-averaged). Coarse: the small disc.
    const W = 80, w = 20;
    const full = createRaster(W, W, 4);
    const truth = createEditMask(W, W);
    for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) {
      const inside = (x + 0.5 - 40) ** 2 + (y + 0.5 - 40) ** 2 < 25 * 25;
      full.data.set(inside ? [30, 40, 50, 255] : [220, 210, 200, 255], (y * W + x) * 4);
      if (inside) truth.data[y * W + x] = 255;
    }
    const small = createRaster(w, w, 4), coarse = createEditMask(w, w);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) {
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) s += full.data[((y * 4 + dy) * W + x * 4 + dx) * 4 + k]!;
        small.data[(y * w + x) * 4 + k] = Math.round(s / 16);
      }
      coarse.data[y * w + x] = (x + 0.5 - 10) ** 2 + (y + 0.5 - 10) ** 2 < 6.25 * 6.25 ? 255 : 0;
    }
    const upscaled = createEditMask(W, W);
    for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) upscaled.data[y * W + x] = coarse.data[(y >> 2) * w + (x >> 2)]!;
    const refined = refineEdge(full, { x: 0, y: 0, width: W, height: W }, small, coarse);
    expect(iou(upscaled, truth)).toBeLessThan(0.97);
    expect(iou(refined, truth)).toBe(1);
  });
});
