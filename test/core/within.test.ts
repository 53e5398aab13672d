/**
 * The `within` hints (a box outside which a mask is zero): boundingBoxWithin, blendMaskFor, modelMaskFor and
 * stitch give the same bytes with and without the hint, on random masks drawn inside a random box (touching
 * the image's borders in some cases, empty in others), in buffers that do not start on a 4-byte boundary.
 */
import { describe, expect, it } from 'vitest';
import { boundingBox, type Box, type EditMask, type Raster } from '../../src/core/raster.js';
import { boundingBoxWithin, growBox, unionBox } from '../../src/core/crop.js';
import { blendMaskFor, modelMaskFor, stitch, type SeamMode } from '../../src/core/composite.js';
import { rng } from '../_helpers/random.js';

type Rgba = Raster & { channels: 4 };

const bytes = (n: number, shift: number) => new Uint8Array(new ArrayBuffer(n + shift + 3), shift, n);

interface Case { seed: number; w: number; h: number; within: Box; mask: EditMask; original: Rgba; result: Rgba }
const CASES: Case[] = Array.from({ length: 90 }, (_, seed) => {
  const rand = rng(seed * 104729 + 7);
  const w = 2 + Math.floor(rand() * 60), h = 2 + Math.floor(rand() * 60), shift = 1 + (seed % 3);
  const x = seed % 4 === 0 ? 0 : Math.floor(rand() * w), y = seed % 4 === 1 ? 0 : Math.floor(rand() * h);
  const within = { x, y, width: seed % 4 === 2 ? w - x : 1 + Math.floor(rand() * (w - x)), height: seed % 4 === 3 ? h - y : 1 + Math.floor(rand() * (h - y)) };
  const mask: EditMask = { width: w, height: h, channels: 1, data: bytes(w * h, shift) };
  const density = seed % 9 === 0 ? 0 : seed % 9 === 1 ? 1 : rand();
  const cx = within.x + rand() * within.width, cy = within.y + rand() * within.height, r = 1 + rand() * Math.max(within.width, within.height) / 2;
  for (let yy = within.y; yy < within.y + within.height; yy++) {
    for (let xx = within.x; xx < within.x + within.width; xx++) {
      const on = seed % 2 ? Math.hypot(xx - cx, yy - cy) <= r : rand() < density;
      if (on) mask.data[yy * w + xx] = 255;
    }
  }
  const image = (): Rgba => { const d = bytes(w * h * 4, shift); for (let i = 0; i < d.length; i++) d[i] = (i & 3) === 3 ? 255 : Math.floor(rand() * 256); return { width: w, height: h, channels: 4, data: d }; };
  return { seed, w, h, within, mask, original: image(), result: image() };
});

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

describe('within hints give the same bytes', () => {
  it.each(CASES.map((c) => [c.seed, c]))('case %i', (_, c) => {
    expect(boundingBoxWithin(c.mask, c.within)).toEqual(boundingBox(c.mask));
    for (const [feather, direction] of [[0, 'inward'], [4, 'inward'], [2.5, 'outward'], [6, 'outward']] as const) {
      const plain = blendMaskFor(c.mask, { feather, direction });
      const hinted = blendMaskFor(c.mask, { feather, direction, within: c.within });
      expect(hinted.box).toEqual(plain.box);
      expect(hinted.outwardBand).toBe(plain.outwardBand);
      expect(same(hinted.blend.data, plain.blend.data), `blend ${feather} ${direction}`).toBe(true);
      // The blend is zero outside its box.
      expect(plain.box ? boundingBoxWithin(plain.blend, plain.box) : null).toEqual(boundingBox(plain.blend));
      for (const grow of [0, 3, 8]) {
        expect(same(modelMaskFor(c.mask, { grow, within: c.within }).data, modelMaskFor(c.mask, { grow }).data), `model ${grow}`).toBe(true);
      }
      const modelMask = modelMaskFor(c.mask, { grow: 3 });
      const hint = plain.box ? unionBox(growBox(c.within, 4, c.mask), plain.box) : growBox(c.within, 4, c.mask);
      for (const seam of ['none', 'match', 'poisson'] as SeamMode[]) {
        const a = stitch(c.original, c.result, plain.blend, { seam, modelMask });
        const b = stitch(c.original, c.result, plain.blend, { seam, modelMask, within: hint });
        expect(same(a.data, b.data), `stitch ${seam} feather ${feather} ${direction}`).toBe(true);
      }
    }
  });
});
