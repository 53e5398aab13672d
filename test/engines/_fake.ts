/**
 * A test-only engine: fills each hole pixel with the mean of the known pixels in a growing window. It exists to
 * prove the contract suite itself (a suite that only ever ran real engines could be testing nothing).
 */
import { throwIfAborted } from '../../src/core/errors.js';
import { cloneRaster } from '../../src/core/raster.js';
import { checkFillInputs, type Engine } from '../../src/engines/engine.js';

export const fakeEngine: Engine = {
  name: 'fake',
  async fill(image, mask, _options, signal) {
    throwIfAborted(signal);
    const out = cloneRaster(image);
    if (checkFillInputs(image, mask) === 0) return out;
    await Promise.resolve();
    throwIfAborted(signal);
    const { width: w, height: h } = image;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!mask.data[y * w + x]) continue;
        for (let rad = 1; ; rad++) {
          const sum = [0, 0, 0, 0];
          let n = 0;
          for (let yy = Math.max(0, y - rad); yy <= Math.min(h - 1, y + rad); yy++) {
            for (let xx = Math.max(0, x - rad); xx <= Math.min(w - 1, x + rad); xx++) {
              if (mask.data[yy * w + xx]) continue;
              for (let c = 0; c < 4; c++) sum[c]! += image.data[(yy * w + xx) * 4 + c]!;
              n++;
            }
          }
          if (n) { for (let c = 0; c < 4; c++) out.data[(y * w + x) * 4 + c] = Math.round(sum[c]! / n); break; }
        }
      }
    }
    return out;
  },
};
