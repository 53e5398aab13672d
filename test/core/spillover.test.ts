import { describe, expect, it } from 'vitest';
import { patchMeter, spillover, spilloverInBoxes, spilloverOfMeters, spilloverOfPatches, verdictFor, DEFAULT_THRESHOLD, type SpilloverReport } from '../../src/core/spillover.js';
import { cloneRaster, createEditMask, createRaster, type EditMask, type Raster } from '../../src/core/raster.js';
import { rng } from '../_helpers/random.js';

type Rgba = Raster & { channels: 4 };

function texture(width: number, height: number, seed = 1): Rgba {
  const r = createRaster(width, height, 4);
  const rand = rng(seed);
  for (let i = 0; i < r.data.length; i++) r.data[i] = i % 4 === 3 ? 255 : 40 + Math.floor(rand() * 170);
  return r;
}
function boxMask(width: number, height: number, x0: number, y0: number, w: number, h: number): EditMask {
  const m = createEditMask(width, height);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) m.data[y * width + x] = 255;
  return m;
}
const copy = (r: Rgba): Rgba => ({ ...r, data: new Uint8Array(r.data) });

describe('spillover', () => {
  const W = 64, H = 48;
  const mask = boxMask(W, H, 16, 12, 20, 16); // 320 inside, 2752 outside

  it('an identical result is local with perfect figures', () => {
    const o = texture(W, H);
    const r = spillover(o, copy(o), mask);
    expect(r.verdict).toBe('local');
    expect(r.resized).toBe(false);
    expect(r.outside).toEqual({ pixels: 2752, changedPixels: 0, changedFraction: 0, meanAbsDiff: 0, psnr: Infinity, ssim: 1 });
    expect(r.inside.pixels).toBe(320);
    expect(r.changeMap.data.every((v) => v === 0)).toBe(true);
  });

  it.each([1, 37, 500])('changing exactly %i outside pixels by 20 counts exactly those', (n) => {
    const o = texture(W, H, 3);
    const res = copy(o);
    const rand = rng(n);
    const chosen = new Set<number>();
    while (chosen.size < n) {
      const i = Math.floor(rand() * W * H);
      if (mask.data[i] === 0) chosen.add(i);
    }
    for (const i of chosen) res.data[i * 4 + (i % 3)] = o.data[i * 4 + (i % 3)]! + 20;
    const r = spillover(o, res, mask);
    expect(r.outside.changedPixels).toBe(n);
    expect(r.outside.changedFraction).toBeCloseTo(n / 2752, 12);
    expect(r.outside.meanAbsDiff).toBeCloseTo((n * 20) / (2752 * 3), 12);
    expect(r.outside.psnr).toBeCloseTo(10 * Math.log10((255 * 255) / ((n * 400) / (2752 * 3))), 9);
    expect(r.inside.changedPixels).toBe(0);
    for (const i of chosen) expect(r.changeMap.data[i]).toBe(20);
  });

  it('a uniform shift of 10 on RGB has PSNR 20·log10(255/10) and the SSIM of its luminance term', () => {
    const o = createRaster(W, H, 4);
    o.data.fill(100);
    const res = createRaster(W, H, 4);
    res.data.fill(110);
    for (let i = 3; i < o.data.length; i += 4) o.data[i] = res.data[i] = 255;
    const r = spillover(o, res, mask);
    expect(r.outside.psnr).toBeCloseTo(20 * Math.log10(25.5), 10);
    expect(r.inside.psnr).toBeCloseTo(28.1308, 4);
    expect(r.outside.meanAbsDiff).toBe(10);
    const c1 = (0.01 * 255) ** 2;
    expect(r.outside.ssim).toBeCloseTo((2 * 100 * 110 + c1) / (100 * 100 + 110 * 110 + c1), 10);
    expect(r.verdict).toBe('rewritten');
  });

  it(`counts a change only above the threshold (${DEFAULT_THRESHOLD} by default, or as given)`, () => {
    const o = texture(W, H, 5);
    const res = copy(o);
    res.data[0] = o.data[0]! + 8; // pixel 0: 8, not changed
    res.data[4] = o.data[4]! + 9; // pixel 1: 9, changed
    expect(spillover(o, res, mask).outside.changedPixels).toBe(1);
    expect(spillover(o, res, mask, { threshold: 0 }).outside.changedPixels).toBe(2);
    expect(spillover(o, res, mask, { threshold: 9 }).outside.changedPixels).toBe(0);
  });

  it('an alpha change counts as changed but not in the colour figures', () => {
    const o = texture(W, H, 6);
    const res = copy(o);
    res.data[3] = 0;
    const r = spillover(o, res, mask);
    expect(r.outside.changedPixels).toBe(1);
    expect(r.outside.meanAbsDiff).toBe(0);
    expect(r.changeMap.data[0]).toBe(255);
  });

  it('maps a result of another size back and says so', () => {
    const o = createRaster(W, H, 4);
    o.data.fill(90);
    const small = createRaster(W / 2, H / 2, 4);
    small.data.fill(90);
    const r = spillover(o, small, mask);
    expect(r.resized).toEqual({ from: { width: 32, height: 24 }, to: { width: 64, height: 48 } });
    expect(r.outside.changedPixels).toBe(0);
  });

  it('refuses a mask of another size with MASK_SIZE_MISMATCH', () => {
    const o = texture(W, H);
    expect(() => spillover(o, o, createEditMask(10, 10))).toThrow(expect.objectContaining({ code: 'MASK_SIZE_MISMATCH', message: 'mask is 10x10 but the original is 64x48' }));
  });

  it('measures images smaller than one SSIM window and regions holding no window centre', () => {
    const o = texture(5, 3, 8);
    const m = boxMask(5, 3, 0, 0, 1, 1);
    expect(spillover(o, copy(o), m).inside.ssim).toBe(1);
    const big = texture(W, H, 9);
    const speck = boxMask(W, H, 1, 1, 1, 1); // no window centre falls on (1, 1)
    const res = copy(big);
    for (let i = 0; i < res.data.length; i++) if (i % 4 !== 3) res.data[i] = 255 - res.data[i]!;
    const r = spillover(big, res, speck);
    expect(r.inside.pixels).toBe(1);
    expect(r.inside.ssim).toBeLessThan(0.5);
  });

  it('property: counts and the change map agree with a brute-force count (150 random cases)', () => {
    const rand = rng(2024);
    for (let k = 0; k < 150; k++) {
      const w = 1 + Math.floor(rand() * 50), h = 1 + Math.floor(rand() * 50);
      const o = texture(w, h, k + 1);
      const res = copy(o);
      const m = createEditMask(w, h);
      for (let i = 0; i < w * h; i++) {
        if (rand() < 0.3) m.data[i] = 255;
        if (rand() < 0.4) res.data[i * 4 + Math.floor(rand() * 4)] = Math.floor(rand() * 256);
      }
      const t = Math.floor(rand() * 30);
      const r = spillover(o, res, m, { threshold: t });
      let inside = 0, outside = 0, changedIn = 0, changedOut = 0;
      const map = new Uint8Array(w * h);
      for (let i = 0; i < w * h; i++) {
        let d = 0;
        for (let c = 0; c < 4; c++) d = Math.max(d, Math.abs(o.data[i * 4 + c]! - res.data[i * 4 + c]!));
        map[i] = d;
        if (m.data[i]) { inside++; if (d > t) changedIn++; } else { outside++; if (d > t) changedOut++; }
      }
      expect(r.changeMap.data).toEqual(map);
      expect([r.inside.pixels, r.outside.pixels, r.inside.changedPixels, r.outside.changedPixels]).toEqual([inside, outside, changedIn, changedOut]);
      expect(r.verdict).toBe(verdictFor(r.outside.changedFraction));
      for (const s of [r.inside.ssim, r.outside.ssim]) expect(s).toBeLessThanOrEqual(1 + 1e-12);
    }
  });
});

