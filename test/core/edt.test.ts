/**
 * The capped distance transform and the run-based connected components (core/edt.ts), and everything built on
 * them (grow, shrink, feathers, the seam's ring, the outline), against reference implementations kept here: the
 * brute-force distance (every pixel to every source), the flood fill the labelling replaced, and the same
 * thresholds applied to the exact transform. Random masks of awkward sizes — empty, full, touching the borders,
 * speckled, soft — in buffers that do not start on a 4-byte boundary; bit-identical outputs.
 */
import { describe, expect, it } from 'vitest';
import { cappedSquaredDistance, componentStats, componentsByRuns, MAX_CAP } from '../../src/core/edt.js';
import { crop } from '../../src/core/crop.js';
import { binarize, connectedComponents, dilate, distancesWithin, erode, featherInward, fillHoles, squaredDistanceTo } from '../../src/core/morphology.js';
import { blendMaskFor, modelMaskFor } from '../../src/core/composite.js';
import { boundaryBand, estimateColorMatch } from '../../src/core/seam.js';
import { maskOutline } from '../../src/core/heatmap.js';
import { featheredApiRgba } from '../../src/core/maskops.js';
import { clusterRegions } from '../../src/core/sizing.js';
import { createEditMask, createRaster, type Box, type EditMask, type Raster } from '../../src/core/raster.js';
import { bytes, rng } from '../_helpers/random.js';

type Rgba = Raster & { channels: 4 };

const KINDS = ['empty', 'full', 'pixel', 'ellipse', 'box at a border', 'speckle', 'dense noise', 'stripes', 'ring'] as const;

/** One of {@link KINDS}; values 255, or any 1–255 when `soft`. */
function randomMask(w: number, h: number, rand: () => number, shift: number, kind: number, soft = false): EditMask {
  const m: EditMask = { width: w, height: h, channels: 1, data: bytes(w * h, shift) };
  const value = () => (soft ? 1 + Math.floor(rand() * 255) : 255);
  const cx = rand() * w, cy = rand() * h, rx = 1 + (rand() * w) / 2, ry = 1 + (rand() * h) / 2;
  const side = Math.floor(rand() * 4), depth = 1 + Math.floor(rand() * Math.max(1, Math.min(w, h) / 2));
  const density = rand() < 0.5 ? 0.05 : 0.5;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const on = kind === 0 ? false : kind === 1 ? true : kind === 2 ? x === Math.floor(cx) && y === Math.floor(cy)
        : kind === 3 ? ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
          : kind === 4 ? (side === 0 ? x < depth : side === 1 ? y < depth : side === 2 ? x >= w - depth : y >= h - depth) && Math.abs(side % 2 ? x - cx : y - cy) <= (side % 2 ? rx : ry)
            : kind === 5 ? rand() < 0.05 : kind === 6 ? rand() < density * 1.4
              : kind === 7 ? (x + (y >> 1)) % 3 === 0
                : Math.abs(Math.hypot((x - cx) / rx, (y - cy) / ry) - 0.7) < 0.25;
      if (on) m.data[y * w + x] = value();
    }
  }
  return m;
}

interface Case { w: number; h: number; mask: EditMask; kind: string; seed: number }
/** 180 random masks from 1×1 to 48×48, every kind, soft in one case of three. */
const CASES: Case[] = Array.from({ length: 180 }, (_, seed) => {
  const rand = rng(seed * 7919 + 13);
  const w = 1 + Math.floor(rand() * 48), h = 1 + Math.floor(rand() * 48);
  const kind = seed % KINDS.length;
  return { w, h, kind: KINDS[kind]!, seed, mask: randomMask(w, h, rand, 1 + (seed % 3), kind, seed % 3 === 0) };
});

// ── reference implementations ─────────────────────────────────────────────────────────────────────────────
/** Brute force: the squared distance from each pixel to every source pixel; 1e20 when there is none. */
function bruteSquaredDistance(m: EditMask, isSource: (v: number) => boolean): number[] {
  const { width: w, height: h } = m;
  const src: [number, number][] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (isSource(m.data[y * w + x]!)) src.push([x, y]);
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = 1e20;
      for (const [sx, sy] of src) best = Math.min(best, (x - sx) ** 2 + (y - sy) ** 2);
      out.push(best);
    }
  }
  return out;
}

