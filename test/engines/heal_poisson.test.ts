import { describe, expect, it } from 'vitest';
import type { LevelArrays } from '../../src/engines/_patchmatch_kernel.js';
import { poissonReconstruct, POISSON_MAX_DIFF, sourceOfEachPixel } from '../../src/engines/_heal_poisson.js';

const W = 40, H = 60, R = 2;
/** The truth: a horizontal ramp, the same in R, G and B, opaque. */
const ramp = (x: number) => 50 + 3 * x;
const HOLE = { x0: 15, x1: 24, y0: 30, y1: 39 };
const SHIFT = 25;

/**
 * A level whose hole (HOLE) copies, coherently, the pixels SHIFT rows up, where the picture is `brighter` levels
 * brighter than the truth (rows 0–20): a fill with a tone step at its border.
 */
function level(brighter: number, edit?: (img: Float32Array) => void): { L: LevelArrays; truth: Float32Array } {
  const n = W * H;
  const img = new Float32Array(n * 4), truth = new Float32Array(n * 4);
  const hole = new Uint8Array(n), target = new Uint8Array(n), nnf = new Int32Array(n).fill(-1), dist = new Float32Array(n);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = y * W + x;
    const v = ramp(x) + (y <= 20 ? brighter : 0);
    for (let c = 0; c < 3; c++) { img[i * 4 + c] = v; truth[i * 4 + c] = ramp(x); }
    img[i * 4 + 3] = truth[i * 4 + 3] = 255;
  }
  edit?.(img);
  for (let y = HOLE.y0; y <= HOLE.y1; y++) for (let x = HOLE.x0; x <= HOLE.x1; x++) {
    const i = y * W + x;
    hole[i] = 1; target[i] = 1; nnf[i] = i - SHIFT * W;
    // The voted fill: the copy.
    for (let c = 0; c < 4; c++) img[i * 4 + c] = img[(i - SHIFT * W) * 4 + c]!;
  }
  return { L: { w: W, h: H, r: R, opaque: true, img, hole, valid: new Uint8Array(n), sources: new Int32Array(0), target, nnf, dist, weight: new Float32Array(n) }, truth };
}

function maxErrorInHole(L: LevelArrays, truth: Float32Array, columns?: [number, number]): number {
  let m = 0;
  for (let i = 0; i < L.hole.length; i++) {
    if (!L.hole[i]) continue;
    const x = i % W;
    if (columns && (x < columns[0] || x > columns[1])) continue;
    for (let c = 0; c < 4; c++) m = Math.max(m, Math.abs(L.img[i * 4 + c]! - truth[i * 4 + c]!));
  }
  return m;
}

describe('poissonReconstruct', () => {
  it('removes a tone step: a copy 20 levels too bright comes back to the truth, its gradients kept', () => {
    const { L, truth } = level(20);
    expect(maxErrorInHole(L, truth)).toBe(20);
    poissonReconstruct(L, POISSON_MAX_DIFF, 12);
    expect(maxErrorInHole(L, truth)).toBeLessThan(0.05);
  });

  it('gets within a level of the solution in the default three steps', () => {
    const { L, truth } = level(20);
    poissonReconstruct(L);
    expect(maxErrorInHole(L, truth)).toBeLessThan(1);
  });

  it('leaves a fill that already meets its border as it is', () => {
    const { L, truth } = level(0);
    poissonReconstruct(L);
    expect(maxErrorInHole(L, truth)).toBeLessThan(1e-3);
  });

  it('does not fix the fill to a known pixel that is an edge it does not continue (a white pole beside the hole)', () => {
    const pole = (img: Float32Array) => { for (let y = HOLE.y0; y <= HOLE.y1; y++) for (const x of [HOLE.x1 + 1]) for (let c = 0; c < 3; c++) img[(y * W + x) * 4 + c] = 255; };
    const kept = level(0, pole), fixed = level(0, pole);
    poissonReconstruct(kept.L, POISSON_MAX_DIFF, 12);
    poissonReconstruct(fixed.L, Infinity, 12);
    // Next to the pole, the fill stays the ramp; fixed to the pole, the white smears in.
    expect(maxErrorInHole(kept.L, kept.truth, [HOLE.x1 - 1, HOLE.x1])).toBeLessThan(0.05);
    expect(maxErrorInHole(fixed.L, fixed.truth, [HOLE.x1 - 1, HOLE.x1])).toBeGreaterThan(50);
  });

  it('keeps the voted value of a hole pixel with no usable link', () => {
    // A one-pixel hole whose four known neighbours all differ by more than maxDiff from what the fill predicts.
    const n = 9, img = new Float32Array(n * 4).fill(255), hole = new Uint8Array(n), target = new Uint8Array(n), nnf = new Int32Array(n).fill(-1);
    hole[4] = 1; target[4] = 1; nnf[4] = 0;
    for (let c = 0; c < 4; c++) img[c] = 10;
    for (let c = 0; c < 4; c++) img[16 + c] = 10;
    const L: LevelArrays = { w: 3, h: 3, r: 0, opaque: true, img, hole, valid: new Uint8Array(n), sources: new Int32Array(0), target, nnf, dist: new Float32Array(n), weight: new Float32Array(n) };
    poissonReconstruct(L);
    expect(Array.from(img.subarray(16, 20))).toEqual([10, 10, 10, 10]);
  });

  it('does nothing without a hole', () => {
    const { L } = level(0);
    L.hole.fill(0);
    const before = Float32Array.from(L.img);
    poissonReconstruct(L);
    expect(L.img).toEqual(before);
  });

  it('takes no large step past the edge of a source patch (the pixel there was never vetted)', () => {
    // Every hole pixel copies from the same source pixel s, which sits at the right edge of its 1×1 patch; the
    // pixel right of s is white. Its step (white − s) is not guidance: the fill stays flat, not a white ramp.
    const n = 7 * 3, img = new Float32Array(n * 4), hole = new Uint8Array(n), target = new Uint8Array(n), nnf = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) for (let c = 0; c < 4; c++) img[i * 4 + c] = 100;
    const s = 0 * 7 + 1;
    for (let c = 0; c < 4; c++) img[(s + 1) * 4 + c] = 255;
    for (const x of [2, 3, 4]) { const i = 2 * 7 + x; hole[i] = 1; target[i] = 1; nnf[i] = s; }
    const L: LevelArrays = { w: 7, h: 3, r: 0, opaque: true, img, hole, valid: new Uint8Array(n), sources: new Int32Array(0), target, nnf, dist: new Float32Array(n), weight: new Float32Array(n) };
    poissonReconstruct(L, POISSON_MAX_DIFF, 12);
    for (const x of [2, 3, 4]) expect(img[(2 * 7 + x) * 4]!).toBeCloseTo(100, 3);
  });
});

