import { describe, expect, it } from 'vitest';
import { chamfer, components, diffuse, diffuseNear, downsampleAllowed, foreignColours, peelDiffuse, restrictSources, samplingArea, samplingMask, splitByThickness } from '../../src/engines/_heal_regions.js';

/** A 0/1 grid from rows of '#' (1) and '.' (0). */
function grid(rows: string[]): { m: Uint8Array; w: number; h: number } {
  const w = rows[0]!.length, h = rows.length;
  return { m: Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0)), w, h };
}

describe('chamfer', () => {
  it('gives 0 on the seed, 1 along rows and columns and √2 along diagonals', () => {
    const { m, w, h } = grid(['.....', '.....', '..#..', '.....', '.....']);
    const d = chamfer(m, w, h);
    expect(d[2 * 5 + 2]).toBe(0);
    expect(d[2 * 5 + 4]).toBe(2);
    expect(d[0 * 5 + 2]).toBe(2);
    expect(d[1 * 5 + 1]).toBeCloseTo(Math.SQRT2, 6);
    expect(d[0]).toBeCloseTo(2 * Math.SQRT2, 6);
  });

  it('is Infinity everywhere without a seed', () => {
    expect([...chamfer(new Uint8Array(6), 3, 2)]).toEqual(Array(6).fill(Infinity));
  });
});

describe('components', () => {
  it('labels 8-connected groups', () => {
    const { m, w, h } = grid(['#...#', '.#..#', '.....', '##...']);
    const { labels, count } = components(m, w, h);
    expect(count).toBe(3);
    expect([labels[0], labels[6], labels[4], labels[9], labels[15], labels[16]]).toEqual([1, 1, 2, 2, 3, 3]);
    expect(labels[2]).toBe(0);
  });
});

describe('splitByThickness', () => {
  it('puts a 1-pixel line in thin and a 9x9 square in thick, by each component\'s deepest pixel', () => {
    const w = 30, h = 20;
    const m = new Uint8Array(w * h);
    for (let x = 2; x < 28; x++) m[3 * w + x] = 1; // a line
    for (let y = 8; y < 17; y++) for (let x = 10; x < 19; x++) m[y * w + x] = 1; // a square
    const s = splitByThickness(m, w, h, 3);
    expect(s.thin[3 * w + 5]).toBe(1);
    expect(s.thick[3 * w + 5]).toBe(0);
    expect(s.thick[12 * w + 14]).toBe(1);
    expect(s.thin[12 * w + 14]).toBe(0);
    expect(s.thinDepth).toBe(1);
    expect(s.thickDepth).toBe(5);
  });
});

describe('samplingMask', () => {
  const w = 12, h = 1;
  const hole = Uint8Array.from({ length: w }, (_, x) => (x >= 5 && x <= 6 ? 1 : 0));
  it.each([
    ['a ring of 2', 2, undefined, undefined, '...##..##...'],
    ['a ring of 2 plus an added area', 2, [0, 1], undefined, '##.##..##...'],
    ['a ring of 2 minus an excluded pixel', 2, undefined, [7], '...##...#...'],
    ['exclude wins over add', 1, [0, 1], [0], '.#..#..#....'],
  ])('%s', (_name, ring, add, exclude, expected) => {
    const a = add ? Uint8Array.from({ length: w }, (_, x) => (add.includes(x) ? 1 : 0)) : undefined;
    const e = exclude ? Uint8Array.from({ length: w }, (_, x) => (exclude.includes(x) ? 1 : 0)) : undefined;
    const out = samplingMask(hole, hole, w, h, ring, a, e);
    expect([...out].map((v) => (v ? '#' : '.')).join('')).toBe(expected);
  });
});

