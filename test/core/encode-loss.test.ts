import { describe, expect, it } from 'vitest';
import { describeEncodeLoss, encodeLoss } from '../../src/core/encode-loss.js';
import { cloneRaster, createEditMask, createRaster } from '../../src/core/raster.js';

describe('encodeLoss', () => {
  // A 10x10 grey input; the mask is the left column (10 editable pixels), so 90 pixels are kept.
  const input = createRaster(10, 10, 4);
  input.data.fill(100);
  const mask = createEditMask(10, 10);
  for (let y = 0; y < 10; y++) mask.data[y * 10] = 255;

  it('counts kept pixels that differ in any channel, the largest |Δ| and the mean over R, G, B', () => {
    const decoded = cloneRaster(input);
    decoded.data[(2 * 10 + 3) * 4] = 109; // R +9
    decoded.data[(5 * 10 + 5) * 4 + 1] = 97; // G −3
    decoded.data[(7 * 10 + 8) * 4 + 3] = 99; // alpha −1 (counted, not in the RGB mean)
    decoded.data[(4 * 10) * 4] = 0; // inside the mask: ignored
    const l = encodeLoss(input, decoded, mask, 'jpeg');
    expect(l).toEqual({ format: 'jpeg', outsidePixels: 90, outsideChangedPixels: 3, outsideChangedFraction: 3 / 90, maxAbsDiff: 9, meanAbsDiff: Math.round((12 / 270) * 1000) / 1000 });
    expect(describeEncodeLoss(l)).toBe('JPEG encoding changed 3.3 % of pixels outside the mask (3 of 90, max |Δ| 9); use .png for bit-identical output');
  });

  it.each([
    ['jpeg', 0, 'JPEG encoding changed no pixel outside the mask'],
    ['webp', 1, 'WebP encoding changed 1.1 % of pixels outside the mask (1 of 90, max |Δ| 1); use .png for bit-identical output'],
  ])('%s with %i changed pixel(s) reads "%s"', (format, n, text) => {
    const decoded = cloneRaster(input);
    if (n) decoded.data[(1 * 10 + 1) * 4 + 2] = 101;
    expect(describeEncodeLoss(encodeLoss(input, decoded, mask, format))).toBe(text);
  });

  it('refuses a decoded image of another size', () => {
    expect(() => encodeLoss(input, createRaster(9, 10, 4), mask, 'jpeg')).toThrow('decoded output is 9x10, the input 10x10');
  });
});
