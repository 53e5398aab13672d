/**
 * The model registry: every OpenAI image model maskedit knows, as dated data. Each entry holds its ids
 * (snapshots, aliases), its lifecycle (release, deprecation notice, shutdown, replacements), the endpoints that
 * take it, every edit parameter with its allowed values, its size rule, its prompt limit and (in prices.ts) its
 * price table with the date read and the source. Rules elsewhere read this table instead of testing model names;
 * lifecycle.ts judges an entry on a date. When OpenAI changes something, this file (and prices.ts) is the one
 * place to update — docs/models.md says how.
 *
 * Facts we could not confirm from OpenAI's own pages are listed in the entry's `uncertain` (and shown by
 * `maskedit models`).
 *
 * @example
 * getModel('gpt-image-1.5').inputFidelity // true
 * findModel('gpt-image-2-2026-04-21')?.id // 'gpt-image-2'
 */

/** The 16-px grid rule of the 2.x models. */
export interface FlexibleSizeRule {
  /** Both sides must be divisible by this. */
  multiple: number;
  /** Long side / short side must not exceed this (3 means 1:3 … 3:1). */
  maxAspect: number;
  maxEdge: number;
  minPixels: number;
  maxPixels: number;
  /** Sizes with more pixels than this are accepted but experimental (OpenAI: above 2560x1440). */
  experimentalAbovePixels: number;
}

/** The edit parameters the registry rules on (OpenAI's field names). */
export type ParamName = 'quality' | 'input_fidelity' | 'background' | 'complexity' | 'markup' | 'moderation' | 'output_format' | 'partial_images' | 'n';
export const PARAM_NAMES: readonly ParamName[] = ['quality', 'input_fidelity', 'background', 'complexity', 'markup', 'moderation', 'output_format', 'partial_images', 'n'];
/** Allowed values, or null when the model does not take the parameter. `markup: ['png']` = takes a PNG overlay. */
export type ParamTable = Readonly<Record<ParamName, readonly (string | number)[] | null>>;

export interface Endpoints {
  /** `POST /v1/images/edits`, multipart. */
  multipart: boolean;
  /** `POST /v1/images/edits`, JSON body (`images: [{ image_url | file_id }]`). */
  json: boolean;
  /** The Responses API's `image_generation` tool. */
  responses: boolean;
  /** The Batch API with `/v1/images/edits` (JSON, `file_id`). */
  batch: boolean;
}

export interface ModelLifecycle {
  /** YYYY-MM-DD. */
  released: string;
  /** The day OpenAI announced the deprecation (the model is deprecated from then on), or null. */
  deprecated: string | null;
  /** The first day the model no longer answers, or null when none is announced. */
  shutdown: string | null;
  /** OpenAI's recommended replacements, best first (followed to a live model on the date by lifecycle.ts). */
  replacements: readonly string[];
}

export interface ImageModel {
  id: string;
  family: 'gpt-image' | 'dall-e';
  /** Dated snapshot ids that share this entry's rules. */
  snapshots: readonly string[];
  /** Other ids OpenAI accepts for it (e.g. `chatgpt-image-latest`). */
  aliases: readonly string[];
  lifecycle: ModelLifecycle;
  /** Candidates for the default model: the newest active one on the date is the default (lifecycle.ts). */
  recommendedForEdits: boolean;
  /** What it is for, in a line (shown by `maskedit models`). */
  note: string;
  endpoints: Endpoints;
  params: ParamTable;
  /** Fixed output sizes the model takes as `size` (besides `auto` where {@link autoSize} is true). */
  sizes: readonly `${number}x${number}`[];
  autoSize: boolean;
  /** The 2.x models take any size meeting this rule. */
  flexibleSize?: FlexibleSizeRule;
  /** `input_fidelity` (low|high) is accepted (derived from `params`). */
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
  /** Derived from `params.quality`. */
  qualities: readonly string[];
  /** Derived from `params.partial_images`. */
  streaming: boolean;
  /** Derived from `params.output_format`. */
  outputFormats: readonly string[];
  /** Facts about this model we could not confirm from OpenAI's own pages. */
  uncertain: readonly string[];
  /** Where the facts were read, and when (YYYY-MM-DD). */
  source: string;
  readOn: string;
}

const MB = 1024 * 1024;
const GPT_SIZES = ['1024x1024', '1536x1024', '1024x1536'] as const;
const N_VALUES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
const PARTIALS = [0, 1, 2, 3] as const;
/** OpenAI, image generation guide (November 2026): the size rule of every 2.x model. */
export const GRID_RULE: FlexibleSizeRule = {
  multiple: 16, maxAspect: 3, maxEdge: 3840, minPixels: 655_360, maxPixels: 8_294_400, experimentalAbovePixels: 2560 * 1440,
};

