/**
 * The contract every provider meets (local engine, OpenAI images, OpenAI json, later responses), run by each
 * provider's test file with its own factory: outputs are RGBA at the requested size, `n` is honoured, the
 * request's model/size/quality/prompt reach the other side, a fired signal aborts, and bad requests fail with a
 * coded MaskeditError.
 */
import { describe, expect, it } from 'vitest';
import { MaskeditError } from '../../src/core/errors.js';
import { createEditMask, createRaster, type EditMask, type Raster } from '../../src/core/raster.js';
import type { Provider, ProviderRequest } from '../../src/providers/provider.js';

export interface ProviderCase {
  name: string;
  make(): Promise<Provider> | Provider;
  /** What the other side received for the last edit (prompt, size, quality, model, n), if it can be observed. */
  lastSent?(): Record<string, unknown> | undefined;
  /** A request the provider must refuse, and the code it refuses it with. */
  bad: { request: Partial<ProviderRequest>; code: string };
}

/** A 96x64 RGBA gradient with a 24x16 editable rectangle in the middle. */
export function testInput(width = 96, height = 64): { image: Raster & { channels: 4 }; mask: EditMask } {
  const image = createRaster(width, height, 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const o = (y * width + x) * 4;
    image.data[o] = Math.round((x / width) * 255);
    image.data[o + 1] = Math.round((y / height) * 255);
    image.data[o + 2] = 128;
    image.data[o + 3] = 255;
  }
  const mask = createEditMask(width, height);
  for (let y = height / 2 - 8; y < height / 2 + 8; y++) for (let x = width / 2 - 12; x < width / 2 + 12; x++) mask.data[y * width + x] = 255;
  return { image, mask };
}

export function request(extra: Partial<ProviderRequest> = {}): ProviderRequest {
  return { ...testInput(), prompt: 'A gradient with a pink square in the middle. Preserve the gradient.', model: 'gpt-image-1.5', ...extra };
}

export function runProviderContract(c: ProviderCase): void {
  describe(`provider contract: ${c.name}`, () => {
    it.each([
      ['1024x1024', 1024, 1024],
      ['1536x1024', 1536, 1024],
      ['auto', 1536, 1024], // the 96x64 input is 3:2 → the landscape size
    ])('returns RGBA images at size %s', async (size, width, height) => {
      const provider = await c.make();
      const result = await provider.edit(request({ size, quality: 'low' }));
      expect(result.images).toHaveLength(1);
      const [img] = result.images;
      expect({ width: img!.width, height: img!.height, channels: img!.channels, bytes: img!.data.length }).toEqual({ width, height, channels: 4, bytes: width * height * 4 });
    });

    it('honours n', async () => {
      const provider = await c.make();
      const result = await provider.edit(request({ size: '1024x1024', quality: 'low', n: 2 }));
      expect(result.images).toHaveLength(2);
      for (const img of result.images) expect([img.width, img.height]).toEqual([1024, 1024]);
    });

    it('passes model, size, quality and prompt through and reports usage', async () => {
      const provider = await c.make();
      const req = request({ size: '1024x1536', quality: 'medium', model: 'gpt-image-2.5-flare' });
      const result = await provider.edit(req);
      expect(result.sent).toMatchObject({ model: 'gpt-image-2.5-flare', size: '1024x1536' });
      expect(result.usage?.output_tokens).toBe(1584);
      expect(result.usage?.total_tokens).toBe((result.usage?.input_tokens ?? 0) + 1584);
    });

    it.skipIf(!c.lastSent)('sends model, size, quality and prompt over the wire', async () => {
      const provider = await c.make();
      const req = request({ size: '1024x1536', quality: 'medium', model: 'gpt-image-2.5-flare' });
      await provider.edit(req);
      expect(c.lastSent!()).toMatchObject({ model: 'gpt-image-2.5-flare', size: '1024x1536', quality: 'medium', prompt: req.prompt });
    });

    it('aborts when the signal has fired', async () => {
      const provider = await c.make();
      const controller = new AbortController();
      controller.abort();
      await expect(provider.edit(request({ size: '1024x1024', signal: controller.signal }))).rejects.toMatchObject({ code: 'ABORTED' });
    });

    it(`refuses a bad request with ${c.bad.code}`, async () => {
      const provider = await c.make();
      const err = await provider.edit(request(c.bad.request)).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(MaskeditError);
      expect((err as MaskeditError).code).toBe(c.bad.code);
      expect((err as MaskeditError).fix).toBeTruthy();
    });
  });
}
