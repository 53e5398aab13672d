/**
 * The edit flow in named stages, shared by every surface (docs/architecture.md):
 *
 *   prepare (decode, doctor, repair, expand, lint, fidelity, references) → plan → send → finish
 *
 * - the library's `edit()` (the CLI, the studio's `/api/edit`, batch) runs all four: a crop around the mask at a
 *   size the model takes, map back, spillover, strict stitch, report;
 * - the server's OpenAI routes (`/v1/images/edits`, `/v1/responses`) run `prepare`, {@link planPassthrough} and
 *   `send`, then finish as OpenAI answers (`finishImagesResponse` in src/server/edit-run.ts): the whole image at
 *   the requested size, not stitched back.
 *
 * Each stage takes the previous stages' typed results and a {@link StageRun} (timings, progress, cancellation),
 * and throws the same coded errors whoever calls it. Pure arithmetic lives in src/core/edit-math.ts.
 */
import { readInputFile, probeImage, decodeImage, decodeProbed, MIME, type DecodedImage } from '../io/image.js';
import { MaskError, MaskeditError, throwIfAborted } from '../core/errors.js';
import { REPAIRABLE_CODES, type Code } from '../core/codes.js';
import { hasErrors, sortProblems, type Problem } from '../core/problems.js';
import { boundingBox, cloneRaster, createEditMask, sameSize, type Box, type EditMask, type EditStats, type Raster } from '../core/raster.js';
import { describeSizes, findModel, getModel, parseSize, sizeProblem, type ImageModel } from '../core/models.js';
import { activeModels, assertModelLive, defaultModel, isoDate, statusOf } from '../core/lifecycle.js';
import { resolveParams, type ParamDecision, type RequestedParams } from '../core/params.js';
import { diagnoseMarkup, drawMarkup } from '../core/markup.js';
import { composePrompt, lintPrompt, type PromptParts } from '../core/prompt.js';
import { adviseFidelity, type FidelityRequest, type Subject } from '../core/fidelity.js';
import { assertWithinBudget, estimateCost, type CostEstimate } from '../core/cost.js';
import { planCrops, type Plan, type RegionsMode } from '../core/sizing.js';
import { anyOverlap, crop, growBox, intersectBox, paste, unionBox } from '../core/crop.js';
import { patchMeter, spilloverInBoxes, spilloverOfMeters, type SpilloverReport } from '../core/spillover.js';
import { blendMaskFor, blendMaskIn, DEFAULT_FEATHER, DEFAULT_MODEL_GROW, DEFAULT_SEAM, modelMaskFor, prepareStitch, stitch, stitchPatches, type SeamMode, type StitchPrep } from '../core/composite.js';
import { renderHeatmap } from '../core/heatmap.js';
import type { EncodeLoss } from '../core/encode-loss.js';
import type { ExpandResult } from '../core/expand.js';
import type { ProgressCallback } from '../core/progress.js';
import {
  addUsage, countOutsideChanged, countOutsideChangedSaved, cropOwnership, expandForEdit, keepOnlyInside, round6, sumEstimates, summarizeSpill,
  type SpilloverSummary,
} from '../core/edit-math.js';
import { resample, resampleEachStrip, resampleRegion } from '../io/resample.js';
import { readEditMask } from '../io/mask.js';
import { checkPairDecoded, repairMask, type CheckReport } from './check.js';
import { createProvider, type Provider, type ProviderName, type ProviderRequest, type ProviderUsage, type ReferenceImage, type Surface } from '../providers/index.js';
import { DEFAULT_ENGINE } from '../engines/engine.js';
import { jobRegion, placeResult, regionJob, type WholeInputs } from './finish-region.js';
import type { PixelPool } from './pixel-pool.js';

type Rgba = Raster & { channels: 4 };

// ---- the run: timings, progress, cancellation ------------------------------------------------------------

/** What every stage reports through: per-step timings, progress events and the cancellation signal. */
export interface StageRun {
  /** Runs `fn` as step `name`: checks the signal first, adds its time to `timings`, reports it through `progress`. */
  step<T>(name: string, fn: () => Promise<T> | T, message?: (v: T) => string | undefined): Promise<T>;
  progress: ProgressCallback;
  timings: Record<string, number>;
  signal?: AbortSignal;
}

/**
 * @example
 * const run = stageRun({ onProgress: (e) => console.error(e.step, e.ms) });
 */
export function stageRun(opts: { onProgress?: ProgressCallback; signal?: AbortSignal } = {}): StageRun {
  const timings: Record<string, number> = {};
  const progress = opts.onProgress ?? (() => {});
  return {
    timings, progress, ...(opts.signal ? { signal: opts.signal } : {}),
    async step(name, fn, message) {
      throwIfAborted(opts.signal);
      const t = performance.now();
      const v = await fn();
      const ms = performance.now() - t;
      timings[name] = Math.round((timings[name] ?? 0) + ms);
      const m = message?.(v);
      progress({ step: name, ms, ...(m ? { message: m } : {}) });
      return v;
    },
  };
}

/** Raised when the mask doctor or prompt linter finds errors; `problems` holds them all. */
export class EditRefusedError extends MaskeditError {
  readonly problems: Problem[];
  /** `repairable`: every error is one `fix: true` (`--fix`) repairs, and the fix says so. */
  constructor(problems: Problem[], repairable = false) {
    const first = problems.find((p) => p.severity === 'error')!;
    const more = problems.filter((p) => p.severity === 'error').length - 1;
    super(first.code as Code, `${first.message}${more > 0 ? ` (and ${more} more error${more > 1 ? 's' : ''})` : ''}`,
      repairable ? `${first.fix}; or rerun with --fix to repair the mask automatically` : first.fix);
    this.name = 'EditRefusedError';
    this.problems = problems;
  }
}

/** A reference image (an extra input after the base image) that could not be read; `index` counts from 0. */
export class ReferenceInputError extends MaskeditError {
  readonly index: number;
  constructor(cause: MaskeditError, index: number) {
    super(cause.code, cause.message, cause.fix, { cause });
    this.name = 'ReferenceInputError';
    this.index = index;
  }
}

// ---- prepare ---------------------------------------------------------------------------------------------

/** A reference image given as bytes with the name messages use and the file name it is sent under. */
export interface ReferenceInput {
  bytes: Uint8Array;
  label: string;
  name?: string;
}

export interface PrepareOptions {
  /** Path or bytes of the image to edit (PNG, JPEG or WebP; EXIF orientation is applied). */
  image: string | Uint8Array;
  /** Path or bytes of the mask: RGBA, alpha 0 = editable (OpenAI's convention). */
  mask: string | Uint8Array;
  /** Names for messages (default: the path, else `image` / `mask`). */
  imageLabel?: string;
  maskLabel?: string;
  /** The whole prompt, or built from scene/change/preserve (core/prompt.ts `buildPrompt`). */
  prompt?: string;
  scene?: string;
  change?: string;
  preserve?: string | string[];
  /** Send `prompt` exactly as given instead of building one (the server: OpenAI's `prompt` field is sent verbatim). */
  promptAsIs?: boolean;
  /** Default: the default model on `today`. */
  model?: string;
  /** YYYY-MM-DD; default: today's UTC date. */
  today?: string;
  n?: number;
  /** `auto` (default) asks the fidelity advisor. */
  fidelity?: FidelityRequest;
  /** False: no advice; only a requested low/high is sent (the server sends what the client sent). Default true. */
  adviseFidelity?: boolean;
  subject?: Subject;
  /** Repair what the mask doctor can safely repair instead of stopping. */
  fix?: boolean;
  /** Grows the replaced region by this many pixels (core/edit-math.ts `expandForEdit`). */
  expand?: number;
  /** Embedded engine only: mask files or bytes of areas the fill may also sample from / must never sample from. */
  sampleFrom?: string | Uint8Array;
  exclude?: string | Uint8Array;
  /** Extra images after the base one (the mask applies to the first). */
  references?: (string | Uint8Array | ReferenceInput)[];
  /** Pixel limit per decoded file, references included (default: io/image.ts's). */
  maxPixels?: number;
}