const DEPRECATIONS = 'https://developers.openai.com/api/docs/deprecations';
const GUIDE = 'https://developers.openai.com/api/docs/guides/image-generation';
const REPLACE_1X = ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare'] as const;

type Spec = Omit<ImageModel, 'family' | 'sizes' | 'autoSize' | 'inputFidelity' | 'maxImages' | 'maxImageBytes' | 'maskSpecBytes' | 'maxMaskBytes'
  | 'imageFormats' | 'squareOnly' | 'qualities' | 'streaming' | 'outputFormats' | 'maxPromptChars' | 'snapshots' | 'aliases' | 'uncertain'>
  & Partial<Pick<ImageModel, 'sizes' | 'flexibleSize' | 'maxPromptChars' | 'snapshots' | 'aliases' | 'uncertain'>>;

const gptImage = (spec: Spec): ImageModel => ({
  family: 'gpt-image',
  snapshots: [],
  aliases: [],
  uncertain: [],
  sizes: GPT_SIZES,
  autoSize: true,
  maxPromptChars: 32000,
  maxImages: 16,
  maxImageBytes: 50 * MB,
  maskSpecBytes: 4 * MB,
  maxMaskBytes: 50 * MB,
  imageFormats: ['png', 'jpeg', 'webp'],
  squareOnly: false,
  ...spec,
  inputFidelity: spec.params.input_fidelity !== null,
  qualities: (spec.params.quality ?? []).map(String),
  streaming: (spec.params.partial_images ?? []).some((v) => Number(v) > 0),
  outputFormats: (spec.params.output_format ?? ['png']).map(String),
});

/** The 1.x parameter set: fixed sizes, input_fidelity, four qualities. */
const PARAMS_1X: ParamTable = {
  quality: ['low', 'medium', 'high', 'auto'],
  input_fidelity: ['low', 'high'],
  background: ['transparent', 'opaque', 'auto'],
  complexity: null,
  markup: null,
  moderation: ['low', 'auto'],
  output_format: ['png', 'jpeg', 'webp'],
  partial_images: PARTIALS,
  n: N_VALUES,
};
const PARAMS_25: ParamTable = {
  ...PARAMS_1X,
  quality: ['low', 'medium', 'high', 'xhigh', 'max', 'auto'],
  input_fidelity: null,
  background: ['transparent', 'opaque', 'auto'],
};
const PARAMS_26: ParamTable = {
  ...PARAMS_25,
  complexity: ['low', 'medium', 'high'],
  markup: ['png'],
  output_format: ['png', 'jpeg', 'webp', 'svg', 'gif'],
};
const ENDPOINTS_ALL: Endpoints = { multipart: true, json: true, responses: true, batch: true };
const UNCERTAIN_2X = [
  'prompt limit: 32000 characters assumed as for the 1.x models (not listed on the model page)',
  'output tokens per image: estimated from the 1.x figures scaled by pixel area; xhigh/max from high × 1.5 / × 2',
];

