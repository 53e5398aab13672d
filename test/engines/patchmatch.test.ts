import { afterAll, describe, expect, it } from 'vitest';
import { AbortError } from '../../src/core/errors.js';
import type { ProgressEvent } from '../../src/core/progress.js';
import { patchmatchEngine } from '../../src/engines/patchmatch.js';
import { closeHelpers } from '../../src/engines/_patchmatch_pool.js';
import { opencvEngine } from '../../src/engines/opencv.js';
import { engineContract } from './engine.case.js';
import { changedOutside, disc, holeError, mask, paintHole, rgba, texture } from './_images.js';

engineContract('patchmatch', async () => patchmatchEngine);

afterAll(closeHelpers);

describe('patchmatch quality', () => {
  it('continues a smooth gradient across a hole', async () => {
    const img = rgba(64, 64, (x, y) => [20 + 3 * x, 10 + 3 * y, 128]);
    const m = mask(64, 64, disc(32, 32, 8));
    const out = await patchmatchEngine.fill(paintHole(img, m), m, { seed: 1 });
    // Copying patches from elsewhere in a gradient gives the wrong level; the vote must land near the truth.
    expect(holeError(out, img, m)).toBeLessThan(6);
  });

  it('fills a hole in a stripe texture with stripes (telea smears them)', async () => {
    // Vertical stripes, period 8: four dark columns, four light ones.
    const img = rgba(72, 64, (x) => (x % 8 < 4 ? [40, 40, 40] : [220, 220, 220]));
    const m = mask(72, 64, (x, y) => x >= 29 && x < 43 && y >= 24 && y < 40);
    const out = await patchmatchEngine.fill(paintHole(img, m), m, { seed: 1 });
    const telea = await opencvEngine('telea').fill(paintHole(img, m), m);
    // Stripes may come back shifted by a whole period only: compare with the truth pixel by pixel.
    const pm = holeError(out, img, m);
    expect(pm).toBeLessThan(15);
    expect(holeError(telea, img, m)).toBeGreaterThan(pm + 30);
    // And the fill really alternates: every filled row has dark and light runs of four.
    for (let y = 24; y < 40; y++) {
      const row = Array.from({ length: 14 }, (_, i) => out.data[(y * 72 + 29 + i) * 4]! < 130 ? 'd' : 'l').join('');
      expect(row).toMatch(/^(l{3}|l{0,3}d{4}l{4}d{4}l{0,3}|d{0,3}l{4}d{4}l{4}d{0,3})/);
    }
  });

  it('reproduces a repeated texture inside a large hole better than telea (patch coherence)', async () => {
    const img = rgba(96, 96, (x, y) => ((x >> 2) + (y >> 2)) % 2 ? [200, 60, 40] : [30, 90, 160]);
    const m = mask(96, 96, disc(48, 48, 16));
    const out = await patchmatchEngine.fill(paintHole(img, m), m, { seed: 9 });
    const telea = await opencvEngine('telea').fill(paintHole(img, m), m);
    const pm = holeError(out, img, m);
    expect(pm).toBeLessThan(holeError(telea, img, m) / 2);
  });
});

describe('patchmatch engine', () => {
  it('gives the same bytes on the main thread alone and with a helper worker', async () => {
    const img = texture(120, 90);
    const m = mask(120, 90, (x, y) => disc(60, 45, 18)(x, y) || (x > 100 && y < 12));
    const alone = await patchmatchEngine.fill(img, m, { seed: 21, workers: 0 });
    const shared = await patchmatchEngine.fill(img, m, { seed: 21, workers: 1 });
    expect(changedOutside(alone, img, m)).toEqual([]);
    expect(Buffer.from(shared.data).equals(Buffer.from(alone.data))).toBe(true);
  });

  it('runs concurrent fills that share the helper worker to the same bytes as one at a time', async () => {
    const a = texture(140, 100), b = texture(100, 140);
    const ma = mask(140, 100, disc(70, 50, 20)), mb = mask(100, 140, disc(50, 70, 22));
    const alone = [await patchmatchEngine.fill(a, ma, { seed: 3, workers: 0 }), await patchmatchEngine.fill(b, mb, { seed: 4, workers: 0 })];
    const together = await Promise.race([
      Promise.all([patchmatchEngine.fill(a, ma, { seed: 3, workers: 1 }), patchmatchEngine.fill(b, mb, { seed: 4, workers: 1 }), patchmatchEngine.fill(a, ma, { seed: 3, workers: 1 })]),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('concurrent fills did not finish')), 20_000)),
    ]);
    expect(Buffer.from(together[0].data).equals(Buffer.from(alone[0]!.data))).toBe(true);
    expect(Buffer.from(together[1].data).equals(Buffer.from(alone[1]!.data))).toBe(true);
    expect(Buffer.from(together[2].data).equals(Buffer.from(alone[0]!.data))).toBe(true);
  });

  it('changes the fill with the seed', async () => {
    const img = texture(64, 64);
    const m = mask(64, 64, disc(32, 32, 12));
    const a = await patchmatchEngine.fill(img, m, { seed: 1 });
    const b = await patchmatchEngine.fill(img, m, { seed: 2 });
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(false);
  });

  it('reports progress up to 1 and stops promptly when aborted mid-fill', async () => {
    const img = texture(160, 120);
    const m = mask(160, 120, disc(80, 60, 30));
    const events: ProgressEvent[] = [];
    await patchmatchEngine.fill(img, m, {}, undefined, (e) => events.push(e));
    expect(events.length).toBeGreaterThan(3);
    expect(events.every((e) => e.step === 'fill')).toBe(true);
    expect(events.at(-1)).toMatchObject({ fraction: 1 });

    const ac = new AbortController();
    let after = 0;
    const p = patchmatchEngine.fill(img, m, {}, ac.signal, () => { if (ac.signal.aborted) after++; else ac.abort(); });
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(after).toBe(0);
  });

  it.each([
    [{ patchSize: 4 }, 'patchmatch option patchSize must be odd, received 4'],
    [{ patchSize: 17 }, 'patchmatch option patchSize must be an integer from 3 to 15, received 17'],
    [{ emIterations: 0 }, 'patchmatch option emIterations must be an integer from 1 to 100, received 0'],
    [{ workers: 'two' }, 'patchmatch option workers must be an integer from 0 to 16, received "two"'],
  ])('rejects bad option %j', async (options, message) => {
    await expect(patchmatchEngine.fill(texture(8, 8), mask(8, 8, disc(4, 4, 1)), options)).rejects.toThrow(message);
  });

  it('fills alpha as well when the image is not opaque', async () => {
    const img = texture(48, 48);
    for (let i = 0; i < 48 * 48; i++) img.data[i * 4 + 3] = (i % 48) < 24 ? 80 : 200;
    const m = mask(48, 48, disc(12, 24, 6));
    const out = await patchmatchEngine.fill(paintHole(img, m), m, { seed: 3 });
    expect(changedOutside(out, paintHole(img, m), m)).toEqual([]);
    const alphas = [...m.data.keys()].filter((i) => m.data[i]).map((i) => out.data[i * 4 + 3]!);
    expect(Math.max(...alphas.map((a) => Math.abs(a - 80)))).toBeLessThan(10);
  });

  it.each([[3], [5], [9]])('works with patch size %i', async (patchSize) => {
    const img = texture(48, 48);
    const m = mask(48, 48, disc(20, 28, 7));
    const out = await patchmatchEngine.fill(paintHole(img, m), m, { patchSize });
    expect(changedOutside(out, img, m)).toEqual([]);
    expect(holeError(out, img, m)).toBeLessThan(40);
  });
});
