import { describe, expect, it } from 'vitest';
import { FLAT_RING, MAX_GAIN_FLAT, MAX_GAIN_TEXTURED, matchDetail } from '../../src/engines/_heal_detail.js';
import { rng } from '../_helpers/random.js';

// A 64×64 float RGBA level: grey noise (uniform ±amp) everywhere, a 24×24 hole at (20, 20) whose pixels hold a
// softened copy of the noise (`keep` of each pixel, the rest its 3×3 mean: the blur a patch fill's vote leaves).
// ±40 is a textured ring (median gradient about 22 levels), ±3 a flat one (about 1.7).
const W = 64, H = 64, X0 = 20, Y0 = 20, S = 24;
const TEXTURED = 40, FLAT = 3;
function level(seed = 9, amp = TEXTURED, keep = 0.5, alpha = 255) {
  const rand = rng(seed);
  const grey = new Float32Array(W * H);
  for (let i = 0; i < grey.length; i++) grey[i] = 128 + (rand() - 0.5) * 2 * amp;
  const hole = new Uint8Array(W * H);
  for (let y = Y0; y < Y0 + S; y++) for (let x = X0; x < X0 + S; x++) hole[y * W + x] = 1;
  const img = new Float32Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      let v = grey[i]!;
      if (hole[i]) { let m = 0; for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) m += grey[(y + dy) * W + x + dx]!; v = keep * v + (1 - keep) * (m / 9); }
      img.set([v, v, v, alpha], i * 4);
    }
  }
  return { img, hole };
}
/** The 3×3 gradient magnitudes over hole pixels at least 3 px in, or over the ring 3–12 px out. */
function gradients(img: Float32Array, inside: boolean): number[] {
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
  return g;
}
const median = (g: number[]) => g.sort((a, b) => a - b)[g.length >> 1]!;
const mean = (g: number[]) => g.reduce((s, v) => s + v, 0) / g.length;

/** Known pixels, the hole's first `untouched` rings and alpha are as they were. */
function expectOnlyInnerChanged(img: Float32Array, before: Float32Array, hole: Uint8Array, untouched: number): void {
  for (let i = 0; i < W * H; i++) {
    const depth = hole[i] ? Math.min(i % W - X0, X0 + S - 1 - (i % W), Math.floor(i / W) - Y0, Y0 + S - 1 - Math.floor(i / W)) + 1 : 0;
    if (!hole[i] || depth <= untouched) expect([img[i * 4], img[i * 4 + 1], img[i * 4 + 2]]).toEqual([before[i * 4], before[i * 4 + 1], before[i * 4 + 2]]);
    expect(img[i * 4 + 3]).toBe(255);
  }
}

