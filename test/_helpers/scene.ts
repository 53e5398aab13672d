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

/**
 * A plant-like repeated texture: `count` thin ellipses in greens ("leaves", overlapping into one connected
 * mass) over noisy brown soil, `W`×`H`; `leaves` marks where a leaf was drawn. Seeded.
 */
export function leafy(W: number, H: number, count: number, seed = 11): { image: Raster & { channels: 4 }; leaves: EditMask } {
  const image = createRaster(W, H, 4);
  const leaves = createEditMask(W, H);
  const r = rng(seed);
  for (let i = 0; i < W * H; i++) { const n = r() * 20; image.data.set([70 + n, 50 + n, 40 + n, 255], i * 4); }
  for (let k = 0; k < count; k++) {
    const cx = r() * W, cy = r() * H, a = r() * Math.PI, L = 14 + r() * 10, T = 3 + r() * 2;
    const g = [60 + r() * 60, 150 + r() * 70, 30 + r() * 30];
    for (let y = Math.max(0, Math.floor(cy - L)); y < Math.min(H, cy + L); y++) for (let x = Math.max(0, Math.floor(cx - L)); x < Math.min(W, cx + L); x++) {
      const dx = x - cx, dy = y - cy, u = dx * Math.cos(a) + dy * Math.sin(a), v = -dx * Math.sin(a) + dy * Math.cos(a);
      if ((u / L) ** 2 + (v / T) ** 2 <= 1) { const n = r() * 16; image.data.set([g[0]! + n, g[1]! + n, g[2]! + n, 255], (y * W + x) * 4); leaves.data[y * W + x] = 255; }
    }
  }
  return { image, leaves };
}
