import { describe, expect, it } from 'vitest';
import { loadOpenCv, opencvEngine } from '../../src/engines/opencv.js';
import { engineContract } from './engine.case.js';
import { changedOutside, disc, holeError, mask, paintHole, rgba } from './_images.js';

engineContract('telea', async () => opencvEngine('telea'));
engineContract('ns', async () => opencvEngine('ns'));

describe('opencv engines', () => {
  it('loads OpenCV.js once', async () => {
    const a = loadOpenCv(), b = loadOpenCv();
    expect(a).toBe(b);
    expect((await a).cv).toBe((await b).cv);
  });

  it.each(['telea', 'ns'] as const)('%s continues a gradient and fills alpha too', async (name) => {
    const img = rgba(48, 48, (x, y) => [20 + 4 * x, 10 + 4 * y, 100]);
    for (let i = 0; i < 48 * 48; i++) img.data[i * 4 + 3] = 100 + (i % 48);
    const m = mask(48, 48, disc(24, 24, 5));
    const out = await opencvEngine(name).fill(paintHole(img, m), m, { radius: 4 });
    expect(changedOutside(out, paintHole(img, m), m)).toEqual([]);
    expect(holeError(out, img, m)).toBeLessThan(6);
    const alpha = out.data[(24 * 48 + 24) * 4 + 3]!;
    expect(Math.abs(alpha - (100 + 24))).toBeLessThan(6);
  });

  it('rejects a bad radius', async () => {
    await expect(opencvEngine('telea').fill(rgba(4, 4, () => [0, 0, 0]), mask(4, 4, disc(1, 1, 0)), { radius: 0 })).rejects.toThrow('option radius must be a number from 1 to 100, received 0');
  });
});
