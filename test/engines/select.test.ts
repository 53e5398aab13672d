import { describe, expect, it } from 'vitest';
import { boundingBox, countNonZero, createEditMask, createRaster, type EditMask } from '../../src/core/raster.js';
import { iou } from '../../src/core/select.js';
import { selectObjects } from '../../src/engines/select.js';
import { rng } from '../../src/engines/_patchmatch_kernel.js';
import { leafy } from '../_helpers/scene.js';

/** A 800x600 photo-like scene: a noisy green-brown background with two objects of their own colours. */
function scene() {
  const W = 800, H = 600;
  const img = createRaster(W, H, 4);
  const r = rng(7);
  const disc = createEditMask(W, H), square = createEditMask(W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = y * W + x;
    const n = r() * 40;
    let c = [90 + n + 30 * Math.sin(x / 37), 110 + n, 60 + n * 0.5];
    if ((x - 260) ** 2 + (y - 300) ** 2 < 150 ** 2) { c = [200 + r() * 30, 40 + r() * 30, 50 + r() * 20]; disc.data[i] = 255; }
    if (x >= 560 && x < 700 && y >= 100 && y < 220) { c = [40 + r() * 20, 60 + r() * 20, 200 + r() * 40]; square.data[i] = 255; }
    img.data.set([c[0]!, c[1]!, c[2]!, 255], i * 4);
  }
  return { img, disc, square };
}
const { img, disc, square } = scene();
const union = (a: EditMask, b: EditMask) => { const m = createEditMask(a.width, a.height); for (let i = 0; i < m.data.length; i++) m.data[i] = a.data[i] || b.data[i] ? 255 : 0; return m; };

describe('selectObjects (GrabCut + full-resolution edge)', () => {
  it('a box around the disc selects the disc', async () => {
    const { mask, parts } = await selectObjects(img, [{ kind: 'box', box: { x: 100, y: 140, width: 320, height: 320 } }]);
    expect(iou(mask, disc)).toBeGreaterThan(0.99);
    expect(parts.map((p) => [p.box, p.pixels])).toEqual([[{ x: 100, y: 140, width: 320, height: 320 }, countNonZero(mask)]]);
  }, 60_000);
  it('a click on the disc selects the disc, and only it', async () => {
    const { mask, parts } = await selectObjects(img, [{ kind: 'point', x: 250, y: 310 }]);
    expect(iou(mask, disc)).toBeGreaterThan(0.99);
    expect(parts[0]!.fallback).toBe(false);
  }, 60_000);
  it('several selections add up', async () => {
    const { mask, parts } = await selectObjects(img, [{ kind: 'point', x: 250, y: 310 }, { kind: 'box', box: { x: 540, y: 80, width: 180, height: 160 } }]);
    expect(iou(mask, union(disc, square))).toBeGreaterThan(0.99);
    expect(parts.length).toBe(2);
  }, 60_000);
  it('the full-resolution refinement is closer to the true edge than the upscaled work-resolution edge', async () => {
    const sel = [{ kind: 'box' as const, box: { x: 100, y: 140, width: 320, height: 320 } }];
    const [refined, coarse] = [await selectObjects(img, sel), await selectObjects(img, sel, { refine: false })];
    expect(iou(refined.mask, disc)).toBeGreaterThan(iou(coarse.mask, disc));
  }, 60_000);
  it('a click on one colour of a two-coloured object selects the whole object: its ring is only probably background', async () => {
    // A disc, red on the left half and blue on the right, on the noisy background: the seed grows over the red half
    // only, so the seed box misses the blue half; GrabCut may grow into the ring around the box.
    const two = createRaster(800, 600, 4);
    two.data.set(img.data);
    const half = createEditMask(800, 600);
    for (let y = 0; y < 600; y++) for (let x = 0; x < 800; x++) {
      if ((x - 600) ** 2 + (y - 420) ** 2 >= 100 ** 2) continue; // clear of the scene's disc and square
      two.data.set(x < 600 ? [210, 40, 50, 255] : [40, 60, 210, 255], (y * 800 + x) * 4);
      half.data[y * 800 + x] = 255;
    }
    const { mask, parts } = await selectObjects(two, [{ kind: 'point', x: 560, y: 420 }]);
    expect(parts[0]!.box.x + parts[0]!.box.width).toBeLessThan(700); // the seed box ends before the disc's right edge
    expect(parts[0]).toMatchObject({ fallback: false, texture: false, pixels: countNonZero(half) });
    expect(iou(mask, half)).toBe(1);
  }, 60_000);
  it('a click on a repeated texture (leaves over soil, plant-like) selects the part under the click, not the texture everywhere', async () => {
    const W = 640, H = 480;
    const { image: leafyImage, leaves } = leafy(W, H, 1800);
    expect(leaves.data[240 * W + 320]).toBe(255); // the click is on a leaf
    const { mask, parts } = await selectObjects(leafyImage, [{ kind: 'point', x: 320, y: 240 }]);
    expect(parts[0]).toMatchObject({ box: { x: 280, y: 220, width: 64, height: 78 }, fallback: false, texture: true, pixels: 406 });
    expect(mask.data[240 * W + 320]).toBe(255);
    expect(boundingBox(mask)).toEqual({ x: 315, y: 225, width: 19, height: 48 }); // inside the seed box
    expect(countNonZero(mask) / countNonZero(leaves)).toBeLessThan(0.01);
  }, 60_000);
  it('a selection outside the picture is SELECT_OUTSIDE before any work', async () => {
    await expect(selectObjects(img, [{ kind: 'point', x: 800, y: 10 }])).rejects.toMatchObject({ code: 'SELECT_OUTSIDE', message: '--select point:800,10 lies outside the 800x600 image' });
  });
  it('an aborted signal stops it', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(selectObjects(img, [{ kind: 'point', x: 250, y: 310 }], { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