describe('verdictFor', () => {
  it.each([
    [0, 'local'], [0.005, 'local'], [0.0051, 'spilled'], [0.2499, 'spilled'], [0.25, 'rewritten'], [0.516, 'rewritten'],
  ])('%f of kept pixels changed → %s', (f, v) => {
    expect(verdictFor(f)).toBe(v);
  });
});

describe('spilloverInBoxes', () => {
  it('matches the whole-image report when the result differs only inside the boxes', () => {
    const w = 240, h = 160;
    const original = createRaster(w, h, 4);
    let s = 99;
    const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < original.data.length; i++) original.data[i] = i % 4 === 3 ? 255 : Math.floor(rnd() * 256);
    const mask = createEditMask(w, h);
    for (let y = 40; y < 70; y++) for (let x = 30; x < 60; x++) mask.data[y * w + x] = 255;
    for (let y = 100; y < 130; y++) for (let x = 170; x < 200; x++) mask.data[y * w + x] = 255;
    const boxes = [{ x: 12, y: 24, width: 68, height: 60 }, { x: 150, y: 88, width: 80, height: 60 }];
    const result = cloneRaster(original);
    for (const b of boxes) for (let y = b.y; y < b.y + b.height; y++) for (let x = b.x; x < b.x + b.width; x++) {
      const o = (y * w + x) * 4;
      const inMask = mask.data[y * w + x] !== 0;
      for (let c = 0; c < 3; c++) result.data[o + c] = Math.min(255, original.data[o + c]! + (inMask ? 90 : Math.floor(rnd() * 14)));
    }
    const full = spillover(original, result, mask);
    const { report, boxes: parts } = spilloverInBoxes(original, result, mask, boxes);
    expect(parts).toHaveLength(2);
    for (const k of ['outside', 'inside'] as const) {
      expect(report[k].pixels).toBe(full[k].pixels);
      expect(report[k].changedPixels).toBe(full[k].changedPixels);
      expect(report[k].meanAbsDiff).toBeCloseTo(full[k].meanAbsDiff, 9);
      expect(report[k].psnr).toBeCloseTo(full[k].psnr, 9);
      expect(Math.abs(report[k].ssim - full[k].ssim)).toBeLessThan(0.02);
    }
    expect(report.verdict).toBe(full.verdict);
    expect(Buffer.from(report.changeMap.data).equals(Buffer.from(full.changeMap.data))).toBe(true);
  });

  it('falls back to the whole image when boxes overlap', () => {
    const original = createRaster(20, 20, 4);
    const mask = createEditMask(20, 20);
    mask.data[0] = 255;
    const { report } = spilloverInBoxes(original, original, mask, [{ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 5, width: 10, height: 10 }]);
    expect(report.outside.pixels).toBe(399);
    expect(report.outside.changedPixels).toBe(0);
  });
});