export interface LoadedReference {
  ref: ReferenceImage;
  size: { width: number; height: number };
}

/** What `prepare` hands on: the decoded, checked inputs and everything decided before a provider is chosen. */
export interface Prepared {
  today: string;
  modelId: string;
  model: ImageModel;
  /** The model's status on `today`. */
  lifecycle: 'active' | 'deprecated' | 'shutdown' | 'unknown';
  n: number;
  input: DecodedImage;
  /** `input.raster`. */
  original: Rgba;
  /** The region to replace (repaired and expanded as asked): 255 = editable. */
  editMask: EditMask;
  /** `editMask`'s bounding box and editable count when the mask's decode found them (so `plan` need not scan for them). */
  editStats?: EditStats;
  /** Warnings so far: the doctor's, the lifecycle's, the linter's, the fidelity advice's, the references'. */
  problems: Problem[];
  /** What `fix` repaired. */
  repairs: string[];
  expanded: ExpandResult | undefined;
  sampling: { sampleFrom?: EditMask; exclude?: EditMask };
  prompt: string;
  fidelity: { value: 'low' | 'high' | undefined; reason: string };
  references: LoadedReference[];
}

const toBytes = async (x: string | Uint8Array, role: 'image' | 'mask') => (typeof x === 'string' ? readInputFile(x, role) : x);

/**
 * Stage 1: reads and decodes the image and mask once, runs the mask doctor, repairs (`fix`), expands, reads the
 * sampling masks, builds and lints the prompt, asks the fidelity advisor and probes the references. A shut-down
 * model is refused before any file is read (MODEL_SHUT_DOWN); doctor and linter errors raise
 * {@link EditRefusedError}; an unreadable reference raises {@link ReferenceInputError}.
 *
 * @example
 * const prepared = await prepare({ image: 'photo.jpg', mask: 'mask.png', prompt: 'Remove the chair.' }, stageRun());
 */
export async function prepare(opts: PrepareOptions, run: StageRun = stageRun()): Promise<Prepared> {
  const today = opts.today ?? isoDate(new Date());
  const modelId = opts.model ?? defaultModel(today);
  // A shut-down model is refused before any file is read or any request is made (MODEL_SHUT_DOWN, exit 1).
  const lifecycle = assertModelLive(modelId, today);
  const model = getModel(modelId);
  const n = opts.n ?? 1;
  // CreateImageEditRequest.n: 1–10. Anything else would size the output arrays wrongly (2.5, NaN).
  if (!Number.isInteger(n) || n < 1 || n > 10) {
    throw new MaskeditError('MODEL_N_UNSUPPORTED', `n must be a whole number from 1 to 10, received ${n}`, 'ask for 1 to 10 images, e.g. n: 2');
  }
  const limit = opts.maxPixels ? { maxPixels: opts.maxPixels } : {};

  // Decode both files once and run the mask doctor on them.
  const imageLabel = opts.imageLabel ?? (typeof opts.image === 'string' ? opts.image : 'image');
  const maskLabel = opts.maskLabel ?? (typeof opts.mask === 'string' ? opts.mask : 'mask');
  let maskBytes: Uint8Array | undefined;
  const { report: check, decoded } = await run.step('check', async () => {
    const [image, mask] = await Promise.all([toBytes(opts.image, 'image'), toBytes(opts.mask, 'mask')]);
    maskBytes = mask;
    // Of the mask only its alpha is decoded (its RGBA is decoded again below in the rare case --fix needs it).
    return checkPairDecoded({ image, mask, imageLabel, maskLabel, model: modelId, keepMask: false, ...limit });
  }, (r) => summarizeCheck(r.report));
  // The doctor's MODEL_UNKNOWN is replaced by the lifecycle's (which names the closest ids).
  const problems: Problem[] = [...check.problems.filter((p) => p.code !== 'MODEL_UNKNOWN'), ...lifecycle];
  const repairs: string[] = [];
  let editMask = decoded.editMask;
  let editStats = decoded.editStats;
  // --fix also reads a soft mask at the one threshold (core/threshold.ts), as check's repaired figure and `maskedit mask` do.
  if (hasErrors(check.problems) || (opts.fix && check.problems.some((p) => p.code === 'MASK_PARTIAL_ALPHA'))) {
    const candidate = decoded.image && decoded.maskInfo && check.problems.every((p) => p.severity === 'warning' || REPAIRABLE_CODES.has(p.code));
    // Whether --fix would work is known only by trying (another aspect ratio, say, cannot be repaired).
    let repaired: ReturnType<typeof repairMask> | undefined;
    try {
      if (candidate) repaired = repairMask(decoded.image!, decoded.mask ?? await decodeProbed(maskBytes!, decoded.maskInfo!, { role: 'mask', label: maskLabel, ...limit }));
    } catch (e) {
      if (opts.fix) throw e;
    }
    if (!opts.fix || !repaired) throw new EditRefusedError(sortProblems(check.problems), Boolean(repaired));
    editMask = repaired.editMask;
    editStats = undefined;
    repairs.push(...repaired.applied);
    run.progress({ step: 'fix', message: repaired.applied.join('; ') });
  }
  const input = decoded.image!;
  // The mask file's RGBA is needed only by the doctor and --fix: let it go before the full-size buffers below.
  decoded.mask = null;
  if (!editMask) throw new EditRefusedError(sortProblems(check.problems));
  const original = input.raster;
  // --expand: the replaced region itself grows; everything below (plan, model mask, stitch, counts) uses it.
  const { expanded, problems: expandProblems } = expandForEdit(editMask, opts.expand);
  problems.push(...expandProblems);
  if (expanded) editStats = undefined;
  editMask = expanded?.mask ?? editMask;
  const sampling = await readSamplingMasks(opts, original);

  // Prompt and fidelity.
  // The model's limit counts the whole prompt sent: the closing sentence is left out (with a warning) rather
  // than crossing it.
  const composed = opts.promptAsIs ? { text: opts.prompt ?? '', problems: [] } : composePrompt(promptParts(opts), { model: modelId });
  const prompt = composed.text;
  const promptProblems = [...composed.problems, ...lintPrompt(prompt, { model: modelId })];
  problems.push(...promptProblems);
  if (hasErrors(promptProblems)) throw new EditRefusedError(sortProblems(promptProblems));
  const fidelity = opts.adviseFidelity === false && (opts.fidelity === undefined || opts.fidelity === 'auto')
    ? { value: undefined, reason: 'not requested', problems: [] }
    : adviseFidelity({ model: modelId, prompt, ...(opts.subject ? { subject: opts.subject } : {}), requested: opts.fidelity ?? 'auto' });
  problems.push(...fidelity.problems);

  // References: probed (header only, under the same pixel limit as the image), counted against the model.
  const references = await loadReferences(opts.references ?? [], limit);
  if (references.length + 1 > model.maxImages) {
    throw new MaskeditError('MODEL_TOO_MANY_IMAGES', `${model.id} takes at most ${model.maxImages} image(s), received ${references.length + 1}`, 'drop some --ref images');
  }
  if (model.highFidelityImages && references.length + 1 > model.highFidelityImages) {
    problems.push({ code: 'MODEL_FIDELITY_IMAGES', severity: 'warning', message: `${model.id} preserves the first ${model.highFidelityImages} input images with higher fidelity; ${references.length + 1} were given`, fix: 'put the references that matter most first, or send fewer' });
  }
  return {
    today, modelId, model, lifecycle: findModel(modelId) ? statusOf(getModel(modelId), today) : 'unknown', n, input, original, editMask, ...(editStats ? { editStats } : {}),
    problems, repairs, expanded, sampling, prompt, fidelity: { value: fidelity.value, reason: fidelity.reason }, references,
  };
}

