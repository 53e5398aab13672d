import { describe, expect, it } from 'vitest';
import { resample } from '../../src/io/resample.js';
import { createRaster } from '../../src/core/raster.js';

describe('resample', () => {
  it('scales RGBA and keeps flat colours exact', async () => {
    const r = createRaster(300, 200, 4);
    for (let i = 0; i < r.data.length; i += 4) r.data.set([200, 100, 50, 255], i);
    const out = await resample(r, 150, 400);
    expect([out.width, out.height, out.channels]).toEqual([150, 400, 4]);
    for (let i = 0; i < out.data.length; i += 4) expect([...out.data.subarray(i, i + 4)]).toEqual([200, 100, 50, 255]);
  });

  it('keeps a one-channel mask binary with the nearest kernel', async () => {
    const m = createRaster(64, 64, 1);
    for (let y = 16; y < 48; y++) m.data.fill(255, y * 64 + 16, y * 64 + 48);
    const out = await resample(m, 100, 100, 'nearest');
    expect(out.channels).toBe(1);
    expect(new Set(out.data)).toEqual(new Set([0, 255]));
    expect(out.data[50 * 100 + 50]).toBe(255);
    expect(out.data[5 * 100 + 5]).toBe(0);
  });

  it('does not bleed the colour of transparent pixels into opaque ones', async () => {
    const r = createRaster(2, 1, 4);
    r.data.set([255, 0, 0, 0, 0, 0, 255, 255]);
    const out = await resample(r, 8, 1);
    // Every opaque-enough output pixel is blue, not a purple mix with the invisible red.
    const opaque = [0, 1, 2, 3, 4, 5, 6, 7].filter((x) => out.data[x * 4 + 3]! > 128);
    expect(opaque.length).toBeGreaterThan(0);
    expect(opaque.filter((x) => out.data[x * 4]! >= 40)).toEqual([]);
  });

  it('returns the same raster when the size already matches', async () => {
    const r = createRaster(3, 3, 4);
    expect(await resample(r, 3, 3)).toBe(r);
  });
});
