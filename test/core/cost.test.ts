import { describe, expect, it } from 'vitest';
import { assertWithinBudget, estimateCost, formatUsd, imageInputTokens, nearestStandardSize, outputTokensFor, usageFor } from '../../src/core/cost.js';
import { MaskeditError } from '../../src/core/errors.js';
import { PRICES, PRICES_READ_ON } from '../../src/core/prices.js';
import { modelIds } from '../../src/core/models.js';

describe('output tokens (OpenAI image generation guide, "Cost and latency")', () => {
  it.each([
    ['low', 1024, 1024, 272], ['low', 1024, 1536, 408], ['low', 1536, 1024, 400],
    ['medium', 1024, 1024, 1056], ['medium', 1024, 1536, 1584], ['medium', 1536, 1024, 1568],
    ['high', 1024, 1024, 4160], ['high', 1024, 1536, 6240], ['high', 1536, 1024, 6208],
    // gpt-image-2 free sizes: scaled by pixel area from the same-shape figure.
    ['high', 2048, 2048, 4160 * 4], ['low', 1536, 864, Math.round(400 * (1536 * 864) / (1536 * 1024))],
    ['medium', 512, 512, 264],
  ] as const)('%s %ix%i → %i', (quality, width, height, tokens) => {
    expect(outputTokensFor({ width, height }, quality)).toBe(tokens);
  });
});

describe('imageInputTokens: shortest side to 512, 65 + 129 per 512-px tile', () => {
  it.each([
    [1024, 1024, 65 + 129], // 512x512: 1 tile
    [512, 512, 65 + 129],
    [256, 256, 65 + 129], // scaled up to 512
    [1536, 1024, 65 + 129 * 2], // 768x512: 2 tiles
    [3000, 2000, 65 + 129 * 2], // 768x512
    [1024, 1536, 65 + 129 * 2],
    [4000, 1000, 65 + 129 * 4], // fit 2048x512: 4 tiles
    [1000, 3000, 65 + 129 * 3], // 512x1536: 3 tiles
  ])('%ix%i → %i', (w, h, tokens) => {
    expect(imageInputTokens(w, h)).toBe(tokens);
  });
});

describe('nearestStandardSize', () => {
  it.each([[1000, 1000, '1024x1024'], [3000, 2000, '1536x1024'], [2000, 3000, '1024x1536'], [1100, 1000, '1024x1024'], [1400, 1000, '1536x1024']])('%ix%i → %s', (w, h, s) => {
    const n = nearestStandardSize(w, h);
    expect(`${n.width}x${n.height}`).toBe(s);
  });
});