function promptParts(opts: PrepareOptions): PromptParts {
  return {
    ...(opts.prompt !== undefined ? { prompt: opts.prompt } : {}),
    ...(opts.scene !== undefined ? { scene: opts.scene } : {}),
    ...(opts.change !== undefined ? { change: opts.change } : {}),
    ...(opts.preserve !== undefined ? { preserve: opts.preserve } : {}),
  };
}

async function loadReferences(list: readonly (string | Uint8Array | ReferenceInput)[], limit: { maxPixels?: number }): Promise<LoadedReference[]> {
  return Promise.all(list.map(async (r, i) => {
    const given = typeof r === 'string' || r instanceof Uint8Array ? undefined : r;
    const label = given?.label ?? (typeof r === 'string' ? r : `reference ${i + 1}`);
    try {
      const bytes = given?.bytes ?? await toBytes(r as string | Uint8Array, 'image');
      const info = await probeImage(bytes, { label, ...limit });
      const name = given ? given.name : `ref-${i + 1}.${info.format === 'jpeg' ? 'jpg' : info.format}`;
      return { ref: { bytes, mime: MIME[info.format], ...(name ? { name } : {}) }, size: { width: info.width, height: info.height } };
    } catch (e) {
      throw e instanceof MaskeditError ? new ReferenceInputError(e, i) : e;
    }
  }));
}

/**
 * The embedded engine's sampling areas (`sampleFrom`, `exclude`): mask files read like the edit mask (alpha 0
 * marks the area), of the image's size.
 */
async function readSamplingMasks(opts: Pick<PrepareOptions, 'sampleFrom' | 'exclude' | 'maxPixels'>, image: Raster): Promise<{ sampleFrom?: EditMask; exclude?: EditMask }> {
  const out: { sampleFrom?: EditMask; exclude?: EditMask } = {};
  for (const [key, flag] of [['sampleFrom', '--sample-from'], ['exclude', '--exclude']] as const) {
    const source = opts[key];
    if (source === undefined) continue;
    const path = typeof source === 'string' ? source : `${key}.png`;
    const { mask } = await readEditMask(source, { label: path, ...(opts.maxPixels ? { maxPixels: opts.maxPixels } : {}) });
    if (!sameSize(mask, image)) {
      throw new MaskError('MASK_SIZE_MISMATCH', `${flag} mask ${path} is ${mask.width}x${mask.height} but the image is ${image.width}x${image.height}`, `resize it with \`maskedit mask ${path} -o OUT --match IMAGE\``);
    }
    out[key] = mask;
  }
  return out;
}

export function summarizeCheck(r: CheckReport): string {
  const e = r.problems.filter((p) => p.severity === 'error').length;
  const w = r.problems.length - e;
  const frac = r.mask?.editableFraction;
  return `${r.image ? `${r.image.width}x${r.image.height}` : '?'}${frac !== undefined ? `, ${(frac * 100).toFixed(1)} % editable` : ''}${e ? `, ${e} error(s)` : ''}${w ? `, ${w} warning(s)` : ''}`;
}

// ---- plan ------------------------------------------------------------------------------------------------

export interface PlanOptions {
  /** `local` (embedded engine) or `openai`, or a provider object. Default `local` (the CLI picks `openai` when it has a key). */
  provider?: ProviderName | Provider;
  surface?: Surface;
  engine?: string;
  /** OpenAI: API key and base URL for a provider made here (the entry point read them). */
  apiKey?: string;
  baseURL?: string;
  responsesModel?: string;
  quality?: string;
  background?: 'transparent' | 'opaque' | 'auto';
  complexity?: string;
  moderation?: string;
  /** `auto` draws the mask's outline and a pointer; or a path / PNG bytes of the user's own overlay. */
  markup?: 'auto' | string | Uint8Array;
  partialImages?: number;
  /** Forces the size sent to the model and whole-image mode; default: planned. */
  size?: string;
  crop?: 'auto' | 'off';
  regions?: RegionsMode;
  context?: number;
  /** How far the mask sent to the model is grown (default 8 px for a model, 0 for the embedded engine). */
  grow?: number;
  /** Refuse an OpenAI request whose estimate is above this many USD. */
  maxCostUsd?: number;
}

/** One request to make: the box of the input it covers and the size asked of the provider. */
export interface PlannedCrop {
  x: number;
  y: number;
  width: number;
  height: number;
  sendWidth: number;
  sendHeight: number;
  region: { x: number; y: number; width: number; height: number };
}

/** What `plan` hands on: the provider, the parameters the registry let through, and the crops to send. */
export interface Planned {
  provider: Provider;
  providerName: ProviderName;
  /** The parameters to send (the requested ones the model takes) and each one's fate. */
  send: RequestedParams;
  decisions: ParamDecision[];
  /** `crop`/`whole`: resized crops mapped back; `native`: the engine fills the whole image at its own size; `passthrough`: the whole image sent as is, the answer returned as the provider gave it (the server). */
  mode: Plan['mode'] | 'native' | 'passthrough';
  crops: PlannedCrop[];
  detail: Plan['detail'];
  /** passthrough: the `size` asked of the provider as the client sent it (undefined: the provider's default). */
  size?: string;
  /** The mask sent to the model is grown by this many pixels. */
  grow: number;
  /** A user's own markup overlay, checked against the image and mask. */
  userMarkup?: Rgba;
  estimate: CostEstimate;
  /** Warnings the plan adds (dropped parameters, the markup's). */
  problems: Problem[];
}

/**
 * Stage 2: picks the provider, passes every parameter through the model registry (a refused one stops here,
 * before any request), checks a user's markup, plans the crops at sizes the model takes (or the whole image,
 * or the engine's native size) and estimates the cost (`maxCostUsd` refuses an OpenAI request above it).
 *
 * @example
 * const planned = await plan(prepared, { provider: 'local' }, run);
 */
