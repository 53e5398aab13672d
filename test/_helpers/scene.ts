/**
 * A small photo-like scene with objects of known outline, for the smart-selection tests: a noisy olive
 * background, a red disc and a blue square. Seeded, so every run sees the same pixels.
 */
import { createEditMask, createRaster, type EditMask, type Raster } from '../../src/core/raster.js';
import { rng } from '../../src/engines/_patchmatch_kernel.js';

export interface Scene {
  image: Raster & { channels: 4 };
  disc: EditMask;
  square: EditMask;
}

/** `disc`: centre (cx, cy), radius r; `square`: [sx, sx + s) × [sy, sy + s). */
export function scene(W: number, H: number, o: { cx: number; cy: number; r: number; sx: number; sy: number; s: number }, seed = 3): Scene {
  const image = createRaster(W, H, 4);
  const disc = createEditMask(W, H), square = createEditMask(W, H);
  const r = rng(seed);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = y * W + x, n = r() * 40;
    let c = [90 + n + 20 * Math.sin(x / 29), 110 + n, 60 + n / 2];
    if ((x + 0.5 - o.cx) ** 2 + (y + 0.5 - o.cy) ** 2 < o.r ** 2) { c = [210 + r() * 30, 40 + r() * 30, 50]; disc.data[i] = 255; }
    if (x >= o.sx && x < o.sx + o.s && y >= o.sy && y < o.sy + o.s) { c = [40, 60 + r() * 20, 210 + r() * 30]; square.data[i] = 255; }
    image.data.set([c[0]!, c[1]!, c[2]!, 255], i * 4);
  }
  return { image, disc, square };
}