/** The flood fill connectedComponents used before the run-based pass (seeded in raster order). */
function floodComponents(mask: EditMask, connectivity: 4 | 8) {
  const { width: w, height: h, data } = mask;
  const labels = new Int32Array(w * h);
  const boxes: Box[] = [];
  const areas: number[] = [];
  let count = 0;
  for (let start = 0; start < w * h; start++) {
    if (data[start] === 0 || labels[start] !== 0) continue;
    const label = ++count;
    const stack = [start];
    labels[start] = label;
    let minX = w, minY = h, maxX = 0, maxY = 0, area = 0;
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % w, y = (p - x) / w;
      area++;
      minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if ((dx === 0 && dy === 0) || (connectivity === 4 && dx !== 0 && dy !== 0)) continue;
          const nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const q = ny * w + nx;
          if (data[q] !== 0 && labels[q] === 0) { labels[q] = label; stack.push(q); }
        }
      }
    }
    boxes.push({ x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 });
    areas.push(area);
  }
  return { labels, count, boxes, areas };
}

/** The morphology as it was: the same thresholds on the exact transform. */
const exactDistance = (m: EditMask, source: 'set' | 'unset') => squaredDistanceTo(m, source === 'set' ? (v) => v !== 0 : (v) => v === 0);
function refDilate(m: EditMask, r: number): EditMask {
  if (r <= 0) return binarize(m);
  const d2 = exactDistance(m, 'set'), out = createEditMask(m.width, m.height);
  for (let i = 0; i < d2.length; i++) out.data[i] = d2[i]! <= r * r ? 255 : 0;
  return out;
}
function refErode(m: EditMask, r: number): EditMask {
  if (r <= 0) return binarize(m);
  const d2 = exactDistance(m, 'unset'), out = createEditMask(m.width, m.height);
  for (let i = 0; i < d2.length; i++) out.data[i] = m.data[i] !== 0 && d2[i]! > r * r ? 255 : 0;
  return out;
}
function refFeather(m: EditMask, r: number): EditMask {
  if (r <= 0) return binarize(m);
  const d2 = exactDistance(m, 'unset'), out = createEditMask(m.width, m.height);
  for (let i = 0; i < d2.length; i++) {
    if (m.data[i] === 0) continue;
    const d = Math.sqrt(d2[i]!);
    out.data[i] = d >= r + 1 ? 255 : Math.max(1, Math.round((255 * d) / (r + 1)));
  }
  return out;
}
/** blendMaskFor's outward ramp on the whole mask (its work box is exact by construction). */
function refOutward(m: EditMask, feather: number): { blend: number[]; band: number } {
  const d2 = exactDistance(m, 'set');
  const blend = [...binarize(m).data];
  let band = 0;
  for (let i = 0; i < d2.length; i++) {
    if (m.data[i] !== 0) continue;
    const d = Math.sqrt(d2[i]!);
    if (d > feather) continue;
    blend[i] = Math.max(1, Math.round(255 * (1 - d / (feather + 1))));
    band++;
  }
  return { blend, band };
}
function refBand(m: EditMask, ring: number): number[] {
  const inside = exactDistance(m, 'unset'), outside = exactDistance(m, 'set');
  return [...m.data].map((v, i) => ((v !== 0 ? inside[i]! : outside[i]!) <= ring * ring ? 1 : 0));
}
function refApiFeather(m: EditMask, r: number): number[] {
  const d2 = exactDistance(m, 'set');
  return [...d2].map((v) => { const d = Math.sqrt(v); return d >= r + 1 ? 255 : Math.round((255 * d) / (r + 1)); });
}

/** The first index where two pixel lists differ, with both values; `null` when they are identical. */
function firstDiff(got: ArrayLike<number>, want: ArrayLike<number>): null | { i: number; got: number | undefined; want: number | undefined } {
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) if (got[i] !== want[i]) return { i, got: got[i], want: want[i] };
  return null;
}

