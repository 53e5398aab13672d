import { afterAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/core/progress.js';
import { defaultRing, healEngine } from '../../src/engines/heal.js';
import { farCost, rng, type LevelArrays } from '../../src/engines/_patchmatch_kernel.js';
import { closeHelpers } from '../../src/engines/_patchmatch_pool.js';
import { engineContract } from './engine.case.js';
import { changedOutside, disc, holeError, mask, paintHole, rgba, type Rgba } from './_images.js';
import { readFileSync } from 'node:fs';
import { decodeImage } from '../../src/io/image.js';
import { readEditMask } from '../../src/io/mask.js';

engineContract('heal', async () => healEngine);
afterAll(closeHelpers);

/** Grey noise-free texture (diagonal waves) with a bright green square just right of a hole at (30, 32). */
const GREEN = [20, 230, 40] as const;
const scene = () => rgba(80, 64, (x, y) => (x >= 42 && x < 54 && y >= 26 && y < 38 ? [...GREEN] : [Math.round(110 + 20 * Math.sin((x + y) * 0.5)), Math.round(110 + 20 * Math.sin((x + y) * 0.5)), 120]));
const green = (img: { data: ArrayLike<number> }, m: { data: ArrayLike<number> }) => Array.from({ length: m.data.length }, (_, i) => i).filter((i) => m.data[i] && img.data[i * 4 + 1]! > 180 && img.data[i * 4]! < 80).length;

describe('heal sampling', () => {
  it('never copies from an excluded area', async () => {
    const img = scene();
    const m = mask(80, 64, disc(30, 32, 10));
    const exclude = mask(80, 64, (x, y) => x >= 40 && x < 56 && y >= 24 && y < 40);
    const out = await healEngine.fill(paintHole(img, m), m, { seed: 1, exclude });
    expect(changedOutside(out, paintHole(img, m), m)).toEqual([]);
    expect(green(out, m)).toBe(0);
  });

  it('copies from an added area when the ring is excluded', async () => {
    // Left half grey, right half blue; the hole sits in the grey half, the ring is forbidden, blue is allowed.
    const img = rgba(96, 48, (x) => (x < 48 ? [128, 128, 128] : [30, 60, 200]));
    const m = mask(96, 48, disc(20, 24, 6));
    const exclude = mask(96, 48, (x) => x < 48);
    const sampleFrom = mask(96, 48, (x) => x >= 60);
    const out = await healEngine.fill(img, m, { seed: 2, exclude, sampleFrom, seams: false });
    // Without a gradient blend the fill is pure copied blue.
    const blue = [...m.data.keys()].filter((i) => m.data[i] && out.data[i * 4 + 2] === 200 && out.data[i * 4] === 30).length;
    expect(blue).toBe([...m.data].filter(Boolean).length);
  });

  it('rebuilds a thin stroke across stripes from its own row neighbours (thin path)', async () => {
    // Vertical stripes of period 6; a 1-pixel horizontal scratch: the truth continues every stripe.
    const img = rgba(64, 40, (x) => (x % 6 < 3 ? [40, 40, 40] : [210, 210, 210]));
    const m = mask(64, 40, (_x, y) => y === 20);
    const out = await healEngine.fill(paintHole(img, m), m, { seed: 3 });
    expect(holeError(out, img, m)).toBeLessThan(3);
  });

  it('reports progress for both the object and the thin parts, ending at 1', async () => {
    const img = scene();
    const m = mask(80, 64, (x, y) => disc(20, 20, 9)(x, y) || (y === 50 && x > 10 && x < 70));
    const events: ProgressEvent[] = [];
    await healEngine.fill(img, m, { seed: 1 }, undefined, (e) => events.push(e));
    expect(events.some((e) => e.message?.startsWith('object:'))).toBe(true);
    expect(events.some((e) => e.message?.startsWith('thin parts:'))).toBe(true);
    expect(events[events.length - 1]!.fraction).toBe(1);
    const fractions = events.map((e) => e.fraction!);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });

  it('gives the same bytes with a helper thread as without', async () => {
    const img = scene();
    const m = mask(80, 64, disc(30, 32, 12));
    const a = await healEngine.fill(img, m, { seed: 9, workers: 0 });
    const b = await healEngine.fill(img, m, { seed: 9, workers: 1 });
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });
});

describe('heal on a very large hole', () => {
  it('copies the carried-up matches on a finest level of over 150,000 targets: a smooth gradient comes back within a few levels', async () => {
    // A 700×560 vertical gradient with a 440×400 hole (176,000 pixels): the finest level is not searched, each
    // hole pixel copies its match's pixel, and the gradient-domain step joins the blocks to the border.
    const img = rgba(700, 560, (_x, y) => [40 + Math.round(y / 4), 90, 200 - Math.round(y / 4)]);
    const m = mask(700, 560, (x, y) => x >= 130 && x < 570 && y >= 80 && y < 480);
    const holed = paintHole(img, m);
    const a = await healEngine.fill(holed, m, { seed: 4 });
    expect(changedOutside(a, holed, m)).toEqual([]);
    expect(holeError(a, img, m)).toBeLessThan(3);
    const b = await healEngine.fill(holed, m, { seed: 4 });
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });
});

describe('heal texture feature', () => {
  // Left of x = 60 grey noise (uniform ±40: neighbours differ by 26.7 levels on average), right of it flat grey of
  // the same mean; a 20×20 hole in the noise whose ring reaches the flat side. By colour alone the flat patches
  // match the hole's smooth first estimate better; with the texture feature the noisy border asks for noise.
  const W = 120, H = 80;
  const noise = (): Rgba => {
    const rand = rng(5);
    const data = new Uint8Array(W * H * 4);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) { const v = x < 60 ? Math.round(128 + (rand() - 0.5) * 80) : 128; data.set([v, v, v, 255], (y * W + x) * 4); }
    return { width: W, height: H, channels: 4, data };
  };
  const hole = mask(W, H, (x, y) => x >= 38 && x < 58 && y >= 30 && y < 50);
  /** Mean |horizontal step| between hole pixels. */
  const roughness = (img: Rgba) => {
    let s = 0, k = 0;
    for (let y = 30; y < 50; y++) for (let x = 38; x < 57; x++) { const i = (y * W + x) * 4; s += Math.abs(img.data[i + 4]! - img.data[i]!); k++; }
    return s / k;
  };

  it('fills a hole in noise with noise (texture 4, the default) where colour alone fills it flat (texture 0)', async () => {
    const img = noise();
    // Detail matching off in both: this is the search's own choice of sources.
    const withFeature = await healEngine.fill(img, hole, { seed: 3, detail: 0 });
    const colourOnly = await healEngine.fill(img, hole, { seed: 3, texture: 0, detail: 0 });
    expect(roughness(withFeature)).toBeGreaterThan(20);
    expect(roughness(colourOnly)).toBeLessThan(10);
    expect(changedOutside(img, withFeature, hole)).toEqual([]);
    expect(withFeature.data.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
  });
});

describe('heal detail matching', () => {
  it('sharpens the bundled photo\'s fill (the demo: a mast against a dusk sky) and touches nothing outside the mask', async () => {
    const photo = await decodeImage(readFileSync('examples/rocket.png'));
    const img = photo.raster as Rgba;
    const { mask: hole } = await readEditMask('examples/rocket-mask.png');
    const W = img.width;
    // Mean |horizontal step| over hole pixels whose right neighbour is in the hole too.
    const rough = (o: Rgba) => { let s = 0, k = 0; for (let i = 0; i < hole.data.length - 1; i++) if (hole.data[i] && hole.data[i + 1] && (i + 1) % W) { s += Math.abs(o.data[i * 4 + 4]! - o.data[i * 4]!) + Math.abs(o.data[i * 4 + 6]! - o.data[i * 4 + 2]!); k++; } return s / k; };
    const off = await healEngine.fill(img, hole, { seed: 2, detail: 0 });
    const on = await healEngine.fill(img, hole, { seed: 2 });
    expect(rough(on)).toBeGreaterThan(rough(off));
    expect(changedOutside(img, on, hole)).toEqual([]);
    expect(changedOutside(off, on, hole)).toEqual([]);
  });

  it('is skipped for a hole over 150,000 pixels (its finest level copies full-resolution pixels)', async () => {
    const W = 420, H = 400, rand = rng(9);
    const data = new Uint8Array(W * H * 4);
    for (let i = 0; i < W * H; i++) { const v = Math.round(128 + (rand() - 0.5) * 60); data.set([v, v, v, 255], i * 4); }
    const img: Rgba = { width: W, height: H, channels: 4, data };
    const hole = mask(W, H, (x, y) => x >= 10 && x < 410 && y >= 10 && y < 390); // 152,000 pixels
    const off = await healEngine.fill(img, hole, { seed: 2, detail: 0 });
    const on = await healEngine.fill(img, hole, { seed: 2 });
    expect(Buffer.from(on.data).equals(Buffer.from(off.data))).toBe(true);
  }, 60_000);
});

describe('heal structure continuation', () => {
  // A dark pole 6 px wide (columns 77–82) crossing a sky-like gradient, and a disc-shaped hole of radius 40 over
  // its middle: the pole enters the hole at the top and leaves it at the bottom.
  const W = 160, R = 40, C = 80, X0 = 77, P = 6;
  const sky = () => rgba(W, W, (x, y) => (x >= X0 && x < X0 + P ? [40, 30, 20] : [Math.round(40 + y * 0.4 + 3 * Math.sin(x * 1.7 + y)), Math.round(70 + y * 0.3), 160]));
  const m = mask(W, W, disc(C, C, R));
  /** Per hole row (every other one, from the disc's top to its bottom): dark pixels in the pole's columns, dark pixels elsewhere. */
  const darkRows = (out: Rgba) => {
    const rows: [number, number][] = [];
    for (let y = C - R + 2; y <= C + R - 2; y += 2) {
      let inPole = 0, elsewhere = 0;
      for (let x = 0; x < W; x++) if (m.data[y * W + x] && out.data[(y * W + x) * 4 + 2]! < 100) { if (x >= X0 && x < X0 + P) inPole++; else elsewhere++; }
      rows.push([inPole, elsewhere]);
    }
    return rows;
  };

  it('continues a pole across the hole; without it the fill cuts the pole', async () => {
    const on = await healEngine.fill(paintHole(sky(), m), m, { seed: 1 });
    expect(changedOutside(on, paintHole(sky(), m), m)).toEqual([]);
    expect(darkRows(on)).toEqual(Array.from({ length: R - 1 }, () => [P, 0]));
    const off = darkRows(await healEngine.fill(paintHole(sky(), m), m, { seed: 1, structure: false }));
    // Without it the pole stops a few rows into the hole: the middle half of the hole has no dark pixel at all.
    expect(off.slice(R / 4, (3 * R) / 4)).toEqual(Array.from({ length: R / 2 }, () => [0, 0]));
  }, 60_000);
});

describe('heal options', () => {
  it.each([
    ['patchSize', 8, 'heal option patchSize must be odd, received 8'],
    ['patchSize', 17, 'heal option patchSize must be an integer from 3 to 15, received 17'],
    ['ring', 0, 'heal option ring must be an integer from 1 to 65536, received 0'],
    ['farPenalty', -1, 'heal option farPenalty must be a number from 0 to 1000000, received -1'],
    ['thinWidth', 'x', 'heal option thinWidth must be a number from 0 to 64, received "x"'],
    ['emIterations', 0, 'heal option emIterations must be an integer from 1 to 100, received 0'],
    ['sharpness', 0, 'heal option sharpness must be a number from 0.01 to 1000000, received 0'],
    ['rareColours', 2, 'heal option rareColours must be a number from 0 to 1, received 2'],
    ['texture', -1, 'heal option texture must be a number from 0 to 100, received -1'],
    ['detail', 2.5, 'heal option detail must be a number from 0 to 2, received 2.5'],
    ['seams', 'yes', 'heal option seams must be true or false, received "yes"'],
    ['structure', 1, 'heal option structure must be true or false, received 1'],
    ['workers', 17, 'heal option workers must be an integer from 0 to 16, received 17'],
  ])('refuses %s = %j', async (key, value, message) => {
    await expect(healEngine.fill(scene(), mask(80, 64, disc(30, 32, 5)), { [key]: value })).rejects.toThrow(new RangeError(message));
  });

  it.each([
    ['exclude', 'MASK_SIZE_MISMATCH', mask(10, 10, () => false), 'exclude mask is 10x10 but image is 80x64'],
    ['sampleFrom', 'MASK_SIZE_MISMATCH', mask(80, 10, () => false), 'sampleFrom mask is 80x10 but image is 80x64'],
    ['exclude', 'MASK_NOT_SINGLE_CHANNEL', scene(), 'heal option exclude must be a one-channel mask (EditMask), received 4 channel(s)'],
  ])('refuses a bad %s mask with %s', async (key, code, value, message) => {
    await expect(healEngine.fill(scene(), mask(80, 64, disc(30, 32, 5)), { [key]: value })).rejects.toMatchObject({ code, message });
  });

  it.each([
    [0, 3, 20],
    [10, 3, 30],
    [100, 3, 120],
    [500, 3, 256],
    [0, 1, 16],
  ])('defaultRing(depth %i, radius %i) = %i', (depth, r, ring) => {
    expect(defaultRing(depth, r)).toBe(ring);
  });
});

describe('farCost', () => {
  const L = (far?: number) => ({ w: 10, far } as unknown as LevelArrays);
  it.each([
    [undefined, 0, 99, 0],
    [0, 0, 99, 0],
    [2, 0, 3, 18],
    [2, 11, 0, 4],
    [0.5, 0, 22, 4],
  ])('far %j between %i and %i costs %d', (far, p, s, cost) => {
    expect(farCost(L(far), p, s)).toBe(cost);
  });
});