describe('matchDetail (heal\'s detail matching)', () => {
  // Beside a textured ring the fill is matched on the ring's mean gradient (gain < 2), beside a flat one (a sky) on
  // its median (gain < 1); known pixels, the hole's first ring (the taper starts at depth 2) and alpha stay as they
  // were.
  it.each([
    { ring: 'textured', amp: TEXTURED, keep: 0.5, stat: mean, flat: false, key: 'ringMean', cap: MAX_GAIN_TEXTURED, softer: 0.75 },
    { ring: 'flat', amp: FLAT, keep: 0.7, stat: median, flat: true, key: 'ringMedian', cap: MAX_GAIN_FLAT, softer: 0.9 },
  ] as const)('beside a $ring ring, brings a softened fill up to the ring\'s $key and changes nothing else', ({ amp, keep, stat, flat, key, cap, softer }) => {
    const { img, hole } = level(9, amp, keep);
    const before = Float32Array.from(img);
    const ring = stat(gradients(img, false));
    expect(ring < FLAT_RING).toBe(flat);
    expect(stat(gradients(img, true)) / ring).toBeLessThan(softer);
    const r = matchDetail(img, hole, W, H, 1);
    expect(r.flat).toBe(flat);
    expect(r[key]).toBeCloseTo(ring, 3);
    expect(r.gain).toBeGreaterThan(0);
    expect(r.gain).toBeLessThan(cap);
    expect(stat(gradients(img, true)) / ring).toBeCloseTo(1, 2);
    expectOnlyInnerChanged(img, before, hole, 1);
  });

  it('calls a ring flat exactly when its median gradient is under FLAT_RING levels', () => {
    for (const [amp, flat] of [[4, true], [7, false]] as const) {
      const r = matchDetail(level(5, amp).img, level(5, amp).hole, W, H, 1);
      expect(r.flat).toBe(flat);
      expect(r.ringMedian < FLAT_RING).toBe(flat);
    }
  });

  it('stops at 1 beside a flat ring and at 2 beside a textured one', () => {
    // A fill that keeps almost nothing of its own noise cannot reach either ring.
    const flat = level(3, FLAT, 0), textured = level(3, TEXTURED, 0);
    expect(matchDetail(flat.img, flat.hole, W, H, 2).gain).toBe(MAX_GAIN_FLAT);
    expect(matchDetail(textured.img, textured.hole, W, H, 2).gain).toBe(MAX_GAIN_TEXTURED);
    expect([MAX_GAIN_FLAT, MAX_GAIN_TEXTURED]).toEqual([1, 2]);
  });

  it('follows a flat ring\'s texture, not its edges: a bright bar beside the hole barely moves the gain', () => {
    const plain = level(13, FLAT, 0.7), barred = level(13, FLAT, 0.7);
    // A 3 px white bar down the ring, 5–7 px left of the hole: strong edges on a few ring pixels.
    for (let y = 0; y < H; y++) for (let x = X0 - 7; x < X0 - 4; x++) barred.img.set([255, 255, 255], (y * W + x) * 4);
    const g0 = matchDetail(plain.img, plain.hole, W, H, 1);
    const g1 = matchDetail(barred.img, barred.hole, W, H, 1);
    expect([g0.flat, g1.flat]).toEqual([true, true]);
    // The bar multiplies the ring's mean gradient; its median, which a flat ring is matched on, moves by < 10 %.
    expect(g1.ringMean / g0.ringMean).toBeGreaterThan(5);
    expect(Math.abs(g1.ringMedian - g0.ringMedian) / g0.ringMedian).toBeLessThan(0.1);
    expect(g0.gain).toBeGreaterThan(0);
    expect(g1.gain).toBeLessThan(MAX_GAIN_FLAT);
  });

  it('tapers the gain: none at depth 1, half at depth 2, all from depth 3', () => {
    const { img, hole } = level(11);
    const before = Float32Array.from(img);
    const { gain } = matchDetail(img, hole, W, H, 1);
    const at = (x: number, y: number) => (y * W + x) * 4;
    // Each pixel moves by gain × taper × (its value − its 3×3 mean before).
    const highPass = (x: number, y: number) => { let m = 0; for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) m += before[at(x + dx, y + dy)]!; return before[at(x, y)]! - m / 9; };
    for (const [depth, taper] of [[1, 0], [2, 0.5], [3, 1], [4, 1]] as const) {
      const x = X0 + depth - 1, y = Y0 + 10;
      expect(img[at(x, y)]! - before[at(x, y)]!).toBeCloseTo(gain * taper * highPass(x, y), 3);
    }
  });

  it('half the target asks for a smaller gain', () => {
    const a = level(), b = level();
    const full = matchDetail(a.img, a.hole, W, H, 1).gain;
    const half = matchDetail(b.img, b.hole, W, H, 0.5).gain;
    expect(full).toBeGreaterThan(0);
    expect(half).toBeLessThan(full);
  });

  it('leaves a fill that is already as sharp alone (gain 0, same values), and does nothing with target 0 or a flat ring', () => {
    const { img, hole } = level();
    // The hole holds the noise itself: as sharp as its ring.
    const sharp = level(9, TEXTURED, 1).img;
    const copy = Float32Array.from(sharp);
    expect(matchDetail(sharp, hole, W, H, 1).gain).toBe(0);
    expect(sharp).toEqual(copy);
    const before = Float32Array.from(img);
    expect(matchDetail(img, hole, W, H, 0).gain).toBe(0);
    expect(img).toEqual(before);
    const flat = new Float32Array(W * H * 4).fill(100);
    expect(matchDetail(flat, hole, W, H, 1)).toEqual({ gain: 0, flat: true, ringMedian: 0, ringMean: 0 });
    expect(flat.every((v) => v === 100)).toBe(true);
  });
});
