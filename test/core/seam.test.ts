import { describe, expect, it } from 'vitest';
import { boundaryBand, estimateColorMatch, matchSeam, poissonSeam, solveMembrane } from '../../src/core/seam.js';
import { createEditMask, createRaster, type EditMask, type Raster } from '../../src/core/raster.js';

type Rgba = Raster & { channels: 4 };

/** A smooth, textured image: sums of sines, so gradients are meaningful and no channel clips. */
function scene(w: number, h: number): Rgba {
  const r = createRaster(w, h, 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 4;
    r.data[i] = Math.round(120 + 50 * Math.sin(x / 5) + 20 * Math.cos(y / 7));
    r.data[i + 1] = Math.round(110 + 40 * Math.cos((x + y) / 9));
    r.data[i + 2] = Math.round(100 + 30 * Math.sin(y / 4));
    r.data[i + 3] = 255;
  }
  return r;
}
function cast(r: Rgba, gain: number, offset: number): Rgba {
  const out = { ...r, data: new Uint8Array(r.data) };
  for (let i = 0; i < out.data.length; i++) if (i % 4 !== 3) out.data[i] = Math.max(0, Math.min(255, Math.round(r.data[i]! * gain + offset)));
  return out;
}
function disc(w: number, h: number, cx: number, cy: number, radius: number): EditMask {
  const m = createEditMask(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2) m.data[y * w + x] = 255;
  return m;
}
function meanAbs(a: Rgba, b: Rgba, m: EditMask): number {
  let s = 0, n = 0;
  for (let i = 0; i < m.data.length; i++) {
    if (!m.data[i]) continue;
    for (let c = 0; c < 3; c++) s += Math.abs(a.data[i * 4 + c]! - b.data[i * 4 + c]!);
    n += 3;
  }
  return s / n;
}

describe('estimateColorMatch / matchSeam', () => {
  const o = scene(80, 60);
  const region = disc(80, 60, 40, 30, 18);

  it('recovers a known gain and offset', () => {
    const { gain, offset, samples } = estimateColorMatch(o, cast(o, 0.9, 12), region);
    expect(samples).toBeGreaterThan(300);
    for (let c = 0; c < 3; c++) {
      expect(gain[c]).toBeCloseTo(1 / 0.9, 1);
      expect(offset[c]).toBeCloseTo(-12 / 0.9, 0);
    }
  });

  it('removes the cast inside the region and leaves other pixels alone', () => {
    const r = cast(o, 0.9, 30);
    const fixed = matchSeam(o, r, region);
    expect(meanAbs(fixed, o, region)).toBeLessThan(1);
    expect(meanAbs(r, o, region)).toBeGreaterThan(5);
    expect([...region.data].map((inside, i) => (!inside && fixed.data[i * 4] !== r.data[i * 4] ? i : -1)).filter((i) => i >= 0)).toEqual([]);
  });

  it('keeps gain 1 on a flat band and only matches the mean', () => {
    const flat = createRaster(20, 20, 4);
    flat.data.fill(100);
    const m = estimateColorMatch(flat, cast(flat, 1, 7), disc(20, 20, 10, 10, 5));
    expect(m.gain).toEqual([1, 1, 1]);
    expect(m.offset).toEqual([-7, -7, -7]);
  });

  it('samples only inside `within`', () => {
    expect(estimateColorMatch(o, o, region, { within: { x: 0, y: 0, width: 1, height: 1 } }).samples).toBe(0);
  });

  it('the band straddles the boundary', () => {
    const band = boundaryBand(region, 2);
    expect(band[30 * 80 + 40]).toBe(0); // centre
    expect(band[30 * 80 + 58]).toBe(1); // on the rim, inside
    expect(band[30 * 80 + 60]).toBe(1); // 2 px outside
    expect(band[30 * 80 + 62]).toBe(0);
  });
});

describe('poissonSeam', () => {
  it('a result that differs by a constant inside blends back to the original', () => {
    const o = scene(90, 70);
    const region = disc(90, 70, 45, 35, 25);
    const out = poissonSeam(o, cast(o, 1, 15), region);
    expect(meanAbs(out, o, region)).toBeLessThan(0.5);
  });

  it('keeps the result\'s gradients: a new feature inside survives, offset to match the surroundings', () => {
    const o = scene(60, 60);
    const r = cast(o, 1, -20);
    for (let y = 28; y < 32; y++) for (let x = 28; x < 32; x++) r.data[(y * 60 + x) * 4] = 250; // a bright spot
    const out = poissonSeam(o, r, disc(60, 60, 30, 30, 15));
    const spot = out.data[(30 * 60 + 30) * 4]!, around = out.data[(30 * 60 + 24) * 4]!;
    expect(spot - around).toBeGreaterThan(80);
    expect(Math.abs(around - o.data[(30 * 60 + 24) * 4]!)).toBeLessThanOrEqual(2);
  });

  it('a region covering the whole image has no boundary and keeps the result', () => {
    const o = scene(16, 16);
    const r = cast(o, 1, 30);
    const all = createEditMask(16, 16);
    all.data.fill(255);
    expect(poissonSeam(o, r, all).data).toEqual(r.data);
  });

  it('solves a region touching the image border (Neumann there)', () => {
    const o = scene(40, 30);
    const m = createEditMask(40, 30);
    for (let y = 0; y < 30; y++) for (let x = 0; x < 15; x++) m.data[y * 40 + x] = 255;
    const stats = { unknowns: 0, levels: 0, iterations: [0, 0, 0] as [number, number, number] };
    expect(meanAbs(poissonSeam(o, cast(o, 1, -25), m, {}, stats), o, m)).toBeLessThan(0.5);
    expect(stats.unknowns).toBe(450);
  });
});

describe('solveMembrane', () => {
  it('reproduces a linear (harmonic) field from its boundary, coarse to fine', () => {
    const w = 120, h = 100;
    const known = new Float64Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const inside = x > 5 && x < w - 6 && y > 5 && y < h - 6;
      known[y * w + x] = inside ? NaN : 0.5 * x - 0.25 * y + 3;
    }
    const info = { levels: 0, iterations: 0, unknowns: 0 };
    const c = solveMembrane(known, w, h, { maxIterations: 200, tolerance: 1e-8 }, info);
    expect(info.levels).toBeGreaterThan(1);
    let err = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) err = Math.max(err, Math.abs(c[y * w + x]! - (0.5 * x - 0.25 * y + 3)));
    expect(err).toBeLessThan(0.01);
  });
});
