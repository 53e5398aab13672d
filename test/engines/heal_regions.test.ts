import { describe, expect, it } from 'vitest';
import { chamfer, components, diffuse, downsampleAllowed, restrictSources, samplingMask, splitByThickness } from '../../src/engines/_heal_regions.js';

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