const RADII = [0, 0.5, 1, 1.5, 2, 3, 4, 4.7, 6, 8, 13, 300];

// ── tests ─────────────────────────────────────────────────────────────────────────────────────────────────
describe('cappedSquaredDistance', () => {
  it('the exact transform matches the brute force (the reference below is itself checked)', () => {
    for (const c of CASES.slice(0, 60)) {
      for (const source of ['set', 'unset'] as const) {
        const brute = bruteSquaredDistance(c.mask, source === 'set' ? (v) => v !== 0 : (v) => v === 0);
        expect(firstDiff(exactDistance(c.mask, source), brute), `${c.kind} ${c.w}x${c.h} seed ${c.seed} ${source}`).toBeNull();
      }
    }
  });

  it.each(CASES.map((c) => [c.seed, c]))('case %i: min(d², cap²) for every cap 1–12 and both sources', (_, c) => {
    for (const source of ['set', 'unset'] as const) {
      const exact = exactDistance(c.mask, source);
      for (let cap = 1; cap <= 12; cap++) {
        const got = cappedSquaredDistance(c.mask, source, cap);
        const want = [...exact].map((d) => Math.min(d, cap * cap));
        expect(firstDiff(got, want), `${c.kind} ${c.w}x${c.h} ${source} cap ${cap}`).toBeNull();
      }
    }
  });

  // The four-pixels-at-a-time sweeps run only on masks whose bytes start on a 4-byte boundary (every mask the
  // pipeline makes); the cases above are all unaligned. The same shapes aligned, and widths that are a multiple of 4.
  const ALIGNED: Case[] = CASES.map((c) => {
    const rand = rng(c.seed * 31 + 7);
    const w = c.seed % 2 ? c.w : 4 * Math.ceil(c.w / 4);
    const kind = c.seed % KINDS.length;
    return { ...c, w, mask: c.seed % 2 ? { ...c.mask, data: c.mask.data.slice() } : randomMask(w, c.h, rand, 0, kind, c.seed % 3 === 0) };
  });
  it.each(ALIGNED.map((c) => [c.seed, c]))('aligned case %i: min(d², cap²) for every cap 1–12 and both sources', (_, c) => {
    expect(c.mask.data.byteOffset % 4).toBe(0);
    for (const source of ['set', 'unset'] as const) {
      const exact = exactDistance(c.mask, source);
      for (let cap = 1; cap <= 12; cap++) {
        const got = cappedSquaredDistance(c.mask, source, cap);
        const want = [...exact].map((d) => Math.min(d, cap * cap));
        expect(firstDiff(got, want), `${c.kind} ${c.mask.width}x${c.mask.height} ${source} cap ${cap}`).toBeNull();
      }
    }
  });

  it('aligned, the largest cap (its word of capped distances is all ones): exact up to 255', () => {
    const m = createEditMask(600, 300);
    for (let y = 0; y < 300; y++) for (let x = 0; x < 600; x++) if (x < 20 || (y > 100 && y < 140 && x > 500)) m.data[y * 600 + x] = 255;
    for (const source of ['set', 'unset'] as const) {
      const got = cappedSquaredDistance(m, source, MAX_CAP);
      const want = [...exactDistance(m, source)].map((d) => Math.min(d, MAX_CAP * MAX_CAP));
      expect(firstDiff(got, want), source).toBeNull();
    }
  });

  it('the largest cap on a mask wider than it: exact up to 255', () => {
    const m = createEditMask(600, 3);
    m.data[1 * 600 + 17] = 255;
    const got = cappedSquaredDistance(m, 'set', MAX_CAP);
    expect(got[1 * 600 + 17]).toBe(0);
    expect(got[0 * 600 + 17 + 254]).toBe(254 * 254 + 1);
    expect(got[1 * 600 + 17 + 255]).toBe(255 * 255);
    expect(got[1 * 600 + 599]).toBe(255 * 255);
  });

  it.each([[0], [256], [2.5], [Number.NaN]])('refuses cap %s with a RangeError naming the range', (cap) => {
    expect(() => cappedSquaredDistance(createEditMask(2, 2), 'set', cap)).toThrow(/cap must be a whole number from 1 to 255, received/);
  });

  it('distancesWithin falls back to the exact transform beyond the largest cap', () => {
    const m = createEditMask(5, 1);
    m.data[0] = 255;
    expect(Array.from(distancesWithin(m, 'set', 300))).toEqual([0, 1, 4, 9, 16]);
    expect(Array.from(distancesWithin(m, 'set', 1.5))).toEqual([0, 1, 4, 4, 4]);
  });
});