describe('downsampleAllowed and restrictSources', () => {
  it('keeps a coarse pixel only when all four fine ones are allowed', () => {
    const { m, w, h } = grid(['####', '###.', '####']);
    expect([...downsampleAllowed(m, w, h)]).toEqual([1, 0, 1, 1]);
  });

  it('drops sources whose patch touches a pixel that is not allowed', () => {
    const w = 5, h = 3;
    const valid = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const { m } = grid(['####.', '####.', '####.']);
    const sources = restrictSources(valid, m, w, h, 1);
    expect([...sources]).toEqual([6, 7]);
    expect([...valid]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('diffuse', () => {
  it('reconstructs a linear ramp (harmonic) inside a hole', () => {
    const w = 24, h = 16;
    const v = new Float32Array(w * h), known = new Uint8Array(w * h).fill(1);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v[y * w + x] = 10 + 5 * x;
    for (let y = 5; y < 11; y++) for (let x = 8; x < 16; x++) { known[y * w + x] = 0; v[y * w + x] = 0; }
    diffuse(v, known, w, h, 1, 200);
    for (let y = 5; y < 11; y++) for (let x = 8; x < 16; x++) expect(Math.abs(v[y * w + x]! - (10 + 5 * x))).toBeLessThan(0.5);
  });

  it('only relaxes the pixels it is asked to solve and keeps known ones', () => {
    const w = 6, h = 1;
    const v = Float32Array.from([7, 0, 0, 0, 0, 9]);
    const known = Uint8Array.from([1, 0, 0, 0, 0, 1]);
    diffuse(v, known, w, h, 1, 100, Uint8Array.from([0, 1, 1, 0, 0, 0]));
    expect(v[0]).toBe(7);
    expect(v[5]).toBe(9);
    // Pixel 3 is neither known nor solved: a free border, so the solved pair settles on the known 7.
    expect(v[1]).toBeCloseTo(7, 3);
    expect(v[2]).toBeCloseTo(7, 3);
  });
});

describe('foreignColours', () => {
  // 40×10: a hole in columns 5–9, grey everywhere else but a green bar in columns 20–25 (11+ px from the hole)
  // and two green specks of one pixel at (35, 2) and (35, 7).
  const w = 40, h = 10;
  const hole = Uint8Array.from({ length: w * h }, (_, i) => (i % w >= 5 && i % w <= 9 ? 1 : 0));
  const speck = (i: number) => i === 2 * w + 35 || i === 7 * w + 35;
  const img = new Float32Array(w * h * 4);
  for (let i = 0; i < w * h; i++) img.set((i % w >= 20 && i % w <= 25) || speck(i) ? [20, 230, 40, 255] : [120 + (i % 7), 118, 121, 255], i * 4);
  const green = (a: Uint8Array) => [...a].filter((v, i) => v && i % w >= 20 && i % w <= 25).length;
  const specks = (a: Uint8Array) => [...a].filter((v, i) => v && speck(i)).length;

  it('drops the objects whose colour the hole\'s border does not have, and keeps specks of it smaller than minBlob', () => {
    const { allowed, dist } = samplingArea(hole, hole, w, h, Infinity);
    const before = [...allowed].filter(Boolean).length;
    expect(foreignColours(img, w, h, allowed, dist, 4, 0.005, 0.3, 20)).toBe(60);
    expect(green(allowed)).toBe(0);
    expect(specks(allowed)).toBe(2);
    expect([...allowed].filter(Boolean).length).toBe(before - 60);
  });

  it('keeps an object smaller than minBlob, and drops specks when minBlob is 1', () => {
    const a = samplingArea(hole, hole, w, h, Infinity);
    expect(foreignColours(img, w, h, a.allowed, a.dist, 4, 0.005, 0.3, 61)).toBe(0);
    expect(green(a.allowed)).toBe(60);
    const b = samplingArea(hole, hole, w, h, Infinity);
    expect(foreignColours(img, w, h, b.allowed, b.dist, 4, 0.005, 0.3, 1)).toBe(62);
    expect(specks(b.allowed)).toBe(0);
  });

  it('keeps what the user added, and drops nothing when the rare colours exceed maxFraction', () => {
    const keep = Uint8Array.from({ length: w * h }, (_, i) => (i % w === 20 ? 1 : 0));
    const a = samplingArea(hole, hole, w, h, Infinity);
    expect(foreignColours(img, w, h, a.allowed, a.dist, 4, 0.005, 0.3, 20, keep)).toBe(50);
    expect(green(a.allowed)).toBe(10);
    const b = samplingArea(hole, hole, w, h, Infinity);
    expect(foreignColours(img, w, h, b.allowed, b.dist, 4, 0.005, 0.1, 20)).toBe(0);
    expect(green(b.allowed)).toBe(60);
  });

  it('drops nothing when the colour is common on the border (a band reaching the bar)', () => {
    const { allowed, dist } = samplingArea(hole, hole, w, h, Infinity);
    expect(foreignColours(img, w, h, allowed, dist, 12, 0.005, 0.3, 20)).toBe(0);
  });
});

describe('diffuseNear', () => {
  it('solves like diffuse inside the hole\'s box and leaves every pixel outside it alone', () => {
    const w = 40, h = 20;
    const ramp = () => Float32Array.from({ length: w * h }, (_, i) => 10 + 5 * (i % w));
    const known = new Uint8Array(w * h).fill(1);
    for (let y = 8; y < 12; y++) for (let x = 18; x < 22; x++) known[y * w + x] = 0;
    const solve = Uint8Array.from(known, (k) => 1 - k);
    const v = ramp();
    for (let i = 0; i < v.length; i++) if (!known[i]) v[i] = 0;
    const outside = [...v].filter((_, i) => known[i]);
    diffuseNear(v, known, w, h, 1, 200, solve, 3);
    for (let y = 8; y < 12; y++) for (let x = 18; x < 22; x++) expect(Math.abs(v[y * w + x]! - (10 + 5 * x))).toBeLessThan(0.5);
    expect([...v].filter((_, i) => known[i])).toEqual(outside);
  });
});

describe('peelDiffuse', () => {
  it('fills a thin stroke from its sides, solves only what it is asked, and leaves known pixels alone', () => {
    // 5×3, one channel: column 2 unknown; left columns 10, right columns 30. (2,1) is not to be solved.
    const w = 5, h = 3;
    const v = new Float32Array(w * h), known = new Uint8Array(w * h).fill(1), solve = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v[y * w + x] = x < 2 ? 10 : x > 2 ? 30 : -1;
    for (let y = 0; y < h; y++) { known[y * w + 2] = 0; solve[y * w + 2] = y === 1 ? 0 : 1; }
    peelDiffuse(v, known, w, h, 1, 20, solve);
    expect(v[0 * w + 2]).toBeCloseTo(20, 4);
    expect(v[2 * w + 2]).toBeCloseTo(20, 4);
    expect(v[1 * w + 2]).toBe(-1);
    expect(Array.from(v.filter((_, i) => known[i]))).toEqual([10, 10, 30, 30, 10, 10, 30, 30, 10, 10, 30, 30]);
  });

  it('keeps the value of an unknown pixel that no known pixel reaches', () => {
    const v = new Float32Array([7, 7, 7]), known = new Uint8Array(3), solve = new Uint8Array([1, 1, 1]);
    peelDiffuse(v, known, 3, 1, 1, 4, solve);
    expect(Array.from(v)).toEqual([7, 7, 7]);
  });
});