export const MODELS: readonly ImageModel[] = [
  gptImage({
    id: 'gpt-image-2.6-sunburst',
    lifecycle: { released: '2026-11-04', deprecated: null, shutdown: null, replacements: [] },
    recommendedForEdits: true,
    note: 'detailed work: the default for masked edits, which must keep the photo\'s detail',
    endpoints: ENDPOINTS_ALL,
    params: PARAMS_26,
    flexibleSize: GRID_RULE,
    uncertain: [...UNCERTAIN_2X, 'markup on the JSON route: sent as an image reference like the mask (the guide shows multipart only)', 'no dated snapshot id was listed when read'],
    source: 'https://developers.openai.com/api/docs/models/gpt-image-2.6-sunburst',
    readOn: '2026-11-30',
  }),
  gptImage({
    id: 'gpt-image-2.6-flare',
    lifecycle: { released: '2026-11-04', deprecated: null, shutdown: null, replacements: [] },
    recommendedForEdits: false,
    note: 'fast iteration: same parameters as sunburst, less time per image',
    endpoints: ENDPOINTS_ALL,
    params: PARAMS_26,
    flexibleSize: GRID_RULE,
    uncertain: [...UNCERTAIN_2X, 'markup on the JSON route: sent as an image reference like the mask (the guide shows multipart only)', 'no dated snapshot id was listed when read'],
    source: 'https://developers.openai.com/api/docs/models/gpt-image-2.6-flare',
    readOn: '2026-11-30',
  }),
  gptImage({
    id: 'gpt-image-2.5-sunburst',
    snapshots: ['gpt-image-2.5-sunburst-2026-09-08'],
    lifecycle: { released: '2026-09-08', deprecated: null, shutdown: null, replacements: [] },
    recommendedForEdits: true,
    note: 'detailed work (2.5 generation): no complexity, no markup',
    endpoints: ENDPOINTS_ALL,
    params: PARAMS_25,
    flexibleSize: GRID_RULE,
    uncertain: UNCERTAIN_2X,
    source: 'https://developers.openai.com/api/docs/models/gpt-image-2.5-sunburst',
    readOn: '2026-11-30',
  }),
  gptImage({
    id: 'gpt-image-2.5-flare',
    snapshots: ['gpt-image-2.5-flare-2026-09-08'],
    lifecycle: { released: '2026-09-08', deprecated: null, shutdown: null, replacements: [] },
    recommendedForEdits: false,
    note: 'fast iteration (2.5 generation)',
    endpoints: ENDPOINTS_ALL,
    params: PARAMS_25,
    flexibleSize: GRID_RULE,
    uncertain: UNCERTAIN_2X,
    source: 'https://developers.openai.com/api/docs/models/gpt-image-2.5-flare',
    readOn: '2026-11-30',
  }),
  gptImage({
    id: 'gpt-image-2',
    snapshots: ['gpt-image-2-2026-04-21'],
    lifecycle: { released: '2026-04-21', deprecated: null, shutdown: null, replacements: [] },
    recommendedForEdits: true,
    note: 'first 2.x model: any size on the 16-px grid; quality up to high',
    endpoints: ENDPOINTS_ALL,
    params: { ...PARAMS_1X, input_fidelity: null },
    flexibleSize: GRID_RULE,
    uncertain: [...UNCERTAIN_2X, 'input_fidelity: reports of errors; maskedit does not send it', 'background transparent: in preview'],
    source: 'https://developers.openai.com/api/docs/models/gpt-image-2',
    readOn: '2026-11-30',
  }),
  gptImage({
    id: 'gpt-image-1.5',
    snapshots: ['gpt-image-1.5-2025-12-16'],
    aliases: ['chatgpt-image-latest'],
    lifecycle: { released: '2025-12-16', deprecated: '2026-06-02', shutdown: '2026-12-01', replacements: REPLACE_1X },
    recommendedForEdits: true,
    note: 'the mask edit guide\'s model: input_fidelity high for the first five images',
    endpoints: ENDPOINTS_ALL,
    params: PARAMS_1X,
    highFidelityImages: 5,
    source: DEPRECATIONS,
    readOn: '2026-11-30',
  }),
  gptImage({
    id: 'gpt-image-1-mini',
    lifecycle: { released: '2025-10-06', deprecated: '2026-06-02', shutdown: '2026-12-01', replacements: REPLACE_1X },
    recommendedForEdits: false,
    note: 'low-cost 1.x variant',
    endpoints: ENDPOINTS_ALL,
    // The field guide says mini takes input_fidelity low only, which is the API's default: nothing worth sending.
    params: { ...PARAMS_1X, input_fidelity: null },
    uncertain: ['release date 2025-10-06 from public reports, not from OpenAI\'s page', 'input_fidelity: low only per the field guide; maskedit sends none'],
    source: DEPRECATIONS,
    readOn: '2026-11-30',
  }),
  gptImage({
    id: 'gpt-image-1',
    lifecycle: { released: '2025-04-23', deprecated: '2026-04-21', shutdown: '2026-10-23', replacements: ['gpt-image-1.5'] },
    recommendedForEdits: true,
    note: 'shut down; input_fidelity high for the first image',
    endpoints: ENDPOINTS_ALL,
    params: PARAMS_1X,
    uncertain: ['deprecation notice date (set to gpt-image-2\'s release) and replacement were not read; the shutdown date was'],
    source: DEPRECATIONS,
    readOn: '2026-11-30',
  }),
  {
    id: 'dall-e-2',
    family: 'dall-e',
    snapshots: [],
    aliases: [],
    lifecycle: { released: '2022-11-03', deprecated: '2025-11-14', shutdown: '2026-05-12', replacements: ['gpt-image-1-mini'] },
    recommendedForEdits: false,
    note: 'shut down; one square PNG, prompt up to 1000 characters',
    endpoints: { multipart: true, json: false, responses: false, batch: false },
    params: {
      quality: ['standard'], input_fidelity: null, background: null, complexity: null, markup: null, moderation: null,
      output_format: ['png'], partial_images: null, n: N_VALUES,
    },
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
    uncertain: ['dates from public reports of OpenAI\'s deprecation notice (shutdown 2026-05-12); OpenAI\'s page says only that it was removed'],
    source: 'https://developers.openai.com/api/docs/models/dall-e-2',
    readOn: '2026-11-30',
  },
];

