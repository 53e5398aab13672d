/**
 * Pixel bombs and engine faults: each engine works inside a memory budget (on the hole's region when the whole
 * image is over it, refused with ENGINE_MEMORY_BUDGET when even the region is), and whatever an engine throws —
 * the OpenCV WebAssembly build throws bare numbers — becomes a coded error.
 */
import { describe, expect, it } from 'vitest';
import { engineCost, engineFailure, withBudget } from '../../src/engines/budget.js';
import { getEngine } from '../../src/engines/index.js';
import { configureSettings, settingsFromEnv } from '../../src/io/settings.js';
import type { Engine } from '../../src/engines/engine.js';
import { createEditMask } from '../../src/core/raster.js';
import { noise } from '../_helpers/images.js';

function holeMask(w: number, h: number, x: number, y: number, bw: number, bh: number) {
  const m = createEditMask(w, h);
  for (let yy = y; yy < y + bh; yy++) m.data.fill(255, yy * w + x, yy * w + x + bw);
  return m;
}

const recording = (): Engine & { sizes: string[] } => {
  const e = {
    name: 'telea', sizes: [] as string[],
    async fill(image: Parameters<Engine['fill']>[0]) {
      e.sizes.push(`${image.width}x${image.height}`);
      const out = { ...image, data: image.data.slice() };
      out.data.fill(7);
      return out;
    },
  };
  return e;
};

describe('engine memory budget', () => {
  it('fills only the hole\'s region when the whole image is over budget; outside pixels stay the input\'s', async () => {
    const image = noise(1000, 800, 3);
    const mask = holeMask(1000, 800, 500, 400, 40, 30);
    const inner = recording();
    // telea: 28 B/px; 1000x800 = 22.4 MB > 8 MB budget; region 168x158 ≈ 0.7 MB fits.
    const out = await withBudget(inner, { budgetBytes: 8 * 1024 * 1024 }).fill(image, mask);
    expect(inner.sizes).toEqual(['168x158']);
    expect([out.width, out.height]).toEqual([1000, 800]);
    let changedOutsideRegion = 0;
    for (let y = 0; y < 800; y++) for (let x = 0; x < 1000; x++) {
      const inRegion = x >= 436 && x < 604 && y >= 336 && y < 494;
      const i = (y * 1000 + x) * 4;
      if (!inRegion && out.data[i] !== image.data[i]) changedOutsideRegion++;
    }
    expect(changedOutsideRegion).toBe(0);
    expect(out.data[(415 * 1000 + 520) * 4]).toBe(7);
  });

  it.each<[string, number]>([
    ['telea', 28 * 1000],
    ['ns', 28 * 1000],
    ['patchmatch', 48 * 1000],
    ['heal', 48 * 1000 + 256 * 100],
    ['anything else', 48 * 1000],
  ])('estimates %s at its bytes per pixel plus its bytes per hole pixel (1000 px, 100 in the hole)', (name, bytes) => {
    expect(engineCost(name, 1000, 100)).toBe(bytes);
  });

  it('counts heal\'s hole: a whole image that fits by its pixels alone but not with its hole is filled by region', async () => {
    // 500x400 = 200,000 px × 48 B = 9.2 MiB fits 11 MiB; with its 200x100 hole (20,000 × 256 B = 4.9 MiB) it does
    // not. The region (400x300: 120,000 × 48 B + the same hole) is 10.4 MiB.
    const inner = { ...recording(), name: 'heal' };
    await withBudget(inner, { budgetBytes: 11 * 1024 * 1024 }).fill(noise(500, 400), holeMask(500, 400, 150, 150, 200, 100));
    expect(inner.sizes).toEqual(['400x300']);
    const telea = recording();
    await withBudget(telea, { budgetBytes: 11 * 1024 * 1024 }).fill(noise(500, 400), holeMask(500, 400, 150, 150, 200, 100));
    expect(telea.sizes).toEqual(['500x400']);
  });

  it('whole image under budget: the engine sees the whole image', async () => {
    const inner = recording();
    await withBudget(inner, { budgetBytes: 1024 * 1024 * 1024 }).fill(noise(200, 100), holeMask(200, 100, 10, 10, 5, 5));
    expect(inner.sizes).toEqual(['200x100']);
  });

  it('a region over budget is ENGINE_MEMORY_BUDGET with a fix, before the engine runs', async () => {
    const inner = recording();
    const fill = withBudget(inner, { budgetBytes: 1024 * 1024 }).fill(noise(1000, 800), holeMask(1000, 800, 100, 100, 700, 500));
    await expect(fill).rejects.toMatchObject({ code: 'ENGINE_MEMORY_BUDGET', fix: expect.stringContaining('MASKEDIT_ENGINE_MEMORY_MB=') });
    expect(inner.sizes).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['a bare number (OpenCV wasm)', 7078296, 'the telea engine failed inside OpenCV (WebAssembly exception 7078296, usually out of memory)'],
    ['a string', 'boom', 'the telea engine failed (string thrown)'],
    ['undefined', undefined, 'the telea engine failed (undefined thrown)'],
    ['a RangeError', new RangeError('Array buffer allocation failed'), 'the telea engine failed (RangeError: Array buffer allocation failed)'],
  ])('%s thrown by an engine becomes ENGINE_FAILED', async (_, thrown, message) => {
    const bad: Engine = { name: 'telea', fill: async () => { throw thrown; } };
    await expect(withBudget(bad).fill(noise(8, 8), holeMask(8, 8, 2, 2, 2, 2))).rejects.toMatchObject({ code: 'ENGINE_FAILED', message });
    expect(engineFailure('telea', thrown).code).toBe('ENGINE_FAILED');
  });

  it('the real telea engine behind getEngine fills a region under a small budget', async () => {
    configureSettings(settingsFromEnv({ MASKEDIT_ENGINE_MEMORY_MB: '4' }));
    try {
      const engine = await getEngine('telea');
      const image = noise(600, 600, 9);
      const out = await engine.fill(image, holeMask(600, 600, 300, 300, 20, 20));
      expect([out.width, out.height]).toEqual([600, 600]);
      expect(out.data[(0 * 600 + 0) * 4]).toBe(image.data[0]);
    } finally {
      configureSettings();
    }
  });
});