describe('grow, shrink and feathers on the capped transform = the exact transform', () => {
  it.each(CASES.map((c) => [c.seed, c]))('case %i: dilate, erode, featherInward at every radius', (_, c) => {
    for (const r of RADII) {
      expect(firstDiff(dilate(c.mask, r).data, refDilate(c.mask, r).data), `dilate ${r} ${c.kind} ${c.w}x${c.h}`).toBeNull();
      expect(firstDiff(erode(c.mask, r).data, refErode(c.mask, r).data), `erode ${r} ${c.kind} ${c.w}x${c.h}`).toBeNull();
      expect(firstDiff(featherInward(c.mask, r).data, refFeather(c.mask, r).data), `feather ${r} ${c.kind} ${c.w}x${c.h}`).toBeNull();
    }
  });

  it.each(CASES.map((c) => [c.seed, c]))('case %i: blend masks (inward, outward), model mask, seam band, outline, API feather', (_, c) => {
    for (const r of [0.5, 1, 2, 4, 6, 9.5]) {
      expect(firstDiff(blendMaskFor(c.mask, { feather: r }).blend.data, refFeather(c.mask, r).data), `inward ${r}`).toBeNull();
      const out = blendMaskFor(c.mask, { feather: r, direction: 'outward' });
      const ref = refOutward(c.mask, r);
      expect(firstDiff(out.blend.data, ref.blend), `outward ${r}`).toBeNull();
      expect(out.outwardBand, `outward band ${r}`).toBe(ref.band);
      expect(firstDiff(modelMaskFor(c.mask, { grow: r }).data, refDilate(c.mask, r).data), `model ${r}`).toBeNull();
      expect(firstDiff(boundaryBand(c.mask, r), refBand(c.mask, r)), `band ${r}`).toBeNull();
      expect(firstDiff(maskOutline(c.mask, r), refBand(c.mask, r).map((b, i) => (b && c.mask.data[i] !== 0 ? 1 : 0))), `outline ${r}`).toBeNull();
      expect(firstDiff(featheredApiRgba(c.mask, r).data.filter((_, i) => i % 4 === 3), refApiFeather(c.mask, r)), `api feather ${r}`).toBeNull();
    }
  });

  it.each(CASES.filter((c) => c.seed % 4 === 0).map((c) => [c.seed, c]))('case %i: the seam estimate samples the same ring', (_, c) => {
    const rand = rng(c.seed + 1);
    const img = (): Rgba => { const r = createRaster(c.w, c.h, 4); for (let i = 0; i < r.data.length; i++) r.data[i] = Math.floor(rand() * 256); return r; };
    const o = img(), res = img();
    for (const ring of [1, 3, 6, 7.5]) {
      const got = estimateColorMatch(o, res, c.mask, { ring });
      // Reference: the same sums over the kept pixels within `ring` of the region, by the exact transform.
      const d2 = exactDistance(c.mask, 'set');
      let n = 0;
      for (let i = 0; i < d2.length; i++) if (c.mask.data[i] === 0 && d2[i]! <= ring * ring) n++;
      expect(got.samples, `ring ${ring}`).toBe(n);
    }
  });
});

