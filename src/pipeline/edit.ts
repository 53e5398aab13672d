/**
 * The main job: `edit()` takes an image, a mask and what the user wants, and returns an edit at the input's
 * full size where every pixel outside the mask is bit-identical to the input (strict mode, the default).
 *
 * It runs the pipeline's four stages (src/pipeline/stages.ts): prepare (decode, doctor, repair, lint, fidelity,
 * references) → plan (provider, registry, crops, cost) → send → finish (map back, spillover, strict stitch,
 * report). Every step reports its time through `onProgress`; the whole run can be cancelled through `signal`.
 */
import type { FidelityRequest, Subject } from '../core/fidelity.js';
import type { RegionsMode } from '../core/sizing.js';
import type { SeamMode } from '../core/composite.js';
import type { ProgressCallback } from '../core/progress.js';
import type { Provider, ProviderName, Surface } from '../providers/index.js';
import { finish, plan, prepare, send, stageRun, type EditResult } from './stages.js';
import type { PixelPool } from './pixel-pool.js';

export {
  EditRefusedError, type CropReport, type EditReport, type EditResult, type OutputReport,
} from './stages.js';
export type { SpilloverSummary } from '../core/edit-math.js';

export interface EditOptions {
  /** Path or bytes of the image to edit (PNG, JPEG or WebP; EXIF orientation is applied). */
  image: string | Uint8Array;
  /** Path or bytes of the mask: RGBA, alpha 0 = editable (OpenAI's convention). */
  mask: string | Uint8Array;
  /** The whole prompt, or build one from scene/change/preserve. */
  prompt?: string;
  scene?: string;
  change?: string;
  /** Things to keep, `"a; b"` or an array; added to the prompt. */
  preserve?: string | string[];
  /** Default: the default model on `today` (core/lifecycle.ts `defaultModel`). */
  model?: string;
  /**
   * The date the model is judged on (YYYY-MM-DD): a shut-down model is refused before anything is read or
   * sent, a deprecated one warns. Default: today's UTC date (the CLI passes MASKEDIT_TODAY when set).
   */
  today?: string;
  /** 2.6 models: low|medium|high (OpenAI's default: high). */
  complexity?: string;
  /** JSON and Responses surfaces: low|auto. */
  moderation?: string;
  /** 2.6 models: `auto` draws the mask's outline and a pointer on a transparent overlay; or a path / PNG bytes of the user's own. */
  markup?: 'auto' | string | Uint8Array;
  /** `auto` (default) asks the fidelity advisor. */
  fidelity?: FidelityRequest;
  subject?: Subject;
  /** Forces the size sent to the model and whole-image mode; default: planned. */
  size?: string;
  quality?: string;
  n?: number;
  background?: 'transparent' | 'opaque' | 'auto';
  /** `auto` (default) crops around the mask; `off` sends the whole image. */
  crop?: 'auto' | 'off';
  regions?: RegionsMode;
  /** Context margin around the mask's box for crop mode, in source pixels. */
  context?: number;
  /** Strict stitch (default true): everything outside the mask stays bit-identical. */
  strict?: boolean;
  seam?: SeamMode;
  /** Inward feather of the stitch in pixels (default 4). */
  feather?: number;
  /** Outward feather instead: lets pixels just outside the mask blend; the band is reported. */
  featherOutward?: number;
  /** How far the mask sent to the model is grown for context (the blend stays tight). */
  grow?: number;
  /**
   * Expands the region that is REPLACED by this many pixels (Crop-and-Stitch's "mask expand pixels"): the
   * doctor's coverage check, the plan and the stitch use the expanded mask, so a tight mask's edge ring is
   * replaced too. Everything outside the expanded mask stays bit-identical. Default 0 (docs/locality.md).
   */
  expand?: number;
  /**
   * `local` (embedded engine, the default) or `openai`, or a provider object. The library reads no environment:
   * the CLI passes `openai` when OPENAI_API_KEY is set in its environment (docs/architecture.md).
   */
  provider?: ProviderName | Provider;
  /** OpenAI: the API key (required with `provider: 'openai'`; never logged). The CLI passes OPENAI_API_KEY. */
  apiKey?: string;
  /** OpenAI: the API's base URL (default https://api.openai.com/v1). The CLI passes OPENAI_BASE_URL. */
  baseURL?: string;
  /** Responses surface: the top-level model (default gpt-4.1). The CLI passes MASKEDIT_RESPONSES_MODEL. */
  responsesModel?: string;
  surface?: Surface;
  engine?: string;
  /** Embedded engine only: mask files or bytes (same format as `mask`: alpha 0 marks the area) of areas the fill
   * may also sample from, and of areas it must never sample from. */
  sampleFrom?: string | Uint8Array;
  exclude?: string | Uint8Array;
  /** Extra images after the base one (the mask applies to the first). */
  references?: (string | Uint8Array)[];
  /** Repair what the mask doctor can safely repair instead of stopping. */
  fix?: boolean;
  /** Refuse to send an OpenAI request whose estimate is above this many USD. */
  maxCostUsd?: number;
  /** Responses surface: continue from this earlier response (`previous_response_id`), sent with every crop. */
  previousResponseId?: string;
  partialImages?: number;
  onPartial?: (partial: { index: number; crop: number; bytes: Uint8Array; outputFormat: string }) => void;
  seed?: number;
  maxPixels?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** Run the model mask's and finish's pixel loops in this worker (`createPixelPool()`; the server's), keeping the event loop free. */
  pixels?: PixelPool;
}

/**
 * Runs one masked edit.
 *
 * @example
 * const { outputs, report } = await edit({ image: 'photo.jpg', mask: 'mask.png', prompt: 'A lounge with a pool. Remove the chair.' });
 * console.log(report.finalOutsideChangedPixels); // 0
 */
export async function edit(opts: EditOptions): Promise<EditResult> {
  const run = stageRun({ ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  const prepared = await prepare(opts, run);
  const planned = await plan(prepared, {
    ...opts,
    // The library's default is the embedded engine; the CLI picks openai when its environment has OPENAI_API_KEY.
    provider: opts.provider ?? 'local',
  }, run);
  const sent = await send(prepared, planned, {
    ...(opts.onPartial ? { onPartial: (p) => opts.onPartial!({ index: p.index, crop: p.crop, bytes: Buffer.from(p.b64, 'base64'), outputFormat: p.outputFormat }) } : {}),
    ...(opts.previousResponseId ? { previousResponseId: opts.previousResponseId } : {}),
    ...(opts.engine ? { engine: opts.engine } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.pixels ? { pixels: opts.pixels } : {}),
  }, run);
  // edit() owns `prepared`: the first output may take the input's buffer (no full-size copy).
  return finish(prepared, planned, sent, { ...opts, takeInput: true }, run);
}

/** Kept here for callers of the pipeline's first home; the function lives in core (src/core/edit-math.ts). */
export { countOutsideChanged } from '../core/edit-math.js';
