import { describe, expect, it } from 'vitest';
import { blendMaskFor, DEFAULT_FEATHER, modelMaskFor, stitch, type SeamMode } from '../../src/core/composite.js';
import { crop, paste } from '../../src/core/crop.js';
import { applyOrientation } from '../../src/core/maskops.js';
import { dilate } from '../../src/core/morphology.js';
import { kernelFor, resize } from '../../src/core/resize.js';
import { countNonZero, createEditMask, createRaster, type Box, type EditMask, type Raster } from '../../src/core/raster.js';
import { rng } from '../_helpers/random.js';

type Rgba = Raster & { channels: 4 };

function randomImage(w: number, h: number, rand: () => number, opaque = false): Rgba {
  const r = createRaster(w, h, 4);
  for (let i = 0; i < r.data.length; i++) r.data[i] = opaque && i % 4 === 3 ? 255 : Math.floor(rand() * 256);
  return r;
}
function randomMask(w: number, h: number, rand: () => number): EditMask {
  const m = createEditMask(w, h);
  const kind = rand();
  if (kind < 0.05) return m; // empty
  if (kind < 0.1) return { ...m, data: m.data.fill(255) }; // everything editable
  const boxes = 1 + Math.floor(rand() * 3);
  for (let b = 0; b < boxes; b++) {
    // Boxes often touch the border: start at 0 or run to the edge.
    const x0 = rand() < 0.3 ? 0 : Math.floor(rand() * w), y0 = rand() < 0.3 ? 0 : Math.floor(rand() * h);
    const x1 = rand() < 0.3 ? w : Math.min(w, x0 + 1 + Math.floor(rand() * w)), y1 = rand() < 0.3 ? h : Math.min(h, y0 + 1 + Math.floor(rand() * h));
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m.data[y * w + x] = 255;
  }
  for (let i = 0; i < w * h; i++) if (rand() < 0.02) m.data[i] = 255; // specks
  return m;
}
function randomBox(w: number, h: number, rand: () => number): Box {
  const x = Math.floor(rand() * w), y = Math.floor(rand() * h);
  return { x, y, width: 1 + Math.floor(rand() * (w - x)), height: 1 + Math.floor(rand() * (h - y)) };
}

describe('stitch: the bit-exact guarantee', () => {
  it('property: wherever the blend is 0 the output is the original byte for byte (400 random cases)', () => {
    const rand = rng(7);
    const seams: SeamMode[] = ['none', 'match', 'poisson'];
    for (let k = 0; k < 400; k++) {
      const sw = 1 + Math.floor(rand() * 40), sh = 1 + Math.floor(rand() * 40);
      const orientation = 1 + Math.floor(rand() * 8);
      // Inputs arrive in displayed orientation: rotate the stored pixels the way decodeImage would.
      const original = applyOrientation(randomImage(sw, sh, rand), orientation);
      const mask = applyOrientation(randomMask(sw, sh, rand), orientation);
      const { width: w, height: h } = original;
      // The model answers at any size; sometimes it only covers a crop of the original.
      const box = rand() < 0.3 ? randomBox(w, h, rand) : undefined;
      const target = box ?? { width: w, height: h };
      const raw = randomImage(1 + Math.floor(rand() * 50), 1 + Math.floor(rand() * 50), rand, rand() < 0.5);
      const fitted = resize(raw, target.width, target.height, kernelFor(raw, target));
      const result = box ? paste({ ...original, data: new Uint8Array(original.data) }, fitted, box.x, box.y) : fitted;
      let blendOn = mask;
      if (box) blendOn = paste(createEditMask(w, h), crop(mask, box), box.x, box.y);
      const direction = rand() < 0.25 ? 'outward' as const : 'inward' as const;
      const feather = Math.floor(rand() * 6);
      const { blend, outwardBand } = blendMaskFor(blendOn, { feather, direction });
      const seam = seams[k % 3]!;
      const out = stitch(original, result, blend, { seam, ...(box ? { resultBox: box } : {}) });
      const where = `case ${k}: ${w}x${h} orientation ${orientation} seam ${seam} feather ${feather} ${direction}`;
      let outside = 0, band = 0;
      for (let i = 0; i < w * h; i++) {
        if (blendOn.data[i] === 0 && blend.data[i] !== 0) band++;
        if (blend.data[i] !== 0) continue;
        outside++;
        for (let c = 0; c < 4; c++) {
          if (out.data[i * 4 + c] !== original.data[i * 4 + c]) expect.fail(`${where}: pixel ${i} channel ${c} changed`);
        }
      }
      expect(outwardBand, where).toBe(band);
      // Inward feathering never reaches outside the mask.
      expect(direction === 'inward' ? band : 0, where).toBe(0);
      expect(outside, where).toBe(w * h - countNonZero(blend));
    }
  });

  it('with seam none and a hard edge the editable pixels are exactly the result', () => {
    const rand = rng(3);
    const o = randomImage(20, 10, rand), r = randomImage(20, 10, rand);
    const mask = randomMask(20, 10, rand);
    const out = stitch(o, r, blendMaskFor(mask, { feather: 0 }).blend, { seam: 'none' });
    for (let i = 0; i < 200; i++) {
      const src = mask.data[i] ? r : o;
      expect([...out.data.subarray(i * 4, i * 4 + 4)]).toEqual([...src.data.subarray(i * 4, i * 4 + 4)]);
    }
  });

  it('refuses images of different sizes with STITCH_SIZE_MISMATCH', () => {
    const o = createRaster(4, 4, 4);
    expect(() => stitch(o, createRaster(2, 2, 4), createEditMask(4, 4))).toThrow(expect.objectContaining({
      code: 'STITCH_SIZE_MISMATCH',
      message: 'stitch needs the original, the result and the blend mask at one size; received 4x4, 2x2 and 4x4',
    }));
  });

  it('an empty blend returns a copy of the original', () => {
    const o = randomImage(3, 3, rng(1));
    const out = stitch(o, randomImage(3, 3, rng(2)), createEditMask(3, 3));
    expect(out.data).toEqual(o.data);
    expect(out.data).not.toBe(o.data);
  });
});

