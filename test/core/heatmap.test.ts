import { describe, expect, it } from 'vitest';
import { inferno, lineWidthFor, maskOutline, renderHeatmap, renderPlanPreview } from '../../src/core/heatmap.js';
import { createEditMask, createRaster, type EditMask, type Raster } from '../../src/core/raster.js';

type Rgba = Raster & { channels: 4 };

function flat(w: number, h: number, v: number): Rgba {
  const r = createRaster(w, h, 4);
  r.data.fill(v);
  return r;
}
function square(w: number, h: number, x0: number, y0: number, size: number): EditMask {
  const m = createEditMask(w, h);
  for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) m.data[y * w + x] = 255;
  return m;
}
const px = (r: Rgba, x: number, y: number) => [...r.data.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4)];

describe('renderHeatmap', () => {
  const W = 40, H = 30;
  const original = flat(W, H, 200);
  const mask = square(W, H, 10, 10, 10);
  const change = createEditMask(W, H);
  change.data[2 * W + 2] = 200; // big change, outside the mask
  change.data[3 * W + 3] = 8; // at the threshold: not coloured

  const map = renderHeatmap(original, change, mask);

  it('is the original\'s size, opaque', () => {
    expect([map.width, map.height, map.channels]).toEqual([W, H, 4]);
    for (let i = 3; i < map.data.length; i += 4) expect(map.data[i]).toBe(255);
  });
  it('dims unchanged pixels to grey', () => {
    expect(px(map, 30, 25)).toEqual([90, 90, 90, 255]); // 200 · 0.45
    expect(px(map, 3, 3)).toEqual([90, 90, 90, 255]);
  });
  it('colours a change on the ramp', () => {
    // 200 is past the top of the ramp (96): the ramp's last colour, fully opaque.
    expect(px(map, 2, 2)).toEqual([...inferno(1), 255]);
  });
  it('outlines the mask in cyan, inside its edge only', () => {
    expect(px(map, 10, 15)).toEqual([0, 229, 255, 255]);
    expect(px(map, 9, 15)).toEqual([90, 90, 90, 255]);
    expect(px(map, 15, 15)).toEqual([90, 90, 90, 255]);
  });
});

describe('helpers', () => {
  it('inferno runs dark to light', () => {
    expect(inferno(0)).toEqual([0, 0, 4]);
    expect(inferno(1)).toEqual([252, 255, 164]);
    expect(inferno(2)).toEqual(inferno(1));
  });
  it.each([[100, 1], [1024, 2], [4096, 8]])('line width for a %i px image is %i', (side, w) => {
    expect(lineWidthFor({ width: side, height: side })).toBe(w);
  });
  it('an empty mask has no outline', () => {
    expect(maskOutline(createEditMask(5, 5), 1).every((v) => v === 0)).toBe(true);
  });
});

describe('renderPlanPreview', () => {
  it('keeps editable pixels bright, dims the rest and draws each crop box', () => {
    const img = flat(60, 40, 100);
    const mask = square(60, 40, 20, 15, 10);
    const out = renderPlanPreview(img, mask, [{ x: 5, y: 5, width: 40, height: 30 }]);
    expect(px(out, 25, 20)).toEqual([100, 100, 100, 255]); // the preview is opaque
    expect(px(out, 55, 38)).toEqual([45, 45, 45, 255]);
    expect(px(out, 5, 20)).toEqual([255, 214, 0, 255]); // box edge, first colour
    expect(px(out, 20, 20)).toEqual([0, 229, 255, 255]); // mask outline
  });
});
