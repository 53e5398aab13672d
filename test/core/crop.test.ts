import { describe, expect, it } from 'vitest';
import { anyOverlap, boxContains, boxesOverlap, boxInside, crop, growBox, intersectBox, paste, unionBox } from '../../src/core/crop.js';
import { createRaster } from '../../src/core/raster.js';

function numbered(width: number, height: number, channels: 1 | 4 = 1) {
  const r = createRaster(width, height, channels);
  for (let i = 0; i < r.data.length; i++) r.data[i] = i;
  return r;
}

describe('crop', () => {
  it('copies the box', () => {
    const r = numbered(4, 3);
    expect([...crop(r, { x: 1, y: 1, width: 2, height: 2 }).data]).toEqual([5, 6, 9, 10]);
  });
  it('keeps every channel', () => {
    const c = crop(numbered(3, 2, 4), { x: 2, y: 1, width: 1, height: 1 });
    expect(c.channels).toBe(4);
    expect([...c.data]).toEqual([20, 21, 22, 23]);
  });
  it.each([
    [{ x: -1, y: 0, width: 2, height: 2 }],
    [{ x: 3, y: 0, width: 2, height: 2 }],
    [{ x: 0, y: 0, width: 0, height: 2 }],
    [{ x: 0.5, y: 0, width: 1, height: 1 }],
  ])('refuses %o outside a 4x3 raster', (box) => {
    expect(() => crop(numbered(4, 3), box)).toThrow(/is not inside the 4x3 raster/);
  });
});

describe('paste', () => {
  it('writes in place and clips at the edges', () => {
    const dst = createRaster(3, 2, 1);
    const src = numbered(2, 2);
    paste(dst, { ...src, data: src.data.map((v) => v + 1) }, 2, 1);
    expect([...dst.data]).toEqual([0, 0, 0, 0, 0, 1]);
    paste(dst, { ...src, data: src.data.map((v) => v + 10) }, -1, -1);
    expect([...dst.data]).toEqual([13, 0, 0, 0, 0, 1]);
  });
  it('round-trips a crop', () => {
    const r = numbered(5, 5);
    const box = { x: 1, y: 2, width: 3, height: 2 };
    const copy = { ...r, data: new Uint8Array(r.data.length) };
    paste(copy, crop(r, box), box.x, box.y);
    expect(crop(copy, box).data).toEqual(crop(r, box).data);
  });
  it('refuses a channel mismatch', () => {
    expect(() => paste(createRaster(2, 2, 4), createRaster(1, 1, 1), 0, 0)).toThrow('cannot paste a 1-channel raster into a 4-channel one');
  });
});

describe('box helpers', () => {
  it('grows and clips', () => {
    expect(growBox({ x: 1, y: 5, width: 2, height: 2 }, 3, { width: 6, height: 8 })).toEqual({ x: 0, y: 2, width: 6, height: 6 });
  });
  it('unions and contains', () => {
    const u = unionBox({ x: 0, y: 0, width: 2, height: 2 }, { x: 5, y: 1, width: 1, height: 4 });
    expect(u).toEqual({ x: 0, y: 0, width: 6, height: 5 });
    expect(boxContains(u, { x: 5, y: 4, width: 1, height: 1 })).toBe(true);
    expect(boxContains(u, { x: 5, y: 4, width: 2, height: 1 })).toBe(false);
    expect(boxInside(u, { width: 6, height: 5 })).toBe(true);
    expect(boxInside(u, { width: 5, height: 5 })).toBe(false);
  });
});

describe('intersectBox / boxesOverlap / anyOverlap', () => {
  const a = { x: 0, y: 0, width: 10, height: 10 };
  it.each([
    ['partial', { x: 5, y: 8, width: 10, height: 10 }, { x: 5, y: 8, width: 5, height: 2 }],
    ['inside', { x: 2, y: 3, width: 4, height: 4 }, { x: 2, y: 3, width: 4, height: 4 }],
    ['edge to edge', { x: 10, y: 0, width: 5, height: 5 }, null],
    ['apart', { x: 20, y: 20, width: 5, height: 5 }, null],
  ])('%s', (_name, b, want) => {
    expect(intersectBox(a, b)).toEqual(want);
    expect(boxesOverlap(a, b)).toBe(want !== null);
    expect(anyOverlap([{ x: 50, y: 50, width: 1, height: 1 }, a, b])).toBe(want !== null);
  });
});
