import { describe, expect, it } from 'vitest';
import { connectedComponents, dilate, erode, featherInward, fillHoles, squaredDistanceTo } from '../../src/core/morphology.js';
import { countNonZero, createEditMask, type EditMask } from '../../src/core/raster.js';

function maskFrom(rows: string[]): EditMask {
  const m = createEditMask(rows[0]!.length, rows.length);
  rows.forEach((r, y) => [...r].forEach((c, x) => (m.data[y * m.width + x] = c === '#' ? 255 : 0)));
  return m;
}
function rows(m: EditMask): string[] {
  const out: string[] = [];
  for (let y = 0; y < m.height; y++) out.push([...m.data.subarray(y * m.width, (y + 1) * m.width)].map((v) => (v ? '#' : '.')).join(''));
  return out;
}

describe('squaredDistanceTo', () => {
  it('matches brute force on a random mask', () => {
    const m = createEditMask(23, 17);
    let s = 7;
    for (let i = 0; i < m.data.length; i++) m.data[i] = (s = (s * 1103515245 + 12345) & 0x7fffffff) % 13 === 0 ? 255 : 0;
    const d = squaredDistanceTo(m, (v) => v !== 0);
    for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) {
      let best = Infinity;
      for (let j = 0; j < m.data.length; j++) if (m.data[j]) best = Math.min(best, (j % m.width - x) ** 2 + (Math.floor(j / m.width) - y) ** 2);
      expect(d[y * m.width + x]).toBe(best);
    }
  });
});

describe('dilate / erode', () => {
  it('grows a point into a Euclidean disc', () => {
    const m = createEditMask(9, 9);
    m.data[4 * 9 + 4] = 255;
    expect(rows(dilate(m, 2))).toEqual(['.........', '.........', '....#....', '...###...', '..#####..', '...###...', '....#....', '.........', '.........']);
  });
  it('shrinks from unset pixels but not from the image border', () => {
    const m = maskFrom(['#####', '#####', '###..', '#####']);
    expect(rows(erode(m, 1))).toEqual(['#####', '###..', '##...', '###..']);
  });
  it('radius 0 only binarizes', () => {
    const m = createEditMask(2, 1);
    m.data[0] = 7;
    expect([...dilate(m, 0).data]).toEqual([255, 0]);
  });
});

describe('featherInward', () => {
  it('never sets a pixel outside the mask and ramps to 255 inside', () => {
    const m = createEditMask(21, 21);
    for (let y = 5; y < 16; y++) for (let x = 5; x < 16; x++) m.data[y * 21 + x] = 255;
    const f = featherInward(m, 3);
    expect([...f.data].filter((v, i) => !m.data[i] && v !== 0)).toEqual([]);
    expect(f.data[10 * 21 + 10]).toBe(255);
    expect(f.data[10 * 21 + 5]).toBeGreaterThan(0);
    expect(f.data[10 * 21 + 5]).toBeLessThan(f.data[10 * 21 + 6]!);
  });
});

describe('connectedComponents', () => {
  it.each([
    [8 as const, 2, [3, 2]],
    [4 as const, 3, [2, 1, 2]],
  ])('connectivity %i finds %i components', (conn, count, areas) => {
    const m = maskFrom(['##...', '..#..', '.....', '...##']);
    const c = connectedComponents(m, conn);
    expect(c.count).toBe(count);
    expect(c.areas).toEqual(areas);
  });
  it('reports boxes', () => {
    const c = connectedComponents(maskFrom(['.....', '.##..', '..#..']));
    expect(c.boxes).toEqual([{ x: 1, y: 1, width: 2, height: 2 }]);
  });
});

describe('fillHoles', () => {
  it('fills enclosed holes and leaves border-touching gaps', () => {
    const m = maskFrom(['#####.', '#...#.', '#####.', '......']);
    const f = fillHoles(m);
    expect(rows(f)).toEqual(['#####.', '#####.', '#####.', '......']);
    expect(countNonZero(f)).toBe(15);
  });
});