describe('componentsByRuns = the flood fill', () => {
  it.each(CASES.map((c) => [c.seed, c]))('case %i: labels, count, boxes and areas, 4- and 8-connected', (_, c) => {
    for (const conn of [4, 8] as const) {
      const want = floodComponents(c.mask, conn);
      const got = componentsByRuns(c.mask, conn);
      expect(got.count, `${c.kind} ${c.w}x${c.h} conn ${conn}`).toBe(want.count);
      expect(firstDiff(got.labels, want.labels)).toBeNull();
      expect(got.boxes).toEqual(want.boxes);
      expect(got.areas).toEqual(want.areas);
      expect(connectedComponents(c.mask, conn).boxes).toEqual(want.boxes);
    }
  });

  it.each(CASES.map((c) => [c.seed, c]))('case %i: componentStats inside a random box = the flood fill of that crop, boxes shifted', (_, c) => {
    const rand = rng(c.seed + 99);
    const x = Math.floor(rand() * c.w), y = Math.floor(rand() * c.h);
    const within = c.seed % 5 === 0 ? { x: 0, y: 0, width: c.w, height: c.h } : { x, y, width: 1 + Math.floor(rand() * (c.w - x)), height: 1 + Math.floor(rand() * (c.h - y)) };
    for (const conn of [4, 8] as const) {
      const want = floodComponents(crop(c.mask, within), conn);
      const got = componentStats(c.mask, conn, within);
      expect(got.count).toBe(want.count);
      expect(got.areas).toEqual(want.areas);
      expect(got.boxes).toEqual(want.boxes.map((b) => ({ ...b, x: b.x + within.x, y: b.y + within.y })));
    }
  });

  it('componentStats refuses a box reaching outside the mask', () => {
    expect(() => componentStats(createEditMask(4, 4), 8, { x: 2, y: 0, width: 3, height: 4 })).toThrow('box 2,0,3,4 is not inside the 4x4 mask');
  });

  it('a staircase that joins only diagonally: one component at 8, one per step at 4', () => {
    const m = createEditMask(6, 6);
    for (let i = 0; i < 6; i++) m.data[i * 6 + i] = 255;
    expect(componentsByRuns(m, 8).count).toBe(1);
    expect(componentsByRuns(m, 4).count).toBe(6);
    expect(componentsByRuns(m, 4).areas).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('a U whose arms join only at the bottom takes the label of its first pixel (left arm)', () => {
    const m = createEditMask(5, 4);
    for (let y = 0; y < 4; y++) { m.data[y * 5] = 255; m.data[y * 5 + 4] = 255; }
    m.data.fill(255, 15, 20);
    m.data[2] = 255; // a separate dot between the arms, first seen after the left arm's top
    const c = componentsByRuns(m, 8);
    expect(c.count).toBe(2);
    expect(c.labels[0]).toBe(1);
    expect(c.labels[4]).toBe(1);
    expect(c.labels[2]).toBe(2);
    expect(c.boxes).toEqual([{ x: 0, y: 0, width: 5, height: 4 }, { x: 2, y: 0, width: 1, height: 1 }]);
    expect(c.areas).toEqual([11, 1]);
  });

  it.each(CASES.filter((c) => c.seed % 3 === 1).map((c) => [c.seed, c]))('case %i: fillHoles and the planner clusters as with the flood fill', (_, c) => {
    const bg = createEditMask(c.w, c.h);
    for (let i = 0; i < bg.data.length; i++) bg.data[i] = c.mask.data[i] === 0 ? 255 : 0;
    const f = floodComponents(bg, 4);
    const border = new Set<number>();
    for (let x = 0; x < c.w; x++) { border.add(f.labels[x]!); border.add(f.labels[(c.h - 1) * c.w + x]!); }
    for (let y = 0; y < c.h; y++) { border.add(f.labels[y * c.w]!); border.add(f.labels[y * c.w + c.w - 1]!); }
    const want = [...c.mask.data].map((v, i) => (v !== 0 || (f.labels[i]! > 0 && !border.has(f.labels[i]!)) ? 255 : 0));
    expect(firstDiff(fillHoles(c.mask).data, want)).toBeNull();
    const clusters = clusterRegions(c.mask, 0, 0);
    expect(clusters.reduce((s, k) => s + k.pixels, 0)).toBe([...c.mask.data].filter((v) => v !== 0).length);
  });
});
