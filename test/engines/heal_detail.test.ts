import { describe, expect, it } from 'vitest';
import { matchDetail } from '../../src/engines/_heal_detail.js';
import { rng } from '../_helpers/random.js';

// A 64×64 float RGBA level: grey noise (uniform ±40) everywhere, a 24×24 hole at (20, 20) whose pixels hold a
// softened copy of the noise (half each pixel, half its 3×3 mean: the blur a patch fill's vote leaves).
const W = 64, H = 64, X0 = 20, Y0 = 20, S = 24;
function level(seed = 9, alpha = 255) {
  const rand = rng(seed);
  const grey = new Float32Array(W * H);
  for (let i = 0; i < grey.length; i++) grey[i] = 128 + (rand() - 0.5) * 80;
  const hole = new Uint8Array(W * H);
  for (let y = Y0; y < Y0 + S; y++) for (let x = X0; x < X0 + S; x++) hole[y * W + x] = 1;
  const img = new Float32Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      let v = grey[i]!;
      if (hole[i]) { let m = 0; for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) m += grey[(y + dy) * W + x + dx]!; v = (v + m / 9) / 2; }
      img.set([v, v, v, alpha], i * 4);
    }
  }
  return { img, hole };
}
/** Median 3×3 gradient magnitude over hole pixels at least 3 px in, or the ring 3–12 px out. */
function medianGrad(img: Float32Array, inside: boolean): number {
  const g: number[] = [];
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      const d = Math.max(X0 - x, x - (X0 + S - 1), Y0 - y, y - (Y0 + S - 1));
      const depthIn = Math.min(x - X0, X0 + S - 1 - x, y - Y0, Y0 + S - 1 - y) + 1;
      if (inside ? !(d <= 0 && depthIn >= 3) : !(d >= 3 && d <= 12)) continue;
      const l = (dx: number, dy: number) => img[((y + dy) * W + x + dx) * 4]!;
      const gx = (l(1, -1) + l(1, 0) + l(1, 1) - l(-1, -1) - l(-1, 0) - l(-1, 1)) / 3;
      const gy = (l(-1, 1) + l(0, 1) + l(1, 1) - l(-1, -1) - l(0, -1) - l(1, -1)) / 3;
      g.push(Math.hypot(gx, gy));
    }
  }
  return g.sort((a, b) => a - b)[g.length >> 1]!;
}

describe('matchDetail (heal\'s detail matching)', () => {
  it('brings a softened fill up to the ring\'s median gradient (target 1) and changes nothing else', () => {
    const { img, hole } = level();
    const before = Float32Array.from(img);
    const ring = medianGrad(img, false);
    expect(medianGrad(img, true) / ring).toBeLessThan(0.75);
    const gain = matchDetail(img, hole, W, H, 1, 2);
    expect(gain).toBeGreaterThan(0);
    expect(gain).toBeLessThan(2);
    expect(medianGrad(img, true) / ring).toBeCloseTo(1, 2);
    for (let i = 0; i < W * H; i++) {
      const depth = hole[i] ? Math.min(i % W - X0, X0 + S - 1 - (i % W), Math.floor(i / W) - Y0, Y0 + S - 1 - Math.floor(i / W)) + 1 : 0;
      // Known pixels, the hole's first two rings (thick parts: the taper starts at depth 3) and alpha stay as they were.
      if (!hole[i] || depth <= 2) expect([img[i * 4], img[i * 4 + 1], img[i * 4 + 2]]).toEqual([before[i * 4], before[i * 4 + 1], before[i * 4 + 2]]);
      expect(img[i * 4 + 3]).toBe(255);
    }
  });

  it('follows the ring\'s texture, not its edges: a bright bar beside the hole barely moves the gain', () => {
    const plain = level(13), barred = level(13);
    // A 3 px white bar down the ring, 5–7 px left of the hole: strong edges on a few ring pixels.
    for (let y = 0; y < H; y++) for (let x = X0 - 7; x < X0 - 4; x++) barred.img.set([255, 255, 255], (y * W + x) * 4);
    const g0 = matchDetail(plain.img, plain.hole, W, H, 1, 2);
    const g1 = matchDetail(barred.img, barred.hole, W, H, 1, 2);
    expect(g0).toBeGreaterThan(0);
    expect(Math.abs(g1 - g0) / g0).toBeLessThan(0.25);
  });

  it('a thin part\'s taper starts one pixel nearer the border (depth 2 changes)', () => {
    const { img, hole } = level(11);
    const before = Float32Array.from(img);
    const thin = Uint8Array.from(hole);
    matchDetail(img, hole, W, H, 1, 2, thin);
    const at = (x: number, y: number) => (y * W + x) * 4;
    expect(img[at(X0, Y0 + 10)]).toBe(before[at(X0, Y0 + 10)]); // depth 1
    expect(img[at(X0 + 1, Y0 + 10)]).not.toBe(before[at(X0 + 1, Y0 + 10)]); // depth 2
  });

  it('half the target asks for a smaller gain; the gain stops at maxGain', () => {
    const a = level(), b = level(), c = level();
    const full = matchDetail(a.img, a.hole, W, H, 1, 2);
    const half = matchDetail(b.img, b.hole, W, H, 0.5, 2);
    expect(half).toBeLessThan(full);
    expect(matchDetail(c.img, c.hole, W, H, 1, 0.1)).toBe(0.1);
  });

  it('leaves a fill that is already as sharp alone (gain 0, same values), and does nothing with target 0 or a flat ring', () => {
    const { img, hole } = level();
    // The hole holds the noise itself: as sharp as its ring.
    const rand = rng(9);
    const sharp = Float32Array.from(img);
    for (let i = 0; i < W * H; i++) { const v = 128 + (rand() - 0.5) * 80; sharp.set([v, v, v], i * 4); }
    const copy = Float32Array.from(sharp);
    expect(matchDetail(sharp, hole, W, H, 1, 2)).toBe(0);
    expect(sharp).toEqual(copy);
    const before = Float32Array.from(img);
    expect(matchDetail(img, hole, W, H, 0, 2)).toBe(0);
    expect(img).toEqual(before);
    const flat = new Float32Array(W * H * 4).fill(100);
    expect(matchDetail(flat, hole, W, H, 1, 2)).toBe(0);
    expect(flat.every((v) => v === 100)).toBe(true);
  });
});