export async function plan(prepared: Prepared, opts: PlanOptions, run: StageRun = stageRun()): Promise<Planned> {
  const { modelId, model, original, editMask, n, today } = prepared;
  const providerName: ProviderName = typeof opts.provider === 'object' ? opts.provider.name : opts.provider ?? 'local';
  const provider = typeof opts.provider === 'object' ? opts.provider
    : await createProvider({
      provider: providerName, ...(opts.surface ? { surface: opts.surface } : {}), ...(opts.engine ? { engine: opts.engine } : {}),
      ...(opts.apiKey !== undefined ? { apiKey: opts.apiKey } : {}), ...(opts.baseURL !== undefined ? { baseURL: opts.baseURL } : {}),
      ...(opts.responsesModel !== undefined ? { responsesModel: opts.responsesModel } : {}),
    });
  // Every parameter through the registry: refused ones stop here, before any request; dropped ones warn.
  const live = activeModels(today);
  const resolved = resolveParams(modelId, {
    ...(opts.quality !== undefined ? { quality: opts.quality } : {}),
    ...(prepared.fidelity.value ? { inputFidelity: prepared.fidelity.value } : {}),
    ...(opts.background !== undefined ? { background: opts.background } : {}),
    ...(opts.complexity !== undefined ? { complexity: opts.complexity } : {}),
    ...(opts.markup !== undefined ? { markup: true } : {}),
    ...(opts.moderation !== undefined ? { moderation: opts.moderation } : {}),
    ...(opts.partialImages ? { partialImages: opts.partialImages } : {}),
    n,
  }, provider.surface, live);
  if (!resolved.ok) {
    const first = resolved.problems.find((p) => p.severity === 'error')!;
    throw new MaskeditError(first.code, first.message, first.fix);
  }
  const problems: Problem[] = [...resolved.problems];
  const send = resolved.send;
  // The user's own markup is checked like a mask: same size as the image, transparent where nothing is marked.
  let userMarkup: Rgba | undefined;
  if (send.markup && opts.markup !== 'auto' && opts.markup !== undefined) {
    const label = typeof opts.markup === 'string' ? opts.markup : 'markup';
    const bytes = typeof opts.markup === 'string' ? await readInputFile(opts.markup, 'image') : opts.markup;
    const decodedMarkup = await decodeImage(bytes, { label });
    const markupProblems = diagnoseMarkup(decodedMarkup.info, original, decodedMarkup.raster, editMask, label);
    if (hasErrors(markupProblems)) throw new EditRefusedError(sortProblems(markupProblems));
    problems.push(...markupProblems);
    userMarkup = decodedMarkup.raster;
  }
  const forcedSize = opts.size && opts.size !== 'auto' ? opts.size : undefined;
  const native = Boolean(provider.native) && opts.crop !== 'off' && !forcedSize;
  const modelPlan = await run.step('plan', () => {
    const p = planCrops(original, editMask, modelId, {
      ...(prepared.editStats ? { known: prepared.editStats } : {}),
      mode: opts.crop === 'off' || forcedSize ? 'whole' : 'crop',
      ...(opts.regions ? { regions: opts.regions } : {}),
      ...(opts.context !== undefined ? { context: opts.context } : {}),
    });
    if (!forcedSize) return p;
    // --size pins what the model is asked for: the whole image is sent at that size and mapped back.
    const problem = sizeProblem(model, forcedSize);
    if (problem) throw new MaskeditError('MODEL_SIZE_UNSUPPORTED', problem, `use --size auto (maskedit plans one), or a size ${model.id} takes: ${describeSizes(model)}`);
    const s = parseSize(forcedSize)!;
    return { ...p, crops: p.crops.map((c) => ({ ...c, sendWidth: s.width, sendHeight: s.height })) };
  }, (p) => native
    ? `native: the engine fills the whole ${original.width}x${original.height} image at its own resolution (OpenAI would get ${p.crops.map((c) => `${c.width}x${c.height} → ${c.sendWidth}x${c.sendHeight}`).join(', ')})`
    : `${p.mode}, ${p.crops.length} crop(s): ${p.crops.map((c) => `${c.width}x${c.height}@${c.x},${c.y} → ${c.sendWidth}x${c.sendHeight}`).join(', ')}`);

  // What OpenAI would be sent decides the estimate, also when the embedded engine does the work.
  const estimate = sumEstimates(modelPlan.crops.map((c) => estimateCost({
    model: modelId, size: `${c.sendWidth}x${c.sendHeight}`, quality: send.quality ?? 'auto',
    ...(send.inputFidelity ? { inputFidelity: send.inputFidelity as 'low' | 'high' } : {}), n, partialImages: send.partialImages ?? 0,
    inputImages: [{ width: c.sendWidth, height: c.sendHeight }, ...prepared.references.map((r) => r.size)], promptChars: [...prepared.prompt].length,
  })));
  if (providerName === 'openai') assertWithinBudget(estimate, opts.maxCostUsd);
  // native: one crop, the whole image (its region, the mask's box, is read only then).
  const whole = () => ({ x: 0, y: 0, width: original.width, height: original.height, sendWidth: original.width, sendHeight: original.height, region: prepared.editStats ? prepared.editStats.box! : boundingBox(editMask)! });
  return {
    provider, providerName, send, decisions: resolved.decisions,
    mode: native ? 'native' : modelPlan.mode,
    crops: native ? [whole()] : modelPlan.crops,
    detail: native ? { crop: 1, whole: 1 } : modelPlan.detail,
    // The model gets a grown mask for context; the engine fills exactly what the user masked.
    grow: opts.grow ?? (native ? 0 : DEFAULT_MODEL_GROW),
    ...(userMarkup ? { userMarkup } : {}),
    estimate, problems,
  };
}

/** The parameters an OpenAI-compatible request carries, validated by the server (src/server/edit-options.ts). */
export interface PassthroughParams {
  size?: string;
  quality?: string;
  background?: 'transparent' | 'opaque' | 'auto';
  outputFormat?: 'png' | 'jpeg' | 'webp';
  partialImages?: number;
}

/**
 * Stage 2 for the server's OpenAI routes: the whole image and the mask as they came, at the `size` the client
 * asked for (the provider answers like a model; nothing is mapped back). The server validated every parameter
 * against the registry already (parseEditOptions), so they pass as given; the estimate is made from the answer.
 *
 * @example
 * const planned = planPassthrough(prepared, provider, { size: '1024x1024', outputFormat: 'png' });
 */
export function planPassthrough(prepared: Prepared, provider: Provider, params: PassthroughParams): Planned {
  const { original, editMask } = prepared;
  const send: RequestedParams = {
    ...(params.quality !== undefined ? { quality: params.quality } : {}),
    ...(prepared.fidelity.value ? { inputFidelity: prepared.fidelity.value } : {}),
    ...(params.background !== undefined ? { background: params.background } : {}),
    ...(params.outputFormat !== undefined ? { outputFormat: params.outputFormat } : {}),
    ...(params.partialImages ? { partialImages: params.partialImages } : {}),
    n: prepared.n,
  };
  return {
    provider, providerName: provider.name, send, decisions: [],
    mode: 'passthrough',
    crops: [{ x: 0, y: 0, width: original.width, height: original.height, sendWidth: original.width, sendHeight: original.height, region: boundingBox(editMask) ?? { x: 0, y: 0, width: 0, height: 0 } }],
    detail: { crop: 1, whole: 1 },
    ...(params.size !== undefined ? { size: params.size } : {}),
    grow: 0,
    estimate: { model: prepared.modelId, size: params.size ?? 'auto', quality: params.quality ?? 'auto', inputTokens: 0, imageInputTokens: 0, textInputTokens: 0, outputTokens: 0, usd: 0, pricesReadOn: '', notes: [] },
    problems: [],
  };
}

