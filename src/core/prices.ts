/**
 * What OpenAI charges for image edits: one dated price table per model, each with the day it was read, where,
 * and whether we are sure. Prices change; update a row, its `readOn` and its `source` together, and nothing
 * else needs to move (docs/models.md).
 *
 * - GPT image models bill tokens: text input, image input and image output, USD per 1M tokens (cached input
 *   listed for completeness; estimates assume nothing is cached).
 * - dall-e-2 billed per image by size.
 * - `uncertain: true` marks rows not read on OpenAI's own page (third-party listings that mirror it, or "same
 *   token rates as gpt-image-2" statements): estimates from them say so.
 */

export interface TokenPrices {
  kind: 'tokens';
  /** USD per 1M tokens. */
  textInput: number;
  cachedTextInput: number;
  imageInput: number;
  cachedImageInput: number;
  imageOutput: number;
  readOn: string;
  source: string;
  uncertain: boolean;
}

export interface PerImagePrices {
  kind: 'per-image';
  /** USD per output image by size (`WxH`). */
  perImage: Readonly<Record<string, number>>;
  readOn: string;
  source: string;
  uncertain: boolean;
}

export type ModelPrices = TokenPrices | PerImagePrices;

const PAGE = (id: string) => `https://developers.openai.com/api/docs/models/${id}`;
const tokens = (textInput: number, cachedTextInput: number, imageInput: number, cachedImageInput: number, imageOutput: number,
  readOn: string, source: string, uncertain = false): TokenPrices =>
  ({ kind: 'tokens', textInput, cachedTextInput, imageInput, cachedImageInput, imageOutput, readOn, source, uncertain });

export const PRICES: Readonly<Record<string, ModelPrices>> = {
  'gpt-image-2.6-sunburst': tokens(5, 1.25, 8, 2, 30, '2026-11-30', PAGE('gpt-image-2.6-sunburst')),
  // The flare page was not read; OpenAI's launch note gives the pair one price list.
  'gpt-image-2.6-flare': tokens(5, 1.25, 8, 2, 30, '2026-11-30', PAGE('gpt-image-2.6-flare'), true),
  // "Same token rates as gpt-image-2" (public forwarding docs, 2026-09-09); OpenAI's page not read.
  'gpt-image-2.5-sunburst': tokens(5, 1.25, 8, 2, 30, '2026-11-30', 'https://docs.laozhang.ai/en/api-capabilities/gpt-image-2-5.md', true),
  'gpt-image-2.5-flare': tokens(5, 1.25, 8, 2, 30, '2026-11-30', 'https://docs.laozhang.ai/en/api-capabilities/gpt-image-2-5.md', true),
  // Public listings that mirror OpenAI's page; OpenAI's own page could not be read.
  'gpt-image-2': tokens(5, 1.25, 8, 2, 30, '2026-11-25', PAGE('gpt-image-2'), true),
  'gpt-image-1.5': tokens(5, 1.25, 8, 2, 32, '2026-11-25', PAGE('gpt-image-1.5')),
  'gpt-image-1': tokens(5, 1.25, 10, 2.5, 40, '2026-11-25', PAGE('gpt-image-1')),
  'gpt-image-1-mini': tokens(2, 0.2, 2.5, 0.25, 8, '2026-11-30', PAGE('gpt-image-1-mini')),
  'dall-e-2': { kind: 'per-image', perImage: { '256x256': 0.016, '512x512': 0.018, '1024x1024': 0.02 }, readOn: '2026-11-25', source: 'https://developers.openai.com/api/docs/pricing', uncertain: false },
};

/** The newest `readOn` of the table (what the README and `maskedit models` call "prices read on"). */
export const PRICES_READ_ON: string = Object.values(PRICES).reduce((a, p) => (p.readOn > a ? p.readOn : a), '');

/** Prices for a registry model id (aliases resolved by the caller through `getModel`). */
export function pricesFor(modelId: string): ModelPrices | undefined {
  return PRICES[modelId];
}

/**
 * OpenAI's Batch API bills every request of a batch at this fraction of the synchronous price ("50% lower
 * costs", 24 h completion window). `maskedit batch --openai-batch` estimates and reports spend with it.
 */
export const BATCH_DISCOUNT = { factor: 0.5, readOn: '2026-11-30', source: 'https://platform.openai.com/docs/guides/batch', uncertain: false } as const;
