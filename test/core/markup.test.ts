import { describe, expect, it } from 'vitest';
import { diagnoseMarkup, drawMarkup, MARKUP_COLOR } from '../../src/core/markup.js';
import { createEditMask, createRaster } from '../../src/core/raster.js';

function boxMask(w: number, h: number, b: { x: number; y: number; width: number; height: number }) {
  const m = createEditMask(w, h);
  for (let y = b.y; y < b.y + b.height; y++) m.data.fill(255, y * w + b.x, y * w + b.x + b.width);
  return m;
}
const alphaAt = (r: { width: number; data: Uint8Array | Uint8ClampedArray }, x: number, y: number) => r.data[(y * r.width + x) * 4 + 3];

describe('drawMarkup', () => {
  const mask = boxMask(512, 384, { x: 100, y: 80, width: 120, height: 90 });
  const m = drawMarkup(mask, { thickness: 3 });

  it('is an RGBA overlay of the mask\'s size, transparent where nothing is marked', () => {
    expect([m.width, m.height, m.channels]).toEqual([512, 384, 4]);
    expect(alphaAt(m, 160, 125)).toBe(0); // inside the region
    expect(alphaAt(m, 5, 380)).toBe(0); // far corner
  });

  it('outlines the region with the marker colour', () => {
    for (const [x, y] of [[100, 125], [219, 125], [160, 80], [160, 169]] as const) {
      const i = (y * 512 + x) * 4;
      expect([...m.data.slice(i, i + 4)]).toEqual([...MARKUP_COLOR, 255]);
    }
  });

  it('draws a pointer outside the region\'s box, aimed at it', () => {
    // The region is in the top-left quarter: the arrow comes from the bottom-right, towards the box's corner.
    let outside = 0;
    for (let y = 0; y < 384; y++) for (let x = 0; x < 512; x++) {
      const inBox = x >= 97 && x < 223 && y >= 77 && y < 173;
      if (!inBox && alphaAt(m, x, y)! > 0) outside++;
    }
    expect(outside).toBeGreaterThan(100);
    // The tip stops a few pixels short of the region (aimed at its centre, from the bottom-right).
    expect(alphaAt(m, 224, 174)).toBe(255);
  });

  it('an empty mask draws nothing', () => {
    expect(drawMarkup(createEditMask(64, 64)).data.every((v) => v === 0)).toBe(true);
  });
});

describe('diagnoseMarkup', () => {
  const mask = boxMask(200, 100, { x: 20, y: 20, width: 30, height: 30 });
  const overlay = (fill: (x: number, y: number) => number, w = 200, h = 100) => {
    const r = createRaster(w, h, 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) r.data[(y * w + x) * 4 + 3] = fill(x, y);
    return r;
  };
  it.each([
    ['good: an outline at the mask', { width: 200, height: 100, format: 'png', hasAlpha: true }, overlay((x, y) => (x === 20 && y >= 20 && y < 50 ? 255 : 0)), []],
    ['wrong size', { width: 100, height: 50, format: 'png', hasAlpha: true }, undefined, ['MARKUP_SIZE_MISMATCH']],
    ['no alpha', { width: 200, height: 100, format: 'png', hasAlpha: false }, undefined, ['MARKUP_NO_ALPHA']],
    ['jpeg', { width: 200, height: 100, format: 'jpeg', hasAlpha: false }, undefined, ['MARKUP_NOT_PNG', 'MARKUP_NO_ALPHA']],
    ['fully transparent', { width: 200, height: 100, format: 'png', hasAlpha: true }, overlay(() => 0), ['MARKUP_EMPTY']],
    ['fully opaque', { width: 200, height: 100, format: 'png', hasAlpha: true }, overlay(() => 255), ['MARKUP_OPAQUE']],
    ['covers most of the picture', { width: 200, height: 100, format: 'png', hasAlpha: true }, overlay((x) => (x < 150 ? 128 : 0)), ['MARKUP_COVERS_IMAGE']],
    ['marks far from the mask', { width: 200, height: 100, format: 'png', hasAlpha: true }, overlay((x, y) => (x > 190 && y > 90 ? 255 : 0)), ['MARKUP_AWAY_FROM_MASK']],
  ] as const)('%s → %j', (_n, facts, raster, codes) => {
    expect(diagnoseMarkup(facts, { width: 200, height: 100 }, raster, mask).map((p) => p.code)).toEqual(codes);
  });
  it('names expected vs received, with a fix', () => {
    expect(diagnoseMarkup({ width: 100, height: 50, format: 'png', hasAlpha: true }, { width: 200, height: 100 }, undefined, undefined, 'arrow.png')[0]).toEqual({
      code: 'MARKUP_SIZE_MISMATCH', severity: 'error',
      message: 'arrow.png is 100x50 but the image is 200x100; OpenAI wants an overlay of the first image\'s size',
      fix: 'redraw it at 200x100 (or resize it with the same aspect), or use --markup auto',
    });
  });
});
