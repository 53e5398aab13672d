/**
 * The selection benchmark's cases (bench/select.bench.ts): objects with a known outline pasted on real photos
 * upscaled to 12 MP, plus OpenCV's alpha-matting plant; the click each gets; side-by-side PNGs.
 */
import sharp from 'sharp';
import { join } from 'node:path';
import { createEditMask, type EditMask, type Raster } from '../src/core/raster.js';
import type { Selection } from '../src/core/select.js';
import { squaredDistanceTo } from '../src/core/morphology.js';
import { rng } from '../src/engines/_patchmatch_kernel.js';
import { photoPath } from './_photos.js';

export type Rgba = Raster & { channels: 4 };
export const W = 4000, H = 3000;
export const BACKGROUNDS = ['skimage/coffee.png', 'skimage/chelsea.png', 'opencv/home.jpg', 'skimage/motorcycle_left.png', 'opencv/aero1.jpg', 'skimage/rocket.jpg'];
export const OBJECTS = ['opencv/fruits.jpg', 'skimage/astronaut.png', 'opencv/baboon.jpg', 'skimage/brick.png', 'opencv/HappyFish.jpg', 'skimage/coffee.png'];

export async function load(path: string, width: number, height: number): Promise<Rgba> {
  const { data, info } = await sharp(path).removeAlpha().toColourspace('srgb').resize(width, height, { fit: 'cover' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 4, data: new Uint8Array(data) };
}

/** A seeded blob (a circle with low harmonics on its radius), `size` px across, as a mask. */
export function blob(size: number, seed: number): EditMask {
  const r = rng(seed);
  const m = createEditMask(size, size);
  const harmonics = [1, 2, 3, 5].map((k) => ({ k, a: (r() - 0.5) * (0.5 / k), p: r() * Math.PI * 2 }));
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - c, dy = y + 0.5 - c;
      const t = Math.atan2(dy, dx);
      let rad = 0.36;
      for (const h of harmonics) rad += h.a * 0.36 * Math.cos(h.k * t + h.p);
      if (Math.hypot(dx, dy) < rad * size) m.data[y * size + x] = 255;
    }
  }
  return m;
}

export interface Case { name: string; image: Rgba; truth: EditMask }

export async function pastedCase(i: number): Promise<Case> {
  const bg = await load(photoPath(BACKGROUNDS[i]!), W, H);
  const size = 900 + ((i * 311) % 700);
  const obj = await load(photoPath(OBJECTS[i]!), size, size);
  const shape = blob(size, 17 + i);
  const r = rng(99 + i);
  const ox = Math.floor(200 + r() * (W - size - 400)), oy = Math.floor(150 + r() * (H - size - 300));
  const truth = createEditMask(W, H);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!shape.data[y * size + x]) continue;
      const d = ((oy + y) * W + ox + x) * 4, s = (y * size + x) * 4;
      bg.data[d] = obj.data[s]!; bg.data[d + 1] = obj.data[s + 1]!; bg.data[d + 2] = obj.data[s + 2]!;
      truth.data[(oy + y) * W + ox + x] = 255;
    }
  }
  return { name: `${OBJECTS[i]!.split('/')[1]!.replace(/\..*/, '')} on ${BACKGROUNDS[i]!.split('/')[1]!.replace(/\..*/, '')}`, image: bg, truth };
}

export async function plantCase(): Promise<Case> {
  const root = photoPath('opencv/fruits.jpg').replace(/data\/fruits\.jpg$/, 'alphamat/');
  const image = await load(join(root, 'input_images/plant.jpg'), W, H);
  const { data } = await sharp(join(root, 'output_mattes/plant_result.png')).resize(W, H, { fit: 'cover' }).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  const truth = createEditMask(W, H);
  for (let i = 0; i < truth.data.length; i++) truth.data[i] = data[i]! >= 128 ? 255 : 0;
  return { name: 'plant (alphamat sample)', image, truth };
}

export function innermost(m: EditMask): { x: number; y: number } {
  const d = squaredDistanceTo(m, (v) => v === 0);
  let best = 0, bi = 0;
  for (let i = 0; i < d.length; i++) if (m.data[i] && d[i]! > best) { best = d[i]!; bi = i; }
  return { x: bi % m.width, y: Math.floor(bi / m.width) };
}

export async function sideBySide(c: Case, sel: Selection, got: EditMask, file: string): Promise<void> {
  const scale = 0.2;
  const w = Math.round(W * scale), h = Math.round(H * scale);
  const photo = await sharp(c.image.data, { raw: { width: W, height: H, channels: 4 } }).resize(w, h).raw().toBuffer();
  const tint = (m: EditMask, rgb: [number, number, number]) => sharp(m.data, { raw: { width: W, height: H, channels: 1 } }).resize(w, h).toColourspace('b-w').raw().toBuffer().then((mm) => {
    const out = Buffer.from(photo);
    for (let i = 0; i < w * h; i++) if (mm[i]! >= 128) for (let k = 0; k < 3; k++) out[i * 4 + k] = Math.round(out[i * 4 + k]! * 0.45 + rgb[k]! * 0.55);
    return out;
  });
  const marked = Buffer.from(photo);
  const put = (x: number, y: number) => { if (x >= 0 && y >= 0 && x < w && y < h) { const j = (y * w + x) * 4; marked[j] = 255; marked[j + 1] = 40; marked[j + 2] = 40; } };
  if (sel.kind === 'box') {
    const b = sel.box;
    const x0 = Math.round(b.x * scale), y0 = Math.round(b.y * scale), x1 = Math.round((b.x + b.width) * scale), y1 = Math.round((b.y + b.height) * scale);
    for (let t = 0; t < 3; t++) { for (let x = x0; x <= x1; x++) { put(x, y0 + t); put(x, y1 - t); } for (let y = y0; y <= y1; y++) { put(x0 + t, y); put(x1 - t, y); } }
  } else {
    for (let dy = -6; dy <= 6; dy++) for (let dx = -6; dx <= 6; dx++) if (dx * dx + dy * dy <= 36) put(Math.round(sel.x * scale) + dx, Math.round(sel.y * scale) + dy);
  }
  const [truth, mine] = await Promise.all([tint(c.truth, [40, 200, 60]), tint(got, [40, 120, 255])]);
  await sharp({ create: { width: w * 3 + 20, height: h, channels: 4, background: '#fff' } })
    .composite([{ input: marked, raw: { width: w, height: h, channels: 4 }, left: 0, top: 0 }, { input: truth, raw: { width: w, height: h, channels: 4 }, left: w + 10, top: 0 }, { input: mine, raw: { width: w, height: h, channels: 4 }, left: 2 * w + 20, top: 0 }])
    .png().toFile(file);
}

