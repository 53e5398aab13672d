/**
 * What OpenAI charges for image edits, as one dated table. Prices change; update the numbers and the date
 * together, and nothing else needs to move.
 *
 * Sources, read on {@link PRICES_READ_ON}:
 * - GPT image models bill tokens: text input, image input and image output, in USD per 1M tokens, as listed on
 *   OpenAI's model pages (developers.openai.com/api/docs/models/<id>) and pricing page
 *   (developers.openai.com/api/docs/pricing). gpt-image-1-mini: $2 text / $2.50 image input / $8 output;
 *   gpt-image-1.5: $5 / $8 / $32; gpt-image-1: $5 / $10 / $40.
 * - gpt-image-2: $5 text / $8 image input / $30 image output, taken from public listings that mirror OpenAI's
 *   page (we could not read OpenAI's own page for it); treat it as the least certain row.
 * - dall-e-2 bills per image by size: $0.016 (256²), $0.018 (512²), $0.020 (1024²), from OpenAI's pricing page.
 * Cached input prices are listed for completeness; estimates assume nothing is cached.
 */
export const PRICES_READ_ON = '2026-11-25';

export interface TokenPrices {
  kind: 'tokens';
  /** USD per 1M tokens. */
  textInput: number;
  cachedTextInput?: number;
  imageInput: number;
  cachedImageInput?: number;
  imageOutput: number;
}

export interface PerImagePrices {
  kind: 'per-image';
  /** USD per output image by size (`WxH`). */
  perImage: Readonly<Record<string, number>>;
}

export type ModelPrices = TokenPrices | PerImagePrices;

export const PRICES: Readonly<Record<string, ModelPrices>> = {
  'gpt-image-1.5': { kind: 'tokens', textInput: 5, cachedTextInput: 1.25, imageInput: 8, cachedImageInput: 2, imageOutput: 32 },
  'gpt-image-1': { kind: 'tokens', textInput: 5, cachedTextInput: 1.25, imageInput: 10, cachedImageInput: 2.5, imageOutput: 40 },
  'gpt-image-1-mini': { kind: 'tokens', textInput: 2, cachedTextInput: 0.2, imageInput: 2.5, cachedImageInput: 0.25, imageOutput: 8 },
  'gpt-image-2': { kind: 'tokens', textInput: 5, cachedTextInput: 1.25, imageInput: 8, cachedImageInput: 2, imageOutput: 30 },
  'dall-e-2': { kind: 'per-image', perImage: { '256x256': 0.016, '512x512': 0.018, '1024x1024': 0.02 } },
};

/** Prices for a registry model id (aliases resolved by the caller through `getModel`). */
export function pricesFor(modelId: string): ModelPrices | undefined {
  return PRICES[modelId];
}