// ---- send ------------------------------------------------------------------------------------------------

export interface SendOptions {
  /** Streamed partial images of crop `crop`, as the provider sends them. */
  onPartial?: (partial: { index: number; crop: number; b64: string; outputFormat: string }) => void;
  /** Responses surface: continue from this earlier response (`previous_response_id`), sent with every crop. */
  previousResponseId?: string;
  engine?: string;
  seed?: number;
  /** Grow each crop's model mask in this worker (the server), not on the calling thread; same mask. */
  pixels?: PixelPool;
}

/** What `send` hands on: each crop's answer as the provider gave it, and what the model was allowed to change. */
export interface Sent {
  /** One entry per planned crop: the provider's images, at the size it answered. */
  answers: { crop: number; images: Rgba[] }[];
  /**
   * What the model was allowed to change, at the input's size (the grown mask; the match seam samples beyond it).
   * Put together from `modelMaskParts` on first read (finish reads the parts).
   */
  readonly modelMask: EditMask;
  /** The model mask crop by crop: each part covers box `at` of the input (zero elsewhere); none for passthrough. */
  modelMaskParts?: { at: Box; mask: EditMask }[];
  usage: ProviderUsage | null;
  responseId?: string;
}

/**
 * Stage 3: for each planned crop, encodes what to send (the crop resized to the send size, its grown mask, the
 * markup) and calls the provider. PROVIDER_NO_IMAGE when a provider answers without an image.
 *
 * @example
 * const sent = await send(prepared, planned, { seed: 7 }, run);
 */