describe('poissonReconstruct between two sources', () => {
  it('takes the step between two hole pixels from the better-matched one, not the mean of both views', () => {
    // a = (3,2) copies sa = (1,0), whose right neighbour is 30 brighter: a's view of the step a→b is +30 (cost 1).
    // b = (4,2) copies sb = (6,0), flat around it: b's view is 0 (cost 5). Everything else is known and 100, so
    // each of a and b has three fixed links and f(b) − f(a) = 0.4·g: 12 with a's view, 6 with the mean.
    const w = 10, h = 5, n = w * h;
    const img = new Float32Array(n * 4).fill(100), hole = new Uint8Array(n), target = new Uint8Array(n), nnf = new Int32Array(n).fill(-1), dist = new Float32Array(n);
    for (let c = 0; c < 4; c++) img[2 * 4 + c] = 130;
    const a = 2 * w + 3, b = a + 1;
    hole[a] = hole[b] = 1; target[a] = target[b] = 1;
    nnf[a] = 1; dist[a] = 1;
    nnf[b] = 6; dist[b] = 5;
    // 1×1 patches: each pixel is covered by its own patch only (its steps are all small ones past that patch).
    const L: LevelArrays = { w, h, r: 0, opaque: true, img, hole, valid: new Uint8Array(n), sources: new Int32Array(0), target, nnf, dist, weight: new Float32Array(n) };
    poissonReconstruct(L, POISSON_MAX_DIFF, 12);
    expect(img[b * 4]! - img[a * 4]!).toBeCloseTo(12, 3);
  });
});

describe('sourceOfEachPixel', () => {
  it('takes each hole pixel from the covering patch of lowest distance, and says where in that patch it sits', () => {
    const w = 9, h = 5, n = w * h;
    const hole = new Uint8Array(n), target = new Uint8Array(n), nnf = new Int32Array(n).fill(-1), dist = new Float32Array(n);
    const q = 2 * w + 4;
    hole[q] = 1;
    // Two patches cover q: centred on q itself (distance 9) and on q + 1 (distance 4, the better).
    target[q] = 1; nnf[q] = 0 * w + 1; dist[q] = 9;
    target[q + 1] = 1; nnf[q + 1] = 3 * w + 6; dist[q + 1] = 4;
    const { src, cost, at } = sourceOfEachPixel({ w, h, r: 1, opaque: true, img: new Float32Array(n * 4), hole, valid: new Uint8Array(n), sources: new Int32Array(0), target, nnf, dist, weight: new Float32Array(n) });
    // q is one left of the patch centred on q + 1: it copies one left of that patch's source.
    expect(src[q]).toBe(3 * w + 5);
    expect(cost[q]).toBe(4);
    expect(at[q]).toBe((1 << 4) | 0);
    expect(src[q + 1]).toBe(-1);
  });
});