describe('spilloverOfPatches', () => {
  const w = 120, h = 80;
  const original = texture(w, h, 4);
  const mask = boxMask(w, h, 20, 10, 30, 20);
  for (let y = 50; y < 70; y++) for (let x = 80; x < 100; x++) mask.data[y * w + x] = 255;
  const boxes = [{ x: 12, y: 4, width: 48, height: 36 }, { x: 74, y: 44, width: 36, height: 32 }];
  const patchOf = (b: { x: number; y: number; width: number; height: number }, seed: number): Rgba => {
    const p = texture(b.width, b.height, seed);
    // Half of the patch keeps the original's pixels: identical cells next to changed ones.
    for (let y = 0; y < b.height; y++) for (let x = 0; x < b.width / 2; x++) p.data.set(original.data.subarray(((b.y + y) * w + b.x + x) * 4, ((b.y + y) * w + b.x + x) * 4 + 4), (y * b.width + x) * 4);
    return p;
  };
  const patches = boxes.map((box, i) => ({ box, patch: patchOf(box, 10 + i) }));

  it('equals spilloverInBoxes over the original with the patches pasted in, box by box and merged', () => {
    const pasted = cloneRaster(original);
    for (const { box, patch } of patches) for (let y = 0; y < box.height; y++) pasted.data.set(patch.data.subarray(y * box.width * 4, (y + 1) * box.width * 4), ((box.y + y) * w + box.x) * 4);
    const want = spilloverInBoxes(original, pasted, mask, boxes);
    const got = spilloverOfPatches(original, mask, patches);
    expect(got.boxes.map((b) => ({ ...b, changeMap: Array.from(b.changeMap.data) }))).toEqual(want.boxes.map((b) => ({ ...b, changeMap: Array.from(b.changeMap.data) })));
    expect({ ...got.report, changeMap: 0 }).toEqual({ ...want.report, changeMap: 0 });
    expect(Buffer.from(got.report.changeMap.data).equals(Buffer.from(want.report.changeMap.data))).toBe(true);
    expect(got.report.outside.changedPixels).toBeGreaterThan(0);
  });

  it('maskInBoxes: the same report from the boxes\' own count when the mask lies inside them, a wrong one otherwise', () => {
    const got = spilloverOfPatches(original, mask, patches, { maskInBoxes: true });
    const want = spilloverOfPatches(original, mask, patches);
    expect({ ...got.report, changeMap: 0 }).toEqual({ ...want.report, changeMap: 0 });
    expect(got.report.inside.pixels).toBe(30 * 20 + 20 * 20);
    // An editable pixel outside every box is not counted: the promise is the caller's.
    const stray = cloneRaster(mask);
    stray.data[0] = 255;
    expect(spilloverOfPatches(original, stray, patches).report.inside.pixels).toBe(1001);
    expect(spilloverOfPatches(original, stray, patches, { maskInBoxes: true }).report.inside.pixels).toBe(1000);
  });

  it('refuses overlapping boxes and a patch of another size than its box (RangeError)', () => {
    expect(() => spilloverOfPatches(original, mask, [patches[0]!, { box: { ...boxes[0]!, x: 20 }, patch: patches[0]!.patch }])).toThrow(RangeError);
    expect(() => spilloverOfPatches(original, mask, [{ box: boxes[1]!, patch: patches[0]!.patch }])).toThrow('patch is 48x36 but its box is 36x32');
  });
});