export async function send(prepared: Prepared, planned: Planned, opts: SendOptions = {}, run: StageRun = stageRun()): Promise<Sent> {
  const { original, editMask, n, prompt, modelId, references, sampling } = prepared;
  const { provider, send: params, grow } = planned;
  const native = planned.mode === 'native';
  const passthrough = planned.mode === 'passthrough';
  // The model mask crop by crop (no full-size mask unless someone reads `modelMask`).
  const modelMaskParts: { at: Box; mask: EditMask }[] = [];
  const answers: Sent['answers'] = [];
  let usage: ProviderUsage | null = null;
  let responseId: string | undefined;
  for (let ci = 0; ci < planned.crops.length; ci++) {
    const c = planned.crops[ci]!;
    const { box, own, ownInCrop, shared } = cropOwnership(planned.crops, ci, grow, original);
    const { sendImage, sendMask, sendMarkup } = passthrough
      ? { sendImage: original, sendMask: editMask, sendMarkup: undefined }
      : await run.step('encode', async () => {
        // The image is cut and resampled in libvips (off the main thread, no copy of the crop here) while the
        // model mask is grown here.
        const imageDone = box.width === c.sendWidth && box.height === c.sendHeight ? Promise.resolve(crop(original, box)) : resampleRegion(original, box, c.sendWidth, c.sendHeight);
        imageDone.catch(() => {});
        const cropMask = crop(editMask, box);
        if (shared) keepOnlyInside(cropMask, { x: c.region.x - box.x, y: c.region.y - box.y, width: c.region.width, height: c.region.height });
        // With a pixel worker (a server) the model mask grows there; the crop is the worker's to keep.
        // The crop's mask is zero outside the whole mask's box (when the decode found it): only that part is scanned.
        const editBox = prepared.editStats?.box;
        const maskWithin = editBox ? intersectBox({ x: editBox.x - box.x, y: editBox.y - box.y, width: editBox.width, height: editBox.height }, { x: 0, y: 0, width: box.width, height: box.height }) : null;
        const m = opts.pixels ? await opts.pixels.modelMask(cropMask, grow, run.signal) : modelMaskFor(cropMask, { grow, ...(maskWithin ? { within: maskWithin } : {}) });
        const part = shared ? crop(m, ownInCrop) : m;
        modelMaskParts.push({ at: { x: own.x, y: own.y, width: part.width, height: part.height }, mask: part });
        const [sendImage, sendMask] = await Promise.all([imageDone, resample(m, c.sendWidth, c.sendHeight, 'nearest')]);
        // markup auto: the outline of what this crop may change, drawn at the size it is sent.
        const sendMarkup = !params.markup ? undefined
          : planned.userMarkup ? await resample(crop(planned.userMarkup, box), c.sendWidth, c.sendHeight, 'nearest')
            : drawMarkup(await resample(crop(editMask, box), c.sendWidth, c.sendHeight, 'nearest'));
        return { sendImage, sendMask, sendMarkup };
      });
    const request: ProviderRequest = {
      image: sendImage, mask: sendMask, prompt, model: modelId, n,
      ...(passthrough ? (planned.size !== undefined ? { size: planned.size } : {}) : { size: `${c.sendWidth}x${c.sendHeight}` }),
      ...(native ? { keepSize: true } : {}),
      ...(params.quality ? { quality: params.quality } : {}),
      ...(params.inputFidelity ? { inputFidelity: params.inputFidelity as 'low' | 'high' } : {}),
      ...(params.background ? { background: params.background as 'transparent' | 'opaque' | 'auto' } : {}),
      ...(params.complexity ? { complexity: params.complexity } : {}),
      ...(params.moderation ? { moderation: params.moderation } : {}),
      ...(params.outputFormat ? { outputFormat: params.outputFormat as 'png' | 'jpeg' | 'webp' } : {}),
      ...(sendMarkup ? { markup: sendMarkup } : {}),
      ...(references.length ? { references: references.map((r) => r.ref) } : {}),
      ...(params.partialImages ? {
        partialImages: params.partialImages,
        onPartial: (p) => opts.onPartial?.({ index: p.index, crop: ci, b64: p.b64, outputFormat: p.outputFormat }),
      } : {}),
      ...(opts.previousResponseId ? { previousResponseId: opts.previousResponseId } : {}),
      ...(opts.engine ? { engine: opts.engine } : {}),
      ...(native && sampling.sampleFrom ? { sampleFrom: crop(sampling.sampleFrom, box) } : {}),
      ...(native && sampling.exclude ? { exclude: crop(sampling.exclude, box) } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(run.signal ? { signal: run.signal } : {}),
      onProgress: (e) => { if (e.ms === undefined) run.progress(e); },
    };
    const result = await run.step('provider', () => provider.edit(request), (r) => `${r.images.length} image(s) ${r.images.map((i) => `${i.width}x${i.height}`).join(', ')}`);
    if (result.images.length === 0) throw new MaskeditError('PROVIDER_NO_IMAGE', 'the provider answered without an image', 'retry; if it persists, check the prompt with `maskedit prompt --lint`');
    usage = addUsage(usage, result.usage);
    responseId = result.responseId ?? responseId;
    answers.push({ crop: ci, images: result.images });
  }
  let modelMask: EditMask | undefined = passthrough ? editMask : undefined;
  const wholeModelMask = () => {
    const m = createEditMask(original.width, original.height);
    for (const p of modelMaskParts) paste(m, p.mask, p.at.x, p.at.y);
    return m;
  };
  return {
    answers, get modelMask() { return (modelMask ??= wholeModelMask()); }, ...(passthrough ? {} : { modelMaskParts }),
    usage, ...(responseId ? { responseId } : {}),
  };
}

// ---- finish ----------------------------------------------------------------------------------------------

export interface FinishOptions {
  /** Strict stitch (default true): everything outside the mask stays bit-identical. */
  strict?: boolean;
  seam?: SeamMode;
  /** Inward feather of the stitch in pixels (default 4). */
  feather?: number;
  /** Outward feather instead: lets pixels just outside the mask blend; the band is reported. */
  featherOutward?: number;
  /** The engine named in the report for the local provider (default: the default engine). */
  engine?: string;
  /** Run the spillover, blend and stitch in this worker (the server), not on the calling thread; same results. */
  pixels?: PixelPool;
  /**
   * Write the first output into the input's own buffer instead of a copy (edit() does: it owns `prepared`).
   * `prepared.original` is then the output; `result.input.raster` (and `raw`, `heatmap`) are rebuilt from it
   * and the saved pixels of the crops' region on first read, so read them before changing an output.
   */
  takeInput?: boolean;
}

/** A crop as the report shows it: the planned box and send size (without its edited region), and its spillover. */
export interface CropReport extends Omit<PlannedCrop, 'region'> {
  /** What the model did to the pixels it was sent (outside vs inside the mask within the crop). */
  spillover: SpilloverSummary;
}

export interface OutputReport {
  /** Set by whoever writes the file (the CLI, the studio). */
  path?: string;
  spillover: SpilloverSummary;
  finalOutsideChangedPixels: number;
  /** Set when the file was written lossy (JPEG, WebP): what the encode changed outside the mask, measured on the written bytes. */
  encoding?: EncodeLoss;
}

export interface EditReport {
  outputs: OutputReport[];
  provider: ProviderName;
  surface: Surface | 'engine';
  engine?: string;
  model: string;
  image: { width: number; height: number; format: string; orientation: number };
  request: { size: string; quality: string | undefined; inputFidelity: 'low' | 'high' | undefined; prompt: string; n: number;
    complexity?: string; moderation?: string; markup?: 'auto' | 'file' };
  /** The date the model was judged on and its status then. */
  lifecycle: { today: string; status: 'active' | 'deprecated' | 'shutdown' | 'unknown' };
  /** Each parameter the user set: sent, dropped (with a warning) or refused (registry, core/params.ts). */
  params: ParamDecision[];
  fidelity: { value: 'low' | 'high' | undefined; reason: string };
  /** `native`: the embedded engine filled the whole image at its own size (no crop, no resampling). */
  plan: { mode: Plan['mode'] | 'native'; detail: Plan['detail'] };
  crops: CropReport[];
  /** Spillover of the raw model output mapped back onto the whole image (first output). */
  spillover: SpilloverSummary;
  strict: boolean;
  /** `expand`: the radius asked for and how many editable pixels it added (null without --expand). */
  expand: { pixels: number; editableBefore: number; editableAfter: number; addedPixels: number } | null;
  stitch: { seam: SeamMode; feather: number; direction: 'inward' | 'outward'; outwardBand: number } | null;
  /** Pixels outside the user's mask that differ from the input in the final output (first output); 0 in strict mode with an inward feather. */
  finalOutsideChangedPixels: number;
  /** Set by the writer for a lossy output (JPEG, WebP): what the encode changed outside the mask in the first file. */
  encoding?: EncodeLoss;
  usage: ProviderUsage | null;
  estimatedCostUsd: number;
  /** False for the embedded engine: the estimate is what the same request would cost on OpenAI. */
  billed: boolean;
  cost: Pick<CostEstimate, 'inputTokens' | 'outputTokens' | 'pricesReadOn'>;
  problems: Problem[];
  repairs: string[];
  responseId?: string;
  timingsMs: Record<string, number>;
}

export interface EditResult {
  /** Final images at the input's displayed size. */
  outputs: Rgba[];
  /** Raw model outputs mapped back onto the input (outside the crops: the input). */
  raw: Rgba[];
  /** Change map of the first raw output rendered over the input. */
  heatmap: Rgba;
  /** The decoded input, for callers that want to compare. */
  input: DecodedImage;
  editMask: EditMask;
  report: EditReport;
}

/**
 * Stage 4: maps each answer back onto the input, measures the raw spillover (crops only), stitches strictly
 * (everything outside the mask bit-identical) and writes the report. `raw` and `heatmap` are built on first read.
 *
 * @example
 * const { outputs, report } = await finish(prepared, planned, sent, { seam: 'match' }, run);
 */
export async function finish(prepared: Prepared, planned: Planned, sent: Sent, opts: FinishOptions = {}, run: StageRun = stageRun()): Promise<EditResult> {
  const mode = planned.mode;
  if (mode === 'passthrough') {
    throw new MaskeditError('INTERNAL', 'finish maps crops back onto the input; a passthrough plan is finished by the server (finishImagesResponse)', 'plan with plan(), not planPassthrough(), to stitch');
  }
  const { original, editMask, n, input } = prepared;
  const boxes = planned.crops.map((c) => ({ x: c.x, y: c.y, width: c.width, height: c.height }));
  const strict = opts.strict ?? true;
  const direction = opts.featherOutward !== undefined ? 'outward' : 'inward';
  const feather = opts.featherOutward ?? opts.feather ?? undefined;
  const seam = opts.seam ?? DEFAULT_SEAM;
  let stitchInfo: EditReport['stitch'] = null;
  const stitched = strict && !anyOverlap(boxes)
    ? await finishPatches(prepared, planned, sent, boxes, { seam, direction, feather }, run, opts.pixels, opts.takeInput === true)
    : await finishWhole(prepared, planned, sent, boxes, { strict, seam, direction, feather }, run);
  const { outputs, spills, measured } = stitched;
  if (strict) stitchInfo = { seam, feather: feather ?? DEFAULT_FEATHER, direction, outwardBand: stitched.outwardBand };
  const crops: CropReport[] = planned.crops.map((c, i) => ({ ...c, spillover: summarizeSpill(measured[0]!.boxes[i]!) }));
  const rawPatches = stitched.rawPatches;
  let rawOut: Rgba[] | undefined = rawPatches ? undefined : stitched.raw;
  // takeInput: the input's buffer became the first output; the input is that output with its region restored.
  const taken = stitched.taken;
  let inputRaster: Rgba | undefined = taken ? undefined : original;
  const inputNow = (): Rgba => (inputRaster ??= paste(cloneRaster(outputs[0]!), taken!.saved, taken!.region.x, taken!.region.y));
  const rebuildRaw = (patches: NonNullable<typeof rawPatches>) => {
    const rebuilt = Array.from({ length: n }, () => cloneRaster(inputNow()));
    for (const p of patches) paste(rebuilt[p.i]!, p.patch, p.box.x, p.box.y);
    return rebuilt;
  };
  // Outputs can differ from the input only inside the crops (the stitch writes only there), so only they are read.
  const outsideChanged = stitched.outsideChanged ?? outputs.map((o) => countOutsideChanged(original, o, editMask, boxes));
  // The heatmap is a full-size image most callers never read (the CLI writes it only with --heatmap): rendered on first read.
  const firstSpill = spills[0]!;
  let heatmap: Rgba | undefined;
  const { send: params, estimate, providerName, provider } = planned;
  const expanded = prepared.expanded;
  const report: EditReport = {
    outputs: outputs.map((_, i) => ({ spillover: summarizeSpill(spills[i]!), finalOutsideChangedPixels: outsideChanged[i]! })),
    provider: providerName,
    surface: provider.surface,
    ...(providerName === 'local' ? { engine: opts.engine ?? DEFAULT_ENGINE } : {}),
    model: prepared.modelId,
    image: { width: original.width, height: original.height, format: input.info.format, orientation: input.info.orientation },
    request: {
      size: planned.crops.map((c) => `${c.sendWidth}x${c.sendHeight}`).join(','), quality: params.quality, inputFidelity: prepared.fidelity.value, prompt: prepared.prompt, n,
      ...(params.complexity ? { complexity: params.complexity } : {}),
      ...(params.moderation ? { moderation: params.moderation } : {}),
      ...(params.markup ? { markup: planned.userMarkup ? 'file' as const : 'auto' as const } : {}),
    },
    lifecycle: { today: prepared.today, status: prepared.lifecycle },
    params: planned.decisions,
    fidelity: prepared.fidelity,
    plan: { mode, detail: planned.detail },
    crops,
    spillover: summarizeSpill(spills[0]!),
    strict,
    expand: expanded ? { pixels: expanded.pixels, editableBefore: expanded.before, editableAfter: expanded.after, addedPixels: expanded.added } : null,
    stitch: stitchInfo,
    finalOutsideChangedPixels: outsideChanged[0]!,
    usage: sent.usage,
    estimatedCostUsd: round6(estimate.usd),
    billed: providerName === 'openai',
    cost: { inputTokens: estimate.inputTokens, outputTokens: estimate.outputTokens, pricesReadOn: estimate.pricesReadOn },
    problems: sortProblems([...prepared.problems, ...planned.problems]),
    repairs: prepared.repairs,
    ...(sent.responseId ? { responseId: sent.responseId } : {}),
    timingsMs: run.timings,
  };
  const inputOut: DecodedImage = taken ? { info: input.info, get raster() { return inputNow(); } } : input;
  return { outputs, get raw() { return (rawOut ??= rebuildRaw(rawPatches!)); }, get heatmap() { return (heatmap ??= renderHeatmap(inputNow(), firstSpill.changeMap, editMask)); }, input: inputOut, editMask, report };
}


const EMPTY_BOX: Box = { x: 0, y: 0, width: 0, height: 0 };

/** A copy of `r` made 4 MB at a time, yielding to the event loop between slices. */
async function cloneInSlices(r: Rgba): Promise<Rgba> {
  const out: Rgba = { ...r, data: new Uint8Array(r.data.length) };
  const slice = 1 << 22;
  for (let o = 0; o < r.data.length; o += slice) {
    out.data.set(r.data.subarray(o, Math.min(o + slice, r.data.length)), o);
    await new Promise<void>((done) => setImmediate(done));
  }
  return out;
}

const spillMessage = (s: readonly { report: SpilloverReport }[]) => `raw output changed ${(s[0]!.report.outside.changedFraction * 100).toFixed(1)} % of kept pixels (${s[0]!.report.verdict})`;

interface Stitched {
  outputs: Rgba[];
  measured: { report: SpilloverReport; boxes: SpilloverReport[] }[];
  spills: SpilloverReport[];
  outwardBand: number;
  /** The raw outputs as the crops' patches (rebuilt on first read), or whole. */
  rawPatches?: { i: number; box: Box; patch: Rgba }[];
  raw?: Rgba[];
  /** Per output: kept pixels that differ from the input, when counted already. */
  outsideChanged?: number[];
  /** takeInput: the first output is the input's buffer; `saved` holds the input's pixels of `region`. */
  taken?: { saved: Rgba; region: Box };
}
type StitchChoice = { seam: SeamMode; direction: 'inward' | 'outward'; feather: number | undefined };

/**
 * finish's map-back, spillover and strict stitch when the crops do not overlap (one crop, or separate ones):
 * the raw outputs are only their crops' patches, so no full-size raw image is built. The map-backs run in
 * libvips (off the main thread); while they do, the outputs' copies of the input and the blend mask are made.
 */
async function finishPatches(prepared: Prepared, planned: Planned, sent: Sent, boxes: Box[], choice: StitchChoice, run: StageRun, pixels: PixelPool | undefined, takeInput: boolean): Promise<Stitched> {
  const { original, editMask, n } = prepared;
  const { seam, direction, feather } = choice;
  const cropsUnion = boxes.reduce(unionBox);
  // Everything the stitch can write (and the pixel worker reads) lies in this region.
  const region = jobRegion(boxes, original, direction === 'outward' ? feather : undefined);
  let base: Rgba[] = [];
  let blendMask: ReturnType<typeof blendMaskFor> | undefined;
  let prep: StitchPrep | undefined;
  let saved: Rgba | undefined, savedBox = region;
  const resultBox = planned.crops.length === 1 ? planned.crops[0]! : undefined;
  // One crop: its part of the model mask where it lies (modelMaskAt), not the full-size mask.
  const onePart = sent.modelMaskParts?.length === 1 ? sent.modelMaskParts[0]! : undefined;
  const stitchOpts = (blendBox: Box | null) => ({
    seam, ...(onePart ? { modelMask: onePart.mask, modelMaskAt: onePart.at } : { modelMask: sent.modelMask }), within: blendBox ? unionBox(cropsUnion, blendBox) : cropsUnion,
    ...(resultBox ? { resultBox: { x: resultBox.x, y: resultBox.y, width: resultBox.width, height: resultBox.height } } : {}),
  });
  // Without a pixel worker, each map-back's spillover is measured strip by strip as libvips scales it
  // (meters[i][k]); the spillover step then only joins the sums.
  const meters = pixels ? undefined : Array.from({ length: n }, () => sent.answers.map((answer) => patchMeter(original, editMask, boxes[answer.crop]!)));
  // backs[i][k]: output i's answer for crop k at the crop's size.
  const backs = await run.step('mapback', async () => {
    const pending = Promise.all(Array.from({ length: n }, (_, i) => Promise.all(sent.answers.map((answer, k) => {
      const out = answer.images[Math.min(i, answer.images.length - 1)]!;
      const box = boxes[answer.crop]!;
      const meter = meters?.[i]![k];
      return meter ? resampleEachStrip(out, box.width, box.height, 'linear', (rows, y0, count) => meter.rows(rows, y0, count)) : resample(out, box.width, box.height);
    }))));
    // Keep a rejected map-back from being reported unhandled while the work below runs.
    pending.catch(() => {});
    // With a pixel worker (a server), the copies are made a slice at a time so other requests get turns.
    // takeInput: the first output is written into the input's own buffer (no copy at all).
    base = [];
    for (let i = 0; i < n; i++) base.push(i === 0 && takeInput ? original : pixels ? await cloneInSlices(original) : cloneRaster(original));
    if (!pixels) {
      // The mask's own box when the decode found it (only it is scanned), else the crops' union.
      const maskWithin = prepared.editStats?.box ?? cropsUnion;
      // The blend over its own box only (no full-size mask): the stitch is told where it sits (blendAt).
      blendMask = blendMaskIn(editMask, { direction, within: maskWithin, ...(feather !== undefined ? { feather } : {}) });
      // The stitch's result-independent part (work box, its pixels, the seam's sample ring) while libvips works.
      // The blend is zero outside its box, the model mask outside the mask's box grown by `grow` + 1 (modelMaskFor's
      // work box): with the mask's box known only they are scanned, not the crops' union.
      const editBox = prepared.editStats?.box;
      const prepWithin = editBox && blendMask.box ? unionBox(blendMask.box, growBox(editBox, Math.ceil(planned.grow) + 1, original)) : undefined;
      prep = prepareStitch(original, blendMask.blend, { ...stitchOpts(blendMask.box), blendAt: blendMask.box ?? EMPTY_BOX, ...(prepWithin ? { within: prepWithin } : {}) });
      // takeInput: the input's pixels the stitch will overwrite (its work box, nothing outside it is written),
      // kept to count the changed kept pixels and to rebuild the input.
      if (takeInput) { savedBox = prep.work ?? region; saved = crop(original, savedBox); }
    }
    return pending;
  });
  const patchesOf = (i: number) => sent.answers.map((answer, k) => ({ box: boxes[answer.crop]!, patch: backs[i]![k]! }));
  const rawPatches = Array.from({ length: n }, (_, i) => patchesOf(i).map((p) => ({ i, ...p }))).flat();
  if (pixels) {
    // The server: spillover, blend and stitch over the crops' region in the pixel worker (same bytes).
    const whole: WholeInputs = {
      original, editMask, modelMask: sent.modelMask, outputs: Array.from({ length: n }, (_, i) => patchesOf(i)), boxes, seam, direction,
      ...(feather !== undefined ? { feather } : {}),
      ...(resultBox ? { resultBox: { x: resultBox.x, y: resultBox.y, width: resultBox.width, height: resultBox.height } } : {}),
    };
    // One step for the job: its spillover and stitch run together in the worker.
    const { result, placed, saved } = await run.step('stitch', async () => {
      const job = regionJob(whole, region);
      const saved = takeInput ? crop(original, region) : undefined;
      const result = await pixels.finish(job, run.signal);
      return { result, saved, placed: placeResult(whole, region, result, base) };
    });
    run.progress({ step: 'spillover', message: spillMessage(placed.measured) });
    return {
      outputs: placed.outputs, measured: placed.measured, spills: placed.measured.map((m) => m.report), outwardBand: result.outwardBand, rawPatches,
      outsideChanged: result.outsideChanged, ...(saved ? { taken: { saved, region } } : {}),
    };
  }
  // The crops hold every editable pixel (the plan's regions lie inside them): the mask's count is theirs.
  const measured = await run.step('spillover', () => meters!.map((m) => spilloverOfMeters(original, editMask, m, { maskInBoxes: true })), spillMessage);
  const { blend, box: blendBox, outwardBand } = blendMask!;
  const outputs = await run.step('stitch', () => base.map((into, i) => stitchPatches(original, patchesOf(i), blend, { ...stitchOpts(blendBox), blendAt: blendBox ?? EMPTY_BOX, into, prepared: prep! })));
  const kept = saved;
  if (!kept) return { outputs, measured, spills: measured.map((m) => m.report), outwardBand, rawPatches };
  // `original` is the first output now: every output is compared with the saved input.
  // The stitch writes only inside its work box: elsewhere every output is the input's bytes, so only the crops'
  // part of that box is compared.
  const written = prep!.work ? boxes.map((b) => intersectBox(b, prep!.work!)).filter((b): b is Box => b !== null) : [];
  const outsideChanged = outputs.map((o) => countOutsideChangedSaved(kept, savedBox, o, editMask, written));
  return { outputs, measured, spills: measured.map((m) => m.report), outwardBand, rawPatches, outsideChanged, taken: { saved: kept, region: savedBox } };
}

/** finish's map-back, spillover and stitch over whole raw images: overlapping crops, or no strict stitch. */
async function finishWhole(prepared: Prepared, planned: Planned, sent: Sent, boxes: Box[], choice: StitchChoice & { strict: boolean }, run: StageRun): Promise<Stitched> {
  const { original, editMask, n } = prepared;
  const { seam, direction, feather, strict } = choice;
  const raw: Rgba[] = Array.from({ length: n }, () => cloneRaster(original));
  // Separate crops may overlap once grown to a model aspect: each crop's own region is pasted after all crops.
  const owned: { i: number; box: Box; patch: Rgba }[] = [];
  for (const answer of sent.answers) {
    const { box, own, ownInCrop, shared } = cropOwnership(planned.crops, answer.crop, planned.grow, original);
    await run.step('mapback', async () => {
      for (let i = 0; i < n; i++) {
        const out = answer.images[Math.min(i, answer.images.length - 1)]!;
        const back = await resample(out, box.width, box.height);
        paste(raw[i]!, back, box.x, box.y);
        if (shared) owned.push({ i, box: own, patch: crop(back, ownInCrop) });
      }
    });
  }
  for (const o of owned) paste(raw[o.i]!, o.patch, o.box.x, o.box.y);

  // Measure the raw drift (only the crops can differ from the input, so only they are read), then stitch.
  const measured = await run.step('spillover', () => raw.map((r) => spilloverInBoxes(original, r, editMask, boxes)), spillMessage);
  let outwardBand = 0;
  // The raw outputs differ from the input only inside the crops. The stitch writes the final image into the raw
  // output's own buffer (saving a full-size copy), so only the crops of the raw outputs are kept, to rebuild
  // `result.raw` on first read (the CLI never reads it; the studio does).
  let rawPatches: { i: number; box: Box; patch: Rgba }[] | undefined;
  const outputs = await run.step('stitch', () => {
    if (!strict) return raw;
    // The edit mask and the model mask are zero outside the crops: only their union is scanned for boxes.
    const cropsUnion = boxes.reduce(unionBox);
    const made = blendMaskFor(editMask, { direction, within: cropsUnion, ...(feather !== undefined ? { feather } : {}) });
    outwardBand = made.outwardBand;
    const resultBox = planned.crops.length === 1 ? planned.crops[0]! : undefined;
    rawPatches = raw.flatMap((r, i) => boxes.map((box) => ({ i, box, patch: crop(r, box) })));
    const within = made.box ? unionBox(cropsUnion, made.box) : cropsUnion;
    return raw.map((r) => stitch(original, r, made.blend, { seam, modelMask: sent.modelMask, within, reuseResult: { changed: boxes }, ...(resultBox ? { resultBox: { x: resultBox.x, y: resultBox.y, width: resultBox.width, height: resultBox.height } } : {}) }));
  });
  return { outputs, measured, spills: measured.map((m) => m.report), outwardBand, ...(rawPatches ? { rawPatches } : { raw }) };
}