/** Snapshots and aliases → the entry whose rules they share. */
const ALIASES: ReadonlyMap<string, string> = new Map(MODELS.flatMap((m) => [...m.snapshots, ...m.aliases].map((a) => [a, m.id] as const)));

/** The registry entry for a model id (or one of its snapshots or aliases), or undefined for one maskedit does not know. */
export function findModel(id: string): ImageModel | undefined {
  const key = ALIASES.get(id) ?? id;
  return MODELS.find((m) => m.id === key);
}

/**
 * The newest model recommended for edits, whatever the date: the rules an unknown id is checked with (a model
 * the data does not know yet is most likely a newer one). The default model on a date is lifecycle.ts's
 * `defaultModel(today)`.
 */
export const NEWEST_MODEL: string = [...MODELS].filter((m) => m.recommendedForEdits)
  .sort((a, b) => (a.lifecycle.released < b.lifecycle.released ? 1 : a.lifecycle.released > b.lifecycle.released ? -1 : 0))[0]!.id;

/** The registry entry, falling back to {@link NEWEST_MODEL}'s rules for unknown ids (report MODEL_UNKNOWN). */
export function getModel(id: string = NEWEST_MODEL): ImageModel {
  return findModel(id) ?? findModel(NEWEST_MODEL)!;
}

/** Every known id: registry ids, then snapshots and aliases. */
export function modelIds(opts: { withAliases?: boolean } = {}): string[] {
  return opts.withAliases ? [...MODELS.map((m) => m.id), ...ALIASES.keys()] : MODELS.map((m) => m.id);
}

export interface Size { width: number; height: number }

export function parseSize(s: string): Size | null {
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(s);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}

export function formatSize(s: Size): `${number}x${number}` {
  return `${s.width}x${s.height}`;
}

/** Why `width`x`height` breaks the grid rule, or null when it meets it. */
export function gridSizeProblem(rule: FlexibleSizeRule, width: number, height: number): string | null {
  const size = `${width}x${height}`;
  if (width % rule.multiple || height % rule.multiple) return `both sides must be divisible by ${rule.multiple}, received ${size}`;
  if (Math.max(width, height) > rule.maxEdge) return `the long side must be at most ${rule.maxEdge} px, received ${size}`;
  if (Math.max(width, height) / Math.min(width, height) > rule.maxAspect) return `aspect must be between 1:${rule.maxAspect} and ${rule.maxAspect}:1, received ${size}`;
  const px = width * height;
  if (px < rule.minPixels || px > rule.maxPixels) {
    return `total pixels must be ${rule.minPixels.toLocaleString('en-US')}–${rule.maxPixels.toLocaleString('en-US')}, received ${size} (${px.toLocaleString('en-US')})`;
  }
  return null;
}

/** Why a size is not accepted by the model, or null when it is. */
export function sizeProblem(model: ImageModel, size: string): string | null {
  if (size === 'auto') return model.autoSize ? null : `${model.id} does not take size=auto; use one of ${model.sizes.join(', ')}`;
  if ((model.sizes as readonly string[]).includes(size)) return null;
  const parsed = parseSize(size);
  const rule = model.flexibleSize;
  if (!rule) return `${model.id} takes sizes ${[...model.sizes, ...(model.autoSize ? ['auto'] : [])].join(', ')}, received ${size}`;
  if (!parsed) return `size must look like WIDTHxHEIGHT, received ${size}`;
  return gridSizeProblem(rule, parsed.width, parsed.height);
}

/** The size rule in words, for messages and `maskedit models`. */
export function describeSizes(model: ImageModel): string {
  const r = model.flexibleSize;
  if (!r) return [...model.sizes, ...(model.autoSize ? ['auto'] : [])].join(', ');
  return `any WxH on a ${r.multiple}-px grid, long edge ≤ ${r.maxEdge}, aspect ≤ ${r.maxAspect}:1, ${r.minPixels.toLocaleString('en-US')}–${r.maxPixels.toLocaleString('en-US')} px${model.autoSize ? ', auto' : ''}`;
}
