/**
 * Cost estimate of an edit before it is sent, from OpenAI's published token facts (image generation guide,
 * "Cost and latency") and the dated price table in prices.ts.
 *
 * Token facts (GPT image models):
 * - output tokens per image by quality and size — square 1024x1024 / portrait 1024x1536 / landscape 1536x1024:
 *   low 272/408/400, medium 1056/1584/1568, high 4160/6240/6208; each streamed partial image adds 100;
 * - input image tokens: the image is fitted inside 2048x2048, then scaled so its shortest side is 512 px, and
 *   costs 65 + 129 per 512-px tile; `input_fidelity=high` adds about 4160 tokens for a square image and 6240
 *   for a non-square one, for each image that gets high fidelity (the first one on gpt-image-1, the first five on
 *   gpt-image-1.5 — registry `highFidelityImages`);
 * - text input tokens are estimated at 4 characters per token (English prose; the API reports the real count).
 *
 * Assumptions (also returned in `notes`): `quality=auto` is estimated as `high` so `--max-cost` is an upper
 * bound; `size=auto` is the standard size nearest the first input image's aspect (square without inputs);
 * gpt-image-2's free sizes scale the nearest standard figure by pixel area; the mask is not billed as an
 * input image; nothing is cached.
 *
 * @example
 * estimateCost({ model: 'gpt-image-1.5', size: '1024x1024', quality: 'medium', inputImages: [{ width: 1024, height: 1024 }], promptChars: 200 }).usd
 */
import { MaskeditError } from './errors.js';
import { getModel, parseSize, type Size } from './models.js';
import { pricesFor } from './prices.js';

export interface CostInput {
  model: string;
  size?: string;
  quality?: string;
  inputFidelity?: 'low' | 'high';
  n?: number;
  partialImages?: number;
  /** The images sent: the base image first, then references. */
  inputImages?: readonly Size[];
  promptChars?: number;
}

export interface CostEstimate {
  model: string;
  /** The size and quality the estimate used (after resolving `auto`). */
  size: string;
  quality: string;
  inputTokens: number;
  imageInputTokens: number;
  textInputTokens: number;
  outputTokens: number;
  usd: number;
  pricesReadOn: string;
  notes: string[];
}

type Quality = 'low' | 'medium' | 'high' | 'xhigh' | 'max';
type BaseQuality = 'low' | 'medium' | 'high';

/** Output tokens per image: [square, portrait 1024x1536, landscape 1536x1024]. */
export const OUTPUT_TOKENS: Readonly<Record<BaseQuality, readonly [number, number, number]>> = {
  low: [272, 408, 400],
  medium: [1056, 1584, 1568],
  high: [4160, 6240, 6208],
};

/**
 * xhigh and max (2.5/2.6) have no published token figures: estimated as high × these factors (an assumption,
 * reported in every estimate that uses them; docs/models.md).
 */
export const QUALITY_FACTORS: Readonly<Record<'xhigh' | 'max', number>> = { xhigh: 1.5, max: 2 };
export const PARTIAL_IMAGE_TOKENS = 100;
export const HIGH_FIDELITY_TOKENS = { square: 4160, nonSquare: 6240 } as const;
export const CHARS_PER_TEXT_TOKEN = 4;

const STANDARD: readonly Size[] = [{ width: 1024, height: 1024 }, { width: 1024, height: 1536 }, { width: 1536, height: 1024 }];

/** The standard size whose aspect is nearest (in log ratio) to `w`x`h`. */
export function nearestStandardSize(width: number, height: number, sizes: readonly Size[] = STANDARD): Size {
  const target = Math.log(width / height);
  let best = sizes[0]!;
  for (const s of sizes) if (Math.abs(Math.log(s.width / s.height) - target) < Math.abs(Math.log(best.width / best.height) - target)) best = s;
  return best;
}

/**
 * Image input tokens of one image for the GPT image models: fit in 2048², shortest side to 512, 65 + 129 per
 * 512-px tile.
 *
 * @example
 * imageInputTokens(1024, 1024) // 194
 */
export function imageInputTokens(width: number, height: number): number {
  let w = width, h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit; h *= fit;
  const toShort = 512 / Math.min(w, h);
  w = Math.round(w * toShort); h = Math.round(h * toShort);
  const tiles = Math.ceil(w / 512) * Math.ceil(h / 512);
  return 65 + 129 * tiles;
}

/** Output tokens of one image at `size` and `quality` (free sizes scale by area from the same-shape figure). */
export function outputTokensFor(size: Size, quality: Quality): number {
  if (quality === 'xhigh' || quality === 'max') return Math.round(outputTokensFor(size, 'high') * QUALITY_FACTORS[quality]);
  const [square, portrait, landscape] = OUTPUT_TOKENS[quality];
  const shape = size.width === size.height ? 0 : size.height > size.width ? 1 : 2;
  const exact = STANDARD[shape]!;
  const base = [square, portrait, landscape][shape]!;
  if (exact.width === size.width && exact.height === size.height) return base;
  return Math.round(base * (size.width * size.height) / (exact.width * exact.height));
}

/**
 * Tokens and dollars for one edit request.
 *
 * @example
 * const e = estimateCost({ model: 'gpt-image-1.5', size: '1536x1024', quality: 'high', inputFidelity: 'high', inputImages: [{ width: 3000, height: 2000 }], promptChars: 300 });
 * e.outputTokens // 6208
 */
