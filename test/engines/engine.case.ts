/**
 * The contract every fill engine keeps, run against each engine (patchmatch, telea, ns, a test fake):
 * untouched pixels stay bit-identical, output is deterministic, abort works, odd geometry is handled, and
 * the two degenerate masks behave as documented.
 */
import { describe, expect, it } from 'vitest';
import { AbortError, MaskError } from '../../src/core/errors.js';
import type { Engine } from '../../src/engines/engine.js';
import { changedOutside, disc, holeError, mask, paintHole, rgba, texture } from './_images.js';

export function engineContract(label: string, load: () => Promise<Engine>): void {
  describe(`${label} engine contract`, () => {
    it('keeps every pixel outside the mask bit-identical and fills every hole pixel', async () => {
      const img = texture(64, 48);
      const m = mask(64, 48, (x, y) => disc(30, 22, 9)(x, y) || disc(50, 36, 5)(x, y));
      const out = await (await load()).fill(paintHole(img, m), m, { seed: 3 });
      expect(out.width).toBe(64);
      expect(out.height).toBe(48);
      expect(out.channels).toBe(4);
      expect(changedOutside(out, paintHole(img, m), m)).toEqual([]);
      const magenta = [...m.data.keys()].filter((i) => m.data[i] && out.data[i * 4] === 255 && out.data[i * 4 + 1] === 0 && out.data[i * 4 + 2] === 255);
      expect(magenta).toEqual([]);
    });

    it('returns the same bytes for the same seed', async () => {
      const img = texture(48, 40);
      const m = mask(48, 40, disc(24, 20, 8));
      const e = await load();
      const a = await e.fill(img, m, { seed: 11 });
      const b = await e.fill(img, m, { seed: 11 });
      expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    });

    it('does not modify its inputs', async () => {
      const img = texture(32, 32);
      const m = mask(32, 32, disc(16, 16, 5));
      const before = Buffer.from(img.data), mBefore = Buffer.from(m.data);
      await (await load()).fill(img, m);
      expect(Buffer.from(img.data).equals(before)).toBe(true);
      expect(Buffer.from(m.data).equals(mBefore)).toBe(true);
    });

    it.each([
      ['before the call', true],
      ['once it has started', false],
    ])('rejects with AbortError when aborted %s', async (_when, before) => {
      const e = await load();
      const ac = new AbortController();
      const img = texture(64, 64);
      const m = mask(64, 64, disc(32, 32, 12));
      if (before) ac.abort();
      const p = e.fill(img, m, { seed: 1 }, ac.signal);
      // Aborting right after the call returns: the engine must notice at its next step, not finish the fill.
      ac.abort();
      await expect(p).rejects.toBeInstanceOf(AbortError);
      await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    });

    it.each([
      ['top-left corner', (x: number, y: number) => x < 6 && y < 5],
      ['bottom-right corner', (x: number, y: number) => x >= 34 && y >= 27],
      ['whole left edge', (x: number) => x < 3],
      ['top edge strip', (_x: number, y: number) => y < 4],
    ])('fills a hole touching the border (%s) from its surroundings', async (_name, where) => {
      // A flat image: whatever the method, the only believable fill is the flat colour.
      const img = rgba(40, 32, () => [30, 120, 200]);
      const m = mask(40, 32, where);
      const out = await (await load()).fill(paintHole(img, m), m, { seed: 2 });
      expect(changedOutside(out, img, m)).toEqual([]);
      expect(holeError(out, img, m)).toBeLessThanOrEqual(2);
    });

    it('fills many small scattered holes close to a smooth image', async () => {
      const img = rgba(48, 48, (x, y) => [40 + 3 * x, 30 + 4 * y, 200 - 2 * x - y]);
      const m = mask(48, 48, (x, y) => x % 4 === 1 && y % 4 === 2);
      const out = await (await load()).fill(paintHole(img, m), m, { seed: 4 });
      expect(changedOutside(out, img, m)).toEqual([]);
      expect(holeError(out, img, m)).toBeLessThan(8);
    });

    it.each([
      [3, 3, 4],
      [2, 1, 1],
      [1, 4, 3],
    ])('handles a tiny %ix%i image with one hole pixel', async (w, h, hole) => {
      const img = rgba(w, h, (x, y) => [100 + 10 * x, 100 + 10 * y, 100]);
      const m = mask(w, h, (x, y) => y * w + x === hole);
      const out = await (await load()).fill(paintHole(img, m), m, { seed: 5 });
      expect(changedOutside(out, img, m)).toEqual([]);
      expect(holeError(out, img, m)).toBeLessThanOrEqual(25);
    });

    it('treats any non-zero mask value as a hole', async () => {
      const img = texture(32, 32);
      const m = mask(32, 32, disc(16, 16, 4), 1);
      const out = await (await load()).fill(paintHole(img, m), m);
      const holes = [...m.data.keys()].filter((i) => m.data[i]);
      expect(holes.every((i) => !(out.data[i * 4] === 255 && out.data[i * 4 + 1] === 0 && out.data[i * 4 + 2] === 255))).toBe(true);
    });

    it('refuses a mask that covers every pixel with MASK_ALL_EDITABLE and a fix', async () => {
      const p = (await load()).fill(texture(8, 6), mask(8, 6, () => true));
      await expect(p).rejects.toBeInstanceOf(MaskError);
      await expect(p).rejects.toMatchObject({
        code: 'MASK_ALL_EDITABLE',
        message: 'every pixel of the 8x6 mask is editable, so there is nothing to fill from',
        fix: expect.stringContaining('maskedit mask MASK -o OUT --shrink'),
      });
    });

    it('returns a copy of the input for an empty mask', async () => {
      const img = texture(20, 10);
      const out = await (await load()).fill(img, mask(20, 10, () => false));
      expect(out).not.toBe(img);
      expect(out.data).not.toBe(img.data);
      expect(Buffer.from(out.data).equals(Buffer.from(img.data))).toBe(true);
    });

    it('refuses a mask of another size with MASK_SIZE_MISMATCH', async () => {
      const p = (await load()).fill(texture(20, 10), mask(10, 10, () => false));
      await expect(p).rejects.toMatchObject({ code: 'MASK_SIZE_MISMATCH', message: 'mask is 10x10 but image is 20x10' });
    });
  });
}