describe('estimateCost', () => {
  it('prices a medium square edit on gpt-image-1.5 from the table', () => {
    const e = estimateCost({ model: 'gpt-image-1.5', size: '1024x1024', quality: 'medium', inputImages: [{ width: 1024, height: 1024 }], promptChars: 200 });
    expect(e).toEqual({
      model: 'gpt-image-1.5', size: '1024x1024', quality: 'medium',
      inputTokens: 194 + 50, imageInputTokens: 194, textInputTokens: 50, outputTokens: 1056,
      usd: (50 * 5 + 194 * 8 + 1056 * 32) / 1e6, pricesReadOn: '2026-11-25', notes: [],
    });
    // Same order as OpenAI's published per-image price for a medium square ($0.034).
    expect(e.usd).toBeGreaterThan(0.034);
    expect(e.usd).toBeLessThan(0.037);
  });

  it.each([
    // [case, input, imageInputTokens, outputTokens]
    ['high fidelity, landscape photo', { model: 'gpt-image-1.5', size: '1536x1024', quality: 'high', inputFidelity: 'high', inputImages: [{ width: 3000, height: 2000 }] }, 323 + 6240, 6208],
    ['high fidelity, square', { model: 'gpt-image-1', size: '1024x1024', quality: 'low', inputFidelity: 'high', inputImages: [{ width: 1024, height: 1024 }] }, 194 + 4160, 272],
    ['high fidelity: gpt-image-1 only the first image', { model: 'gpt-image-1', size: '1024x1024', quality: 'low', inputFidelity: 'high', inputImages: [{ width: 1024, height: 1024 }, { width: 1024, height: 1024 }] }, 2 * 194 + 4160, 272],
    ['high fidelity: gpt-image-1.5 up to five images', { model: 'gpt-image-1.5', size: '1024x1024', quality: 'low', inputFidelity: 'high', inputImages: Array(6).fill({ width: 1024, height: 1024 }) }, 6 * 194 + 5 * 4160, 272],
    ['high fidelity ignored by a model without it', { model: 'gpt-image-1-mini', size: '1024x1024', quality: 'low', inputFidelity: 'high', inputImages: [{ width: 1024, height: 1024 }] }, 194, 272],
    ['n and partial images', { model: 'gpt-image-1.5', size: '1024x1536', quality: 'low', n: 3, partialImages: 2, inputImages: [] }, 0, 3 * (408 + 200)],
    ['size auto follows the input aspect', { model: 'gpt-image-1.5', size: 'auto', quality: 'low', inputImages: [{ width: 2000, height: 3000 }] }, 323, 408],
    ['quality auto is estimated as high', { model: 'gpt-image-1.5', size: '1024x1024', quality: 'auto' }, 0, 4160],
    ['gpt-image-2 free size', { model: 'gpt-image-2', size: '2048x2048', quality: 'medium' }, 0, 4 * 1056],
  ] as const)('%s', (_name, input, imageTokens, outputTokens) => {
    const e = estimateCost(input);
    expect(e.imageInputTokens).toBe(imageTokens);
    expect(e.outputTokens).toBe(outputTokens);
    const p = PRICES[e.model];
    if (p?.kind !== 'tokens') throw new Error('expected token prices');
    expect(e.usd).toBeCloseTo((e.textInputTokens * p.textInput + imageTokens * p.imageInput + outputTokens * p.imageOutput) / 1e6, 6);
  });

  it('writes down its assumptions', () => {
    expect(estimateCost({ model: 'gpt-image-1.5', size: 'auto', quality: 'auto', partialImages: 1, inputFidelity: 'high', inputImages: [{ width: 3000, height: 2000 }] }).notes).toEqual([
      'size auto: estimated at 1536x1024, the standard size nearest the input aspect',
      'quality auto: estimated as high (the model may pick lower; this is an upper bound)',
      'input_fidelity high: +4160 (square) / +6240 (non-square) input tokens for the first 1 image(s)',
      '1 partial image(s): +100 output tokens each',
    ]);
    expect(estimateCost({ model: 'gpt-image-2', size: '1536x864', quality: 'low' }).notes).toEqual([
      'size 1536x864: output tokens scaled by pixel area from the landscape figure',
      'gpt-image-2\'s prices were not read on OpenAI\'s own page (read 2026-11-25, https://developers.openai.com/api/docs/models/gpt-image-2): an estimate',
    ]);
    expect(estimateCost({ model: 'nope-1', size: '1024x1024', quality: 'low' }).notes[0]).toBe('unknown model nope-1: estimated with gpt-image-2.6-sunburst\'s prices');
    expect(estimateCost({ model: 'gpt-image-2.6-sunburst', size: '1024x1024', quality: 'low' }).notes).toEqual([]);
  });

  it.each([
    // [model, quality, output tokens of a 1024x1024 image, USD with no inputs] — prices from the dated tables
    ['gpt-image-2.6-sunburst', 'high', 4160, 4160 * 30 / 1e6],
    ['gpt-image-2.6-flare', 'xhigh', 6240, 6240 * 30 / 1e6],
    ['gpt-image-2.5-sunburst', 'max', 8320, 8320 * 30 / 1e6],
    ['gpt-image-2', 'medium', 1056, 1056 * 30 / 1e6],
    ['gpt-image-1.5', 'low', 272, 272 * 32 / 1e6],
    ['gpt-image-1-mini', 'low', 272, 272 * 8 / 1e6],
    ['gpt-image-1', 'low', 272, 272 * 40 / 1e6],
  ] as const)('%s at quality %s: %i output tokens', (model, quality, tokens, usd) => {
    const e = estimateCost({ model, size: '1024x1024', quality });
    expect(e.outputTokens).toBe(tokens);
    expect(e.usd).toBeCloseTo(usd, 9);
  });

  it('quality auto on a model with xhigh/max says the estimate is not an upper bound', () => {
    expect(estimateCost({ model: 'gpt-image-2.6-sunburst', size: '1024x1024' }).notes).toEqual([
      'quality auto: estimated as high; gpt-image-2.6-sunburst may also pick xhigh or max, which cost more — pass --quality to bound --max-cost',
    ]);
  });

  it('xhigh and max say they are estimates', () => {
    expect(estimateCost({ model: 'gpt-image-2.6-sunburst', size: '1024x1024', quality: 'max' }).notes).toEqual(['quality max: no published token figure; estimated as high × 2']);
  });

  it('prices dall-e-2 per image', () => {
    const e = estimateCost({ model: 'dall-e-2', size: '512x512', n: 2, inputImages: [{ width: 512, height: 512 }], promptChars: 100 });
    expect(e.usd).toBe(0.036);
    expect(e.outputTokens).toBe(0);
    expect(e.notes).toEqual(['dall-e-2 is billed per image ($0.018 at 512x512); token counts are not reported']);
  });

  it('has a price row for every model in the registry', () => {
    for (const id of modelIds()) expect(PRICES[id], id).toBeDefined();
    expect(PRICES_READ_ON).toMatch(/^2026-\d\d-\d\d$/);
  });
});