export function estimateCost(input: CostInput): CostEstimate {
  const model = getModel(input.model);
  const notes: string[] = [];
  if (model.id !== input.model && !model.snapshots.includes(input.model) && !model.aliases.includes(input.model)) notes.push(`unknown model ${input.model}: estimated with ${model.id}'s prices`);
  const n = Math.max(1, input.n ?? 1);
  const partials = Math.max(0, input.partialImages ?? 0);
  const images = input.inputImages ?? [];
  const textInputTokens = Math.ceil((input.promptChars ?? 0) / CHARS_PER_TEXT_TOKEN);
  const prices = pricesFor(model.id);

  if (!prices || prices.kind === 'per-image') {
    const size = input.size && input.size !== 'auto' ? input.size : '1024x1024';
    const each = prices?.kind === 'per-image' ? prices.perImage[size] ?? 0 : 0;
    notes.push(`${model.id} is billed per image ($${each} at ${size}); token counts are not reported`);
    return {
      model: model.id, size, quality: input.quality ?? 'standard',
      inputTokens: 0, imageInputTokens: 0, textInputTokens: 0, outputTokens: 0,
      usd: round6(each * n), pricesReadOn: prices?.readOn ?? '', notes,
    };
  }

  let size: Size;
  if (!input.size || input.size === 'auto') {
    const first = images[0];
    size = first ? nearestStandardSize(first.width, first.height) : STANDARD[0]!;
    notes.push(`size auto: estimated at ${size.width}x${size.height}, the standard size nearest the ${first ? 'input aspect' : 'default (no input image)'}`);
  } else {
    size = parseSize(input.size) ?? STANDARD[0]!;
    if (!STANDARD.some((s) => s.width === size.width && s.height === size.height)) {
      notes.push(`size ${input.size}: output tokens scaled by pixel area from the ${size.width === size.height ? 'square' : size.height > size.width ? 'portrait' : 'landscape'} figure`);
    }
  }
  let quality: Quality;
  if (input.quality === 'low' || input.quality === 'medium' || input.quality === 'high') quality = input.quality;
  else if (input.quality === 'xhigh' || input.quality === 'max') {
    quality = input.quality;
    notes.push(`quality ${quality}: no published token figure; estimated as high × ${QUALITY_FACTORS[quality]}`);
  } else {
    quality = 'high';
    notes.push(model.qualities.includes('xhigh')
      ? `quality ${input.quality ?? 'auto'}: estimated as high; ${model.id} may also pick xhigh or max, which cost more — pass --quality to bound --max-cost`
      : `quality ${input.quality ?? 'auto'}: estimated as high (the model may pick lower; this is an upper bound)`);
  }

  let imageTokens = images.reduce((sum, im) => sum + imageInputTokens(im.width, im.height), 0);
  if (input.inputFidelity === 'high' && model.inputFidelity) {
    const highCount = Math.min(images.length, model.highFidelityImages ?? 1);
    for (const im of images.slice(0, highCount)) imageTokens += im.width === im.height ? HIGH_FIDELITY_TOKENS.square : HIGH_FIDELITY_TOKENS.nonSquare;
    notes.push(`input_fidelity high: +${HIGH_FIDELITY_TOKENS.square} (square) / +${HIGH_FIDELITY_TOKENS.nonSquare} (non-square) input tokens for the first ${highCount} image(s)`);
  }
  if (prices.uncertain) notes.push(`${model.id}'s prices were not read on OpenAI's own page (read ${prices.readOn}, ${prices.source}): an estimate`);
  if (partials > 0) notes.push(`${partials} partial image(s): +${PARTIAL_IMAGE_TOKENS} output tokens each`);
  const outputTokens = n * (outputTokensFor(size, quality) + PARTIAL_IMAGE_TOKENS * partials);
  const usd = (textInputTokens * prices.textInput + imageTokens * prices.imageInput + outputTokens * prices.imageOutput) / 1e6;
  return {
    model: model.id, size: `${size.width}x${size.height}`, quality,
    inputTokens: imageTokens + textInputTokens, imageInputTokens: imageTokens, textInputTokens, outputTokens,
    usd: round6(usd), pricesReadOn: prices.readOn, notes,
  };
}

/** OpenAI's `ImagesResponse.usage` shape for an estimate (what the local provider reports). */
export function usageFor(e: CostEstimate): { input_tokens: number; output_tokens: number; total_tokens: number; input_tokens_details: { image_tokens: number; text_tokens: number } } {
  return {
    input_tokens: e.inputTokens,
    output_tokens: e.outputTokens,
    total_tokens: e.inputTokens + e.outputTokens,
    input_tokens_details: { image_tokens: e.imageInputTokens, text_tokens: e.textInputTokens },
  };
}

/**
 * Refuses an edit whose estimate is above the user's `--max-cost`.
 *
 * @example
 * assertWithinBudget(estimateCost({ model: 'gpt-image-1.5', quality: 'high' }), 0.01) // throws COST_ABOVE_LIMIT
 */
export function assertWithinBudget(e: CostEstimate, maxUsd: number | undefined): void {
  if (maxUsd === undefined || e.usd <= maxUsd) return;
  throw new MaskeditError('COST_ABOVE_LIMIT',
    `the edit is estimated at $${formatUsd(e.usd)} (${e.inputTokens} input + ${e.outputTokens} output tokens on ${e.model}, ${e.size}, quality ${e.quality}), above --max-cost $${formatUsd(maxUsd)}`,
    'lower --quality (low costs about a quarter of medium), use --fidelity low, reduce -n or --partial-images, or raise --max-cost');
}

/** Dollars with enough digits for cent fractions: 0.0423, 0.134. */
export function formatUsd(usd: number): string {
  return usd >= 1 ? usd.toFixed(2) : usd.toPrecision(3).replace(/0+$/, '').replace(/\.$/, '');
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