describe('patchMeter (a patch measured band by band as it arrives)', () => {
  const w = 90, h = 70;
  const original = texture(w, h, 21);
  const mask = boxMask(w, h, 15, 12, 30, 25);
  // Neither side a multiple of 4: the right columns and bottom rows past the last whole cell are in play.
  const box = { x: 7, y: 5, width: 51, height: 43 };
  const patch = texture(box.width, box.height, 22);
  // A third of the patch keeps the original's pixels: identical cells beside changed ones.
  for (let y = 0; y < box.height; y++) for (let x = 0; x < 17; x++) patch.data.set(original.data.subarray(((box.y + y) * w + box.x + x) * 4, ((box.y + y) * w + box.x + x) * 4 + 4), (y * box.width + x) * 4);
  const plain = (r: SpilloverReport) => ({ ...r, changeMap: Array.from(r.changeMap.data) });
  const fed = (b: typeof box, p: Rgba, bands: number[]) => {
    const meter = patchMeter(original, mask, b);
    let y0 = 0;
    for (const end of bands) {
      // Each band is handed over as its own buffer, starting at its first row.
      meter.rows(p.data.slice(y0 * b.width * 4, end * b.width * 4), y0, end - y0);
      y0 = end;
    }
    return spilloverOfMeters(original, mask, [meter]);
  };

  for (const bands of [[43], [8, 20, 43], [4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 43], [40, 43]]) {
    it(`bands ending at ${bands.join(', ')}: the same report and change map as one pass`, () => {
      const want = spilloverOfPatches(original, mask, [{ box, patch }]);
      const got = fed(box, patch, bands);
      expect(plain(got.report)).toEqual(plain(want.report));
      expect(got.boxes.map(plain)).toEqual(want.boxes.map(plain));
      expect(got.report.outside.changedPixels).toBeGreaterThan(0);
      expect(got.report.inside.changedPixels).toBeGreaterThan(0);
    });
  }

  it('a region smaller than one SSIM window (6×5) in two bands: the same as one pass', () => {
    const tiny = { x: 20, y: 20, width: 6, height: 5 };
    const p = texture(6, 5, 23);
    expect(plain(fed(tiny, p, [4, 5]).report)).toEqual(plain(spilloverOfPatches(original, mask, [{ box: tiny, patch: p }]).report));
  });

  it('refuses bands out of order, a band that does not end on a multiple of 4 before the last, and a report before every row', () => {
    const m1 = patchMeter(original, mask, box);
    expect(() => m1.rows(patch.data, 4, 4)).toThrow('spillover rows 4–8 out of order (expected 0 up to a multiple of 4 or 43)');
    expect(() => m1.rows(patch.data, 0, 6)).toThrow('spillover rows 0–6 out of order (expected 0 up to a multiple of 4 or 43)');
    m1.rows(patch.data, 0, 8);
    expect(() => m1.report()).toThrow('spillover has rows up to 8 of 43');
    expect(() => patchMeter(original, mask, { x: 60, y: 40, width: 40, height: 40 })).toThrow('crop box 60,40,40,40 is not inside the 90x70 raster');
  });

  it('spilloverOfMeters refuses overlapping boxes; counts the whole mask unless maskInBoxes', () => {
    const a = patchMeter(original, mask, box), b = patchMeter(original, mask, { ...box, x: 20 });
    expect(() => spilloverOfMeters(original, mask, [a, b])).toThrow('spilloverOfMeters needs boxes that do not overlap');
    const stray = cloneRaster(mask);
    stray.data[(h - 1) * w + w - 1] = 255;
    const m = patchMeter(original, stray, box);
    m.rows(patch.data, 0, box.height);
    expect(spilloverOfMeters(original, stray, [m]).report.inside.pixels).toBe(30 * 25 + 1);
    expect(spilloverOfMeters(original, stray, [m], { maskInBoxes: true }).report.inside.pixels).toBe(30 * 25);
  });
});

