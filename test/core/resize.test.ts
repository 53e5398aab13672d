import { describe, expect, it } from 'vitest';
import { kernelFor, resize, type ResizeKernel } from '../../src/core/resize.js';
import { createRaster, type Raster } from '../../src/core/raster.js';
import { rng } from '../_helpers/random.js';

function raster(width: number, height: number, channels: Raster['channels'], values: number[]): Raster {
  const r = createRaster(width, height, channels);
  r.data.set(values);
  return r;
}

describe('resize', () => {
  it('returns an equal copy at the same size', () => {
    const r = raster(2, 1, 1, [3, 9]);
    const out = resize(r, 2, 1, 'area');
    expect([...out.data]).toEqual([3, 9]);
    expect(out.data).not.toBe(r.data);
  });

  it('nearest doubles each pixel', () => {
    expect([...resize(raster(2, 1, 1, [10, 20]), 4, 2, 'nearest').data]).toEqual([10, 10, 20, 20, 10, 10, 20, 20]);
  });

  it('area halving averages each 2x2 block', () => {
    const r = raster(4, 2, 1, [0, 4, 100, 200, 8, 12, 50, 50]);
    expect([...resize(r, 2, 1, 'area').data]).toEqual([6, 100]);
  });

  it('area to 1x1 is the mean', () => {
    expect([...resize(raster(3, 1, 1, [0, 30, 90]), 1, 1, 'area').data]).toEqual([40]);
  });

  it('bilinear interpolates between centres and clamps at the edges', () => {
    expect([...resize(raster(2, 1, 1, [0, 100]), 4, 1, 'bilinear').data]).toEqual([0, 25, 75, 100]);
  });

  it.each([1, 2, 3, 4] as const)('keeps %i channels', (c) => {
    const r = createRaster(5, 3, c);
    r.data.fill(77);
    const out = resize(r, 7, 2);
    expect(out.channels).toBe(c);
    expect(out.data.length).toBe(7 * 2 * c);
    expect(out.data.every((v) => v === 77)).toBe(true);
  });

  it('resamples premultiplied: a transparent pixel lends no colour', () => {
    // Opaque blue next to transparent red: the blend must stay pure blue, half transparent.
    const r = raster(2, 1, 4, [0, 0, 255, 255, 255, 0, 0, 0]);
    expect([...resize(r, 1, 1, 'area').data]).toEqual([0, 0, 255, 128]);
  });

  it('property: constants stay constant and runs are deterministic (200 random cases)', () => {
    const rand = rng(42);
    const kernels: ResizeKernel[] = ['nearest', 'bilinear', 'area'];
    for (let k = 0; k < 200; k++) {
      const w = 1 + Math.floor(rand() * 40), h = 1 + Math.floor(rand() * 40);
      const tw = 1 + Math.floor(rand() * 40), th = 1 + Math.floor(rand() * 40);
      const kernel = kernels[k % 3]!;
      const v = Math.floor(rand() * 256);
      const flat = createRaster(w, h, 3);
      flat.data.fill(v);
      expect(resize(flat, tw, th, kernel).data.every((x) => x === v)).toBe(true);
      const noisy = createRaster(w, h, 4);
      for (let i = 0; i < noisy.data.length; i++) noisy.data[i] = Math.floor(rand() * 256);
      expect(resize(noisy, tw, th, kernel).data).toEqual(resize(noisy, tw, th, kernel).data);
    }
  });
});

describe('kernelFor', () => {
  it.each([
    [{ width: 100, height: 100 }, { width: 50, height: 50 }, 'area'],
    [{ width: 100, height: 100 }, { width: 100, height: 100 }, 'area'],
    [{ width: 100, height: 100 }, { width: 200, height: 50 }, 'bilinear'],
    [{ width: 10, height: 10 }, { width: 20, height: 20 }, 'bilinear'],
  ])('%o → %o uses %s', (from, to, kernel) => {
    expect(kernelFor(from, to)).toBe(kernel);
  });
});