describe('blendMaskFor', () => {
  const mask = createEditMask(30, 30);
  for (let y = 10; y < 20; y++) for (let x = 10; x < 20; x++) mask.data[y * 30 + x] = 255;

  it(`feathers inward by ${DEFAULT_FEATHER} px by default: zero outside, full at the centre, ramping at the edge`, () => {
    const { blend, outwardBand } = blendMaskFor(mask);
    expect(outwardBand).toBe(0);
    expect([...blend.data].filter((v, i) => !mask.data[i] && v !== 0)).toEqual([]);
    expect(blend.data[15 * 30 + 15]).toBe(255);
    expect(blend.data[15 * 30 + 10]).toBe(Math.round(255 / (DEFAULT_FEATHER + 1)));
  });

  it('feathers outward on request and counts the band', () => {
    const { blend, outwardBand } = blendMaskFor(mask, { feather: 2, direction: 'outward' });
    expect([...blend.data].filter((v, i) => mask.data[i] && v !== 255)).toEqual([]);
    // Every pixel within 2 px (Euclidean) outside the 10x10 square: dilate(2) minus the square.
    expect(outwardBand).toBe(countNonZero(dilate(mask, 2)) - 100);
    expect(blend.data[15 * 30 + 9]).toBe(Math.round(255 * (1 - 1 / 3)));
    expect(blend.data[15 * 30 + 7]).toBe(0);
  });

  it('feather 0 is the binary mask', () => {
    expect(blendMaskFor(mask, { feather: 0 }).blend.data).toEqual(mask.data);
  });

  it('rejects a negative feather', () => {
    expect(() => blendMaskFor(mask, { feather: -1 })).toThrow('feather must be a number >= 0, received -1');
  });
});

describe('modelMaskFor', () => {
  it('grows the mask for context and equals a full-image dilation', () => {
    const m = createEditMask(40, 30);
    m.data[5 * 40 + 3] = 255;
    m.data[20 * 40 + 30] = 255;
    expect(modelMaskFor(m, { grow: 5 }).data).toEqual(dilate(m, 5).data);
    expect(countNonZero(modelMaskFor(m))).toBeGreaterThan(2);
    expect(countNonZero(modelMaskFor(createEditMask(4, 4)))).toBe(0);
  });
});