describe('spillover fast path for identical pixels', () => {
  /** The same pixels in a buffer that is not 4-byte aligned, which disables the 32-bit comparison. */
  function unaligned(r: Rgba): Rgba {
    const data = new Uint8Array(new ArrayBuffer(r.data.length + 1), 1, r.data.length);
    data.set(r.data);
    return { ...r, data };
  }

  it('gives exactly the figures of the pixel-by-pixel path on a mostly identical result', () => {
    const w = 203, h = 97;
    const original = texture(w, h, 5);
    const mask = boxMask(w, h, 40, 20, 50, 30);
    const result = cloneRaster(original);
    const rand = rng(9);
    for (let n = 0; n < 400; n++) {
      const i = Math.floor(rand() * w * h) * 4 + Math.floor(rand() * 4);
      result.data[i] = (result.data[i]! + 1 + Math.floor(rand() * 60)) & 255;
    }
    const fast = spillover(original, result, mask);
    const slow = spillover(unaligned(original), unaligned(result), mask);
    expect(fast.outside).toEqual(slow.outside);
    expect(fast.inside).toEqual(slow.inside);
    expect(Buffer.from(fast.changeMap.data).equals(Buffer.from(slow.changeMap.data))).toBe(true);
    expect(fast.outside.ssim).toBeLessThan(1);
  });
});
