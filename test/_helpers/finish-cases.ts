/**
 * Inputs and a stand-in model for tests of the finish stage: a textured PNG with round holes in its mask, and a
 * "model" that redraws every pixel it is sent (a cast) and paints the masked area green.
 */
import sharp from 'sharp';
import { cloneRaster } from '../../src/core/raster.js';
import { resize } from '../../src/core/resize.js';
import type { EditOptions } from '../../src/pipeline/edit.js';
import type { Provider } from '../../src/providers/provider.js';

export const cast: Provider = {
  name: 'openai', surface: 'images',
  async edit(req) {
    const [w, h] = (req.size ?? `${req.image.width}x${req.image.height}`).split('x').map(Number) as [number, number];
    const out = cloneRaster(resize(req.image, w, h, 'bilinear'));
    const m = resize(req.mask, w, h, 'nearest');
    for (let i = 0; i < out.data.length; i += 4) {
      out.data[i] = Math.min(255, out.data[i]! + 9);
      if (m.data[i >> 2]) out.data.set([20, 200, 40, 255], i);
    }
    return { images: Array.from({ length: req.n ?? 1 }, () => cloneRaster(out)) };
  },
};

export interface Shape { w: number; h: number; holes: { cx: number; cy: number; r: number }[] }

export async function holeInputs({ w, h, holes }: Shape): Promise<{ image: Uint8Array; mask: Uint8Array }> {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set([(x * 7 + y) & 255, (y * 5) & 255, (x ^ y) & 255], (y * w + x) * 3);
  const alpha = Buffer.alloc(w * h * 4, 255);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (holes.some((o) => (x - o.cx) ** 2 + (y - o.cy) ** 2 <= o.r * o.r)) alpha[(y * w + x) * 4 + 3] = 0;
  return {
    image: await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer(),
    mask: await sharp(alpha, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer(),
  };
}

/** One crop, two outputs, an outward feather, separate crops, a mask at the edge; with the options each needs. */
export const FINISH_CASES: [string, Shape, Partial<EditOptions>][] = [
  ['one crop, match seam', { w: 640, h: 480, holes: [{ cx: 400, cy: 200, r: 60 }] }, {}],
  ['one crop, two outputs, poisson seam', { w: 500, h: 400, holes: [{ cx: 120, cy: 300, r: 40 }] }, { n: 2, seam: 'poisson' }],
  ['one crop, outward feather, no seam', { w: 480, h: 480, holes: [{ cx: 240, cy: 240, r: 50 }] }, { featherOutward: 6, seam: 'none' }],
  ['two separate crops', { w: 1600, h: 900, holes: [{ cx: 150, cy: 150, r: 40 }, { cx: 1450, cy: 760, r: 45 }] }, { regions: 'separate' }],
  ['a mask at the image edge', { w: 400, h: 300, holes: [{ cx: 0, cy: 299, r: 70 }] }, { feather: 2 }],
];
