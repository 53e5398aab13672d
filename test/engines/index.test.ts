import { describe, expect, it } from 'vitest';
import { checkFillInputs, DEFAULT_ENGINE, ENGINE_NAMES, getEngine } from '../../src/engines/index.js';
import { mask, texture } from './_images.js';

describe('getEngine', () => {
  it.each(ENGINE_NAMES.map((n) => [n]))('loads %s', async (name) => {
    expect((await getEngine(name)).name).toBe(name);
  });

  it('defaults to heal', async () => {
    expect(DEFAULT_ENGINE).toBe('heal');
    expect((await getEngine()).name).toBe('heal');
  });

  it('names the engines it knows when asked for another', async () => {
    await expect(getEngine('lama')).rejects.toMatchObject({
      code: 'ENGINE_UNKNOWN',
      message: 'unknown engine "lama"; expected one of heal, patchmatch, telea, ns',
      fix: 'use --engine heal (the default), patchmatch, telea or ns',
    });
  });
});

describe('checkFillInputs', () => {
  it('counts hole pixels', () => {
    expect(checkFillInputs(texture(4, 4), mask(4, 4, (x) => x === 0, 7))).toBe(4);
  });

  it.each([
    ['IMAGE_NOT_RGBA', { width: 2, height: 2, channels: 3 as const, data: new Uint8Array(12) }, mask(2, 2, () => false)],
    ['MASK_NOT_SINGLE_CHANNEL', texture(2, 2), texture(2, 2)],
    ['MASK_SIZE_MISMATCH', texture(2, 2), mask(3, 2, () => false)],
    ['MASK_ALL_EDITABLE', texture(2, 2), mask(2, 2, () => true)],
  ])('throws %s', (code, image, m) => {
    expect(() => checkFillInputs(image, m)).toThrow(expect.objectContaining({ code, fix: expect.any(String) }));
  });
});
