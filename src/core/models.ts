/**
 * What each image model accepts, as data (source: `CreateImageEditRequest` in the OpenAPI spec and the mask
 * edit guide). Rules elsewhere read this table instead of testing model names.
 *
 * @example
 * getModel('gpt-image-1.5').inputFidelity // true
 */
export interface FlexibleSizeRule {
  /** Both sides must be divisible by this. */
  multiple: number;
  /** Long side / short side must not exceed this (3 means 1:3 … 3:1). */
  maxAspect: number;
  maxEdge: number;
  maxPixels: number;
}

export interface ImageModel {
  id: string;
  family: 'gpt-image' | 'dall-e';
  /** Fixed output sizes the model takes as `size` (besides `auto` where {@link autoSize} is true). */
  sizes: readonly `${number}x${number}`[];
  autoSize: boolean;
  /** gpt-image-2 also takes any size meeting this rule. */
  flexibleSize?: FlexibleSizeRule;
  /** `input_fidelity` (low|high) is accepted. */
  inputFidelity: boolean;
  /** Input images past this count get the ordinary (lower) fidelity on gpt-image-1.5. */
  highFidelityImages?: number;
  maxPromptChars: number;
  maxImages: number;
  maxImageBytes: number;
  /** The spec says the mask PNG must be under 4 MB; the guide says 50 MB. maskedit warns past the spec's figure. */
  maskSpecBytes: number;
  maxMaskBytes: number;
  imageFormats: readonly ('png' | 'jpeg' | 'webp')[];
  /** dall-e-2 takes only one square PNG. */
  squareOnly: boolean;
  qualities: readonly string[];
  streaming: boolean;
  outputFormats: readonly ('png' | 'jpeg' | 'webp')[];
}

export const DEFAULT_MODEL = 'gpt-image-1.5';

const MB = 1024 * 1024;
const GPT_SIZES = ['1024x1024', '1536x1024', '1024x1536'] as const;
const GPT_QUALITIES = ['low', 'medium', 'high', 'auto'] as const;

const gptImage = (id: string, extra: Partial<ImageModel> = {}): ImageModel => ({
  id,
  family: 'gpt-image',
  sizes: GPT_SIZES,
  autoSize: true,
  inputFidelity: true,
  maxPromptChars: 32000,
  maxImages: 16,
  maxImageBytes: 50 * MB,
  maskSpecBytes: 4 * MB,
  maxMaskBytes: 50 * MB,
  imageFormats: ['png', 'jpeg', 'webp'],
  squareOnly: false,
  qualities: GPT_QUALITIES,
  streaming: true,
  outputFormats: ['png', 'jpeg', 'webp'],
  ...extra,
});

export const MODELS: readonly ImageModel[] = [
  gptImage('gpt-image-1.5', { highFidelityImages: 5 }),
  gptImage('gpt-image-1'),
  gptImage('gpt-image-1-mini', { inputFidelity: false }),
  gptImage('gpt-image-2', {
    inputFidelity: false,
    flexibleSize: { multiple: 16, maxAspect: 3, maxEdge: 3840, maxPixels: 3840 * 2160 },
  }),
  {
    id: 'dall-e-2',
    family: 'dall-e',
    sizes: ['256x256', '512x512', '1024x1024'],
    autoSize: false,
    inputFidelity: false,
    maxPromptChars: 1000,
    maxImages: 1,
    maxImageBytes: 4 * MB,
    maskSpecBytes: 4 * MB,
    maxMaskBytes: 4 * MB,
    imageFormats: ['png'],
    squareOnly: true,
    qualities: ['standard'],
    streaming: false,
    outputFormats: ['png'],
  },
];

/** Dated snapshots and aliases resolve to the entry whose rules they share. */
const ALIASES: Record<string, string> = {
  'gpt-image-2-2026-04-21': 'gpt-image-2',
  'chatgpt-image-latest': 'gpt-image-1.5',
};

/** The registry entry for a model id, or undefined for a model maskedit does not know. */
export function findModel(id: string): ImageModel | undefined {
  const key = ALIASES[id] ?? id;
  return MODELS.find((m) => m.id === key);
}

/** The registry entry, falling back to the default model's rules for unknown ids (report MODEL_UNKNOWN). */
export function getModel(id: string = DEFAULT_MODEL): ImageModel {
  return findModel(id) ?? findModel(DEFAULT_MODEL)!;
}

export function modelIds(): string[] {
  return MODELS.map((m) => m.id);
}

export interface Size { width: number; height: number }

export function parseSize(s: string): Size | null {
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(s);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}

export function formatSize(s: Size): `${number}x${number}` {
  return `${s.width}x${s.height}`;
}

/** Why a size is not accepted by the model, or null when it is. */
export function sizeProblem(model: ImageModel, size: string): string | null {
  if (size === 'auto') return model.autoSize ? null : `${model.id} does not take size=auto; use one of ${model.sizes.join(', ')}`;
  if ((model.sizes as readonly string[]).includes(size)) return null;
  const parsed = parseSize(size);
  const rule = model.flexibleSize;
  if (!rule) return `${model.id} takes sizes ${[...model.sizes, ...(model.autoSize ? ['auto'] : [])].join(', ')}, received ${size}`;
  if (!parsed) return `size must look like WIDTHxHEIGHT, received ${size}`;
  const { width, height } = parsed;
  if (width % rule.multiple || height % rule.multiple) return `both sides must be divisible by ${rule.multiple}, received ${size}`;
  if (Math.max(width, height) / Math.min(width, height) > rule.maxAspect) return `aspect must be between 1:${rule.maxAspect} and ${rule.maxAspect}:1, received ${size}`;
  if (Math.max(width, height) > rule.maxEdge || width * height > rule.maxPixels) return `at most ${rule.maxEdge} px on the long side and ${rule.maxPixels} pixels, received ${size}`;
  return null;
}
