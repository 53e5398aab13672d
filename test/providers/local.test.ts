import { describe, expect, it } from 'vitest';
import { throwIfAborted } from '../../src/core/errors.js';
import type { EditMask, Raster } from '../../src/core/raster.js';
import type { Engine } from '../../src/engines/engine.js';
import { localProvider, outputSize } from '../../src/providers/local.js';
import { request, runProviderContract, testInput } from './provider.case.js';

/** Fills editable pixels with the mean colour of the kept ones, plus the seed (so n outputs differ). */
const meanEngine: Engine & { calls: { seed: unknown }[] } = {
  name: 'mean',
  calls: [],
  async fill(image: Raster & { channels: 4 }, mask: EditMask, options = {}, signal) {
    throwIfAborted(signal);
    this.calls.push({ seed: options.seed });
    const sum = [0, 0, 0];
    let kept = 0;
    for (let i = 0; i < mask.data.length; i++) if (!mask.data[i]) { for (let c = 0; c < 3; c++) sum[c]! += image.data[i * 4 + c]!; kept++; }
    const out = { ...image, data: new Uint8Array(image.data) };
    for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) for (let c = 0; c < 3; c++) out.data[i * 4 + c] = Math.round(sum[c]! / kept) + Number(options.seed ?? 0);
    return out;
  },
};

runProviderContract({
  name: 'local (fake engine)',
  make: () => localProvider({ engine: meanEngine }),
  bad: { request: { size: '1000x1000' }, code: 'MODEL_SIZE_UNSUPPORTED' },
});

describe('localProvider', () => {
  it('fills with the engine, then resizes the whole image like a model would', async () => {
    const { image, mask } = testInput();
    const result = await localProvider({ engine: meanEngine }).edit({ image, mask, prompt: 'ignored', model: 'gpt-image-1.5', size: '1536x1024' });
    const out = result.images[0]!;
    // The centre (editable) became one flat colour; a corner still carries the gradient's colour.
    const at = (x: number, y: number) => [...out.data.subarray((y * out.width + x) * 4, (y * out.width + x) * 4 + 4)];
    expect(at(768, 512)).toEqual(at(760, 505));
    expect(at(2, 2)[0]).toBeLessThan(20);
    expect(at(1533, 2)[0]).toBeGreaterThan(235);
    expect(result.sent).toEqual({ surface: 'engine', engine: 'mean', model: 'gpt-image-1.5', size: '1536x1024', n: 1, seed: 1, promptIgnored: true });
  });

  it('gives each of n outputs its own seed', async () => {
    meanEngine.calls.length = 0;
    const result = await localProvider({ engine: meanEngine }).edit(request({ size: '1024x1024', n: 3, seed: 7 }));
    expect(meanEngine.calls.map((c) => c.seed)).toEqual([7, 8, 9]);
    expect(result.images[0]!.data).not.toEqual(result.images[1]!.data);
  });

  it('reports a usage estimate for the size it answered with', async () => {
    const result = await localProvider({ engine: meanEngine }).edit(request({ size: 'auto', quality: 'high' }));
    // 96x64 input: 1 image tile pair (768x512 → 2 tiles), 1536x1024 high output.
    expect(result.usage).toMatchObject({ output_tokens: 6208, input_tokens_details: { image_tokens: 65 + 129 * 2 } });
  });

  it.each([
    ['gpt-image-1.5', 'auto', 300, 1000, '1024x1536'],
    ['gpt-image-1.5', 'auto', 1000, 1000, '1024x1024'],
    ['dall-e-2', undefined, 1000, 600, '1024x1024'],
    ['gpt-image-2', '1536x864', 1000, 600, '1536x864'],
  ])('%s size %s for a %ix%i input → %s', (model, size, width, height, expected) => {
    const s = outputSize({ model, ...(size ? { size } : {}), image: { width, height, channels: 4, data: new Uint8Array(0) } });
    expect(`${s.width}x${s.height}`).toBe(expected);
  });

  it('runs a real embedded engine (telea) end to end', async () => {
    const { image, mask } = testInput();
    const result = await localProvider().edit({ image, mask, prompt: '', model: 'gpt-image-1.5', size: '1024x1024', engine: 'telea' });
    expect(result.sent).toMatchObject({ engine: 'telea' });
    expect([result.images[0]!.width, result.images[0]!.height]).toEqual([1024, 1024]);
  });
});