describe('usageFor', () => {
  it('has the shape of ImagesResponse.usage', () => {
    const e = estimateCost({ model: 'gpt-image-1.5', size: '1024x1024', quality: 'low', inputImages: [{ width: 1024, height: 1024 }], promptChars: 40 });
    expect(usageFor(e)).toEqual({ input_tokens: 204, output_tokens: 272, total_tokens: 476, input_tokens_details: { image_tokens: 194, text_tokens: 10 } });
  });
});

describe('assertWithinBudget', () => {
  const e = estimateCost({ model: 'gpt-image-1.5', size: '1024x1024', quality: 'high', inputImages: [{ width: 1024, height: 1024 }] });

  it('passes at or under the limit and without one', () => {
    expect(() => assertWithinBudget(e, e.usd)).not.toThrow();
    expect(() => assertWithinBudget(e, 1)).not.toThrow();
    expect(() => assertWithinBudget(e, undefined)).not.toThrow();
  });

  it('refuses above it with COST_ABOVE_LIMIT', () => {
    let err: unknown;
    try { assertWithinBudget(e, 0.01); } catch (x) { err = x; }
    expect(err).toBeInstanceOf(MaskeditError);
    expect((err as MaskeditError).code).toBe('COST_ABOVE_LIMIT');
    expect((err as MaskeditError).message).toBe('the edit is estimated at $0.135 (194 input + 4160 output tokens on gpt-image-1.5, 1024x1024, quality high), above --max-cost $0.01');
    expect((err as MaskeditError).fix).toBe('lower --quality (low costs about a quarter of medium), use --fidelity low, reduce -n or --partial-images, or raise --max-cost');
  });

  it.each([[0.0423, '0.0423'], [0.135, '0.135'], [1.5, '1.50'], [0.0001, '0.0001']])('formatUsd(%d) = %s', (v, s) => {
    expect(formatUsd(v)).toBe(s);
  });
});
