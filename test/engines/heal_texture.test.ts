import { describe, expect, it } from 'vitest';
import { textureToAlpha } from '../../src/engines/_heal_texture.js';

/** A w×h RGBA float image of grey levels v(x, y), alpha 255. */
function grey(w: number, h: number, v: (x: number, y: number) => number): Float32Array {
  const img = new Float32Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.set([v(x, y), v(x, y), v(x, y), 255], (y * w + x) * 4);
  return img;
}
const ch3 = (img: Float32Array, w: number, x: number, y: number) => img[(y * w + x) * 4 + 3]!;

describe('textureToAlpha', () => {
  it('is 0 on a flat image', () => {
    const w = 8, h = 6, img = grey(w, h, () => 90);
    textureToAlpha(img, new Uint8Array(w * h), w, h, 1, 1);
    for (let i = 0; i < w * h; i++) expect(img[i * 4 + 3]).toBe(0);
  });

  it('is the mean central-difference gradient over the window, times scale', () => {
    // A vertical step of 100 levels between columns 3 and 4: the gradient is 50 at columns 3 and 4, 0 elsewhere.
    const w = 10, h = 7, img = grey(w, h, (x) => (x >= 4 ? 100 : 0));
    textureToAlpha(img, new Uint8Array(w * h), w, h, 1, 2);
    // Row 3, column 4: the window holds columns 3–5 of rows 2–4, all with gradients (50, 50, 0): mean 100/3.
    expect(ch3(img, w, 4, 3)).toBeCloseTo((2 * 100) / 3, 4);
    // Column 2: columns 1–3 hold (0, 0, 50): mean 50/3.
    expect(ch3(img, w, 2, 3)).toBeCloseTo((2 * 50) / 3, 4);
    // Column 7: no gradient within a pixel.
    expect(ch3(img, w, 7, 3)).toBe(0);
    // Row 0 lies on the frame: its window holds rows 0–1, of which only row 1 has gradients (the frame has none).
    expect(ch3(img, w, 4, 0)).toBeCloseTo((2 * 100) / 3, 4);
  });

  it('leaves hole pixels alone and counts no gradient that reads a hole pixel', () => {
    const w = 9, h = 5, img = grey(w, h, (x) => (x >= 4 ? 100 : 0));
    const hole = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) { hole[y * w + 4] = 1; img[(y * w + 4) * 4 + 3] = -7; }
    textureToAlpha(img, hole, w, h, 1, 1);
    for (let y = 0; y < h; y++) expect(ch3(img, w, 4, y)).toBe(-7);
    // Columns 3 and 5 read the hole for their x gradient: no gradient anywhere is left, so every window is 0.
    for (let y = 0; y < h; y++) for (const x of [0, 2, 3, 5, 6, 8]) expect(ch3(img, w, x, y)).toBe(0);
  });
});
