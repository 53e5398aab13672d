/**
 * The main job: `edit()` takes an image, a mask and what the user wants, and returns an edit at the input's
 * full size where every pixel outside the mask is bit-identical to the input (strict mode, the default).
 *
 * validate → prompt → plan → crop + resize to the model's size → provider → map back → spillover of the raw
 * output → strict stitch. Every step reports its time through `onProgress`; the whole run can be cancelled
 * through `signal`.
 */
import { readInputFile, probeImage, decodeImage, decodeProbed, MIME, type DecodedImage } from '../io/image.js';
import { MaskError, MaskeditError, throwIfAborted } from '../core/errors.js';
import { REPAIRABLE_CODES, type Code } from '../core/codes.js';
import { hasErrors, sortProblems, type Problem } from '../core/problems.js';
import { boundingBox, cloneRaster, createEditMask, sameSize, type Box, type EditMask, type Raster } from '../core/raster.js';
import { describeSizes, findModel, getModel, MODELS, parseSize, sizeProblem } from '../core/models.js';
import { assertModelLive, defaultModel, isoDate, statusOf } from '../core/lifecycle.js';
import { resolveParams, type ParamDecision } from '../core/params.js';
import { diagnoseMarkup, drawMarkup } from '../core/markup.js';
import { buildPrompt, lintPrompt } from '../core/prompt.js';
import { adviseFidelity, type FidelityRequest, type Subject } from '../core/fidelity.js';
import { assertWithinBudget, estimateCost, type CostEstimate } from '../core/cost.js';
import { planCrops, type Plan, type RegionsMode } from '../core/sizing.js';
import { anyOverlap, crop, growBox, intersectBox, paste } from '../core/crop.js';
import { spilloverInBoxes, type RegionStats, type SpilloverReport, type Verdict } from '../core/spillover.js';
import { resample } from '../io/resample.js';
import { blendMaskFor, DEFAULT_FEATHER, DEFAULT_MODEL_GROW, DEFAULT_SEAM, modelMaskFor, stitch, type SeamMode } from '../core/composite.js';
import { renderHeatmap } from '../core/heatmap.js';
import type { EncodeLoss } from '../core/encode-loss.js';
import { expandEditMask, MAX_EXPAND, type ExpandResult } from '../core/expand.js';
import { LIKELY_INVERTED_FRACTION } from '../core/doctor.js';
import { DEFAULT_RING } from '../core/seam.js';
import type { ProgressCallback } from '../core/progress.js';
import { checkPairDecoded, repairMask, type CheckReport } from './check.js';
import { createProvider, type Provider, type ProviderName, type ProviderUsage, type ReferenceImage, type Surface } from '../providers/index.js';
import { DEFAULT_ENGINE } from '../engines/engine.js';
import { readEditMask } from '../io/mask.js';

type Rgba = Raster & { channels: 4 };

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
  /** `local` (embedded engine) or `openai`; default: openai when OPENAI_API_KEY is set, else local. */
  provider?: ProviderName | Provider;
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
}

export interface SpilloverSummary {
  outside: RegionStats;
  inside: RegionStats;
  verdict: Verdict;
  threshold: number;
}

export interface CropReport {
  x: number;
  y: number;
  width: number;
  height: number;
  sendWidth: number;
  sendHeight: number;
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

const toBytes = async (x: string | Uint8Array, role: 'image' | 'mask') => (typeof x === 'string' ? readInputFile(x, role) : x);

/**
 * Runs one masked edit.
 *
 * @example
 * const { outputs, report } = await edit({ image: 'photo.jpg', mask: 'mask.png', prompt: 'A lounge with a pool. Remove the chair.' });
 * console.log(report.finalOutsideChangedPixels); // 0
 */
export async function edit(opts: EditOptions): Promise<EditResult> {
  const timings: Record<string, number> = {};
  const progress = opts.onProgress ?? (() => {});
  const step = async <T>(name: string, fn: () => Promise<T> | T, message?: (v: T) => string | undefined): Promise<T> => {
    throwIfAborted(opts.signal);
    const t = performance.now();
    const v = await fn();
    const ms = performance.now() - t;
    timings[name] = Math.round((timings[name] ?? 0) + ms);
    const m = message?.(v);
    progress({ step: name, ms, ...(m ? { message: m } : {}) });
    return v;
  };
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

  // 1. Decode both files once and run the mask doctor on them.
  const imageLabel = typeof opts.image === 'string' ? opts.image : 'image';
  const maskLabel = typeof opts.mask === 'string' ? opts.mask : 'mask';
  let maskBytes: Uint8Array | undefined;
  const { report: check, decoded } = await step('check', async () => {
    const [image, mask] = await Promise.all([toBytes(opts.image, 'image'), toBytes(opts.mask, 'mask')]);
    maskBytes = mask;
    // Of the mask only its alpha is decoded (its RGBA is decoded again below in the rare case --fix needs it).
    return checkPairDecoded({ image, mask, imageLabel, maskLabel, model: modelId, keepMask: false, ...(opts.maxPixels ? { maxPixels: opts.maxPixels } : {}) });
  }, (r) => summarizeCheck(r.report));
  // The doctor's MODEL_UNKNOWN is replaced by the lifecycle's (which names the closest ids).
  const problems: Problem[] = [...check.problems.filter((p) => p.code !== 'MODEL_UNKNOWN'), ...lifecycle];
  const repairs: string[] = [];
  let editMask = decoded.editMask;
  // --fix also reads a soft mask at the one threshold (core/threshold.ts), as check's repaired figure and `maskedit mask` do.
  if (hasErrors(check.problems) || (opts.fix && check.problems.some((p) => p.code === 'MASK_PARTIAL_ALPHA'))) {
    const candidate = decoded.image && decoded.maskInfo && check.problems.every((p) => p.severity === 'warning' || REPAIRABLE.has(p.code));
    // Whether --fix would work is known only by trying (another aspect ratio, say, cannot be repaired).
    let repaired: ReturnType<typeof repairMask> | undefined;
    try {
      if (candidate) repaired = repairMask(decoded.image!, decoded.mask ?? await decodeProbed(maskBytes!, decoded.maskInfo!, { role: 'mask', label: maskLabel, ...(opts.maxPixels ? { maxPixels: opts.maxPixels } : {}) }));
    } catch (e) {
      if (opts.fix) throw e;
    }
    if (!opts.fix || !repaired) throw new EditRefusedError(sortProblems(check.problems), Boolean(repaired));
    editMask = repaired.editMask;
    repairs.push(...repaired.applied);
    progress({ step: 'fix', message: repaired.applied.join('; ') });
  }
  const input = decoded.image!;
  // The mask file's RGBA is needed only by the doctor and --fix: let it go before the full-size buffers below.
  decoded.mask = null;
  if (!editMask) throw new EditRefusedError(sortProblems(check.problems));
  const original = input.raster;
  // --expand: the replaced region itself grows; everything below (plan, model mask, stitch, counts) uses it.
  const expanded = applyExpand(editMask, opts.expand, problems);
  editMask = expanded?.mask ?? editMask;
  const sampling = await readSamplingMasks(opts, original);

  // 2. Prompt and fidelity.
  const prompt = buildPrompt({
    ...(opts.prompt !== undefined ? { prompt: opts.prompt } : {}),
    ...(opts.scene !== undefined ? { scene: opts.scene } : {}),
    ...(opts.change !== undefined ? { change: opts.change } : {}),
    ...(opts.preserve !== undefined ? { preserve: opts.preserve } : {}),
  });
  const promptProblems = lintPrompt(prompt, { model: modelId });
  problems.push(...promptProblems);
  if (hasErrors(promptProblems)) throw new EditRefusedError(sortProblems(promptProblems));
  const fidelity = adviseFidelity({ model: modelId, prompt, ...(opts.subject ? { subject: opts.subject } : {}), requested: opts.fidelity ?? 'auto' });
  problems.push(...fidelity.problems);

  // 3. Provider, and the plan of what to send: a crop around the mask at a size the model takes (or the whole
  // image). A native provider (the embedded engine) fills at the input's own resolution instead.
  const providerName: ProviderName = typeof opts.provider === 'object' ? opts.provider.name : opts.provider ?? (process.env.OPENAI_API_KEY ? 'openai' : 'local');
  const provider = typeof opts.provider === 'object' ? opts.provider
    : await createProvider({ provider: providerName, ...(opts.surface ? { surface: opts.surface } : {}), ...(opts.engine ? { engine: opts.engine } : {}) });
  // Every parameter through the registry: refused ones stop here, before any request; dropped ones warn.
  const live = MODELS.filter((m) => statusOf(m, today) === 'active');
  const resolved = resolveParams(modelId, {
    ...(opts.quality !== undefined ? { quality: opts.quality } : {}),
    ...(fidelity.value ? { inputFidelity: fidelity.value } : {}),
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
  problems.push(...resolved.problems);
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
  const modelPlan = await step('plan', () => {
    const p = planCrops(original, editMask!, modelId, {
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

  // 4. Cost.
  const references = await Promise.all((opts.references ?? []).map((r, i) => loadReference(r, i)));
  if (references.length + 1 > model.maxImages) {
    throw new MaskeditError('MODEL_TOO_MANY_IMAGES', `${model.id} takes at most ${model.maxImages} image(s), received ${references.length + 1}`, 'drop some --ref images');
  }
  if (model.highFidelityImages && references.length + 1 > model.highFidelityImages) {
    problems.push({ code: 'MODEL_FIDELITY_IMAGES', severity: 'warning', message: `${model.id} preserves the first ${model.highFidelityImages} input images with higher fidelity; ${references.length + 1} were given`, fix: 'put the references that matter most first, or send fewer' });
  }
  // What OpenAI would be sent decides the estimate, also when the embedded engine does the work.
  const estimates = modelPlan.crops.map((c) => estimateCost({
    model: modelId, size: `${c.sendWidth}x${c.sendHeight}`, quality: send.quality ?? 'auto',
    ...(send.inputFidelity ? { inputFidelity: send.inputFidelity as 'low' | 'high' } : {}), n, partialImages: send.partialImages ?? 0,
    inputImages: [{ width: c.sendWidth, height: c.sendHeight }, ...references.map((r) => r.size)], promptChars: [...prompt].length,
  }));
  const plan: { mode: Plan['mode'] | 'native'; crops: Plan['crops']; detail: Plan['detail'] } = native
    ? { mode: 'native', crops: [{ x: 0, y: 0, width: original.width, height: original.height, sendWidth: original.width, sendHeight: original.height, region: boundingBox(editMask)! }], detail: { crop: 1, whole: 1 } }
    : modelPlan;
  const estimate = sumEstimates(estimates);
  if (providerName === 'openai') assertWithinBudget(estimate, opts.maxCostUsd);

  // 5. Send each crop, map the answers back onto the input.
  const raw: Rgba[] = Array.from({ length: n }, () => cloneRaster(original));
  // What the model was allowed to change, at the input's size: the match seam samples the cast beyond it.
  const modelMask = createEditMask(original.width, original.height);
  const crops: CropReport[] = [];
  let usage: ProviderUsage | null = null;
  let responseId: string | undefined;
  // The model gets a grown mask for context; the engine fills exactly what the user masked.
  const grow = opts.grow ?? (native ? 0 : DEFAULT_MODEL_GROW);
  // Separate crops may overlap once grown to a model aspect. Each is asked to edit only its own region, and
  // its region (with the grown mask and the seam's ring) comes back only from it, pasted after all crops.
  const owned: { i: number; box: Box; patch: Rgba }[] = [];
  for (let ci = 0; ci < plan.crops.length; ci++) {
    const c = plan.crops[ci]!;
    const box = { x: c.x, y: c.y, width: c.width, height: c.height };
    const own = plan.crops.length > 1 ? intersectBox(growBox(c.region, grow + DEFAULT_RING, original), box)! : box;
    const ownInCrop = { x: own.x - box.x, y: own.y - box.y, width: own.width, height: own.height };
    const { sendImage, sendMask, sendMarkup } = await step('encode', async () => {
      const img = crop(original, box);
      const cropMask = crop(editMask!, box);
      if (own !== box) keepOnlyInside(cropMask, { x: c.region.x - box.x, y: c.region.y - box.y, width: c.region.width, height: c.region.height });
      const m = modelMaskFor(cropMask, { grow });
      paste(modelMask, own === box ? m : crop(m, ownInCrop), own.x, own.y);
      const [sendImage, sendMask] = await Promise.all([resample(img, c.sendWidth, c.sendHeight), resample(m, c.sendWidth, c.sendHeight, 'nearest')]);
      // markup auto: the outline of what this crop may change, drawn at the size it is sent.
      const sendMarkup = !send.markup ? undefined
        : userMarkup ? await resample(crop(userMarkup, box), c.sendWidth, c.sendHeight, 'nearest')
          : drawMarkup(await resample(crop(editMask!, box), c.sendWidth, c.sendHeight, 'nearest'));
      return { sendImage, sendMask, sendMarkup };
    });
    const result = await step('provider', () => provider.edit({
      image: sendImage, mask: sendMask, prompt, model: modelId, size: `${c.sendWidth}x${c.sendHeight}`, n,
      ...(native ? { keepSize: true } : {}),
      ...(send.quality ? { quality: send.quality } : {}),
      ...(send.inputFidelity ? { inputFidelity: send.inputFidelity as 'low' | 'high' } : {}),
      ...(send.background ? { background: send.background as 'transparent' | 'opaque' | 'auto' } : {}),
      ...(send.complexity ? { complexity: send.complexity } : {}),
      ...(send.moderation ? { moderation: send.moderation } : {}),
      ...(sendMarkup ? { markup: sendMarkup } : {}),
      ...(references.length ? { references: references.map((r) => r.ref) } : {}),
      ...(opts.partialImages ? {
        partialImages: opts.partialImages,
        onPartial: (p) => opts.onPartial?.({ index: p.index, crop: ci, bytes: Buffer.from(p.b64, 'base64'), outputFormat: p.outputFormat }),
      } : {}),
      ...(opts.previousResponseId ? { previousResponseId: opts.previousResponseId } : {}),
      ...(opts.engine ? { engine: opts.engine } : {}),
      ...(native && sampling.sampleFrom ? { sampleFrom: crop(sampling.sampleFrom, box) } : {}),
      ...(native && sampling.exclude ? { exclude: crop(sampling.exclude, box) } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (e) => { if (e.ms === undefined) progress(e); },
    }), (r) => `${r.images.length} image(s) ${r.images.map((i) => `${i.width}x${i.height}`).join(', ')}`);
    if (result.images.length === 0) throw new MaskeditError('PROVIDER_NO_IMAGE', 'the provider answered without an image', 'retry; if it persists, check the prompt with `maskedit prompt --lint`');
    usage = addUsage(usage, result.usage);
    responseId = result.responseId ?? responseId;
    await step('mapback', async () => {
      for (let i = 0; i < n; i++) {
        const out = result.images[Math.min(i, result.images.length - 1)]!;
        const back = await resample(out, box.width, box.height);
        paste(raw[i]!, back, box.x, box.y);
        if (own !== box) owned.push({ i, box: own, patch: crop(back, ownInCrop) });
      }
    });
  }
  for (const o of owned) paste(raw[o.i]!, o.patch, o.box.x, o.box.y);

  // 6. Measure the raw drift (only the crops can differ from the input, so only they are read), then stitch.
  const boxes = plan.crops.map((c) => ({ x: c.x, y: c.y, width: c.width, height: c.height }));
  const measured = await step('spillover', () => raw.map((r) => spilloverInBoxes(original, r, editMask!, boxes)), (s) => `raw output changed ${(s[0]!.report.outside.changedFraction * 100).toFixed(1)} % of kept pixels (${s[0]!.report.verdict})`);
  const spills = measured.map((m) => m.report);
  plan.crops.forEach((c, i) => crops.push({ ...c, spillover: summarizeSpill(measured[0]!.boxes[i]!) }));
  const strict = opts.strict ?? true;
  const direction = opts.featherOutward !== undefined ? 'outward' : 'inward';
  const feather = opts.featherOutward ?? opts.feather ?? undefined;
  const seam = opts.seam ?? DEFAULT_SEAM;
  let stitchInfo: EditReport['stitch'] = null;
  // The raw outputs differ from the input only inside the crops. The stitch writes the final image into the raw
  // output's own buffer (saving a full-size copy), so only the crops of the raw outputs are kept, to rebuild
  // `result.raw` on first read (the CLI never reads it; the studio does).
  let rawPatches: { i: number; box: Box; patch: Rgba }[] | undefined;
  const outputs = await step('stitch', () => {
    if (!strict) return raw;
    const { blend, outwardBand } = blendMaskFor(editMask!, { direction, ...(feather !== undefined ? { feather } : {}) });
    stitchInfo = { seam, feather: feather ?? DEFAULT_FEATHER, direction, outwardBand };
    const resultBox = plan.crops.length === 1 ? plan.crops[0]! : undefined;
    rawPatches = raw.flatMap((r, i) => boxes.map((box) => ({ i, box, patch: crop(r, box) })));
    return raw.map((r) => stitch(original, r, blend, { seam, modelMask, reuseResult: { changed: boxes }, ...(resultBox ? { resultBox: { x: resultBox.x, y: resultBox.y, width: resultBox.width, height: resultBox.height } } : {}) }));
  });
  let rawOut: Rgba[] | undefined = rawPatches ? undefined : raw;
  const rebuildRaw = (patches: { i: number; box: Box; patch: Rgba }[]) => {
    const rebuilt = Array.from({ length: n }, () => cloneRaster(original));
    for (const p of patches) paste(rebuilt[p.i]!, p.patch, p.box.x, p.box.y);
    return rebuilt;
  };
  // Outputs can differ from the input only inside the crops (the stitch writes only there), so only they are read.
  const outsideChanged = outputs.map((o) => countOutsideChanged(original, o, editMask!, boxes));
  // The heatmap is a full-size image most callers never read (the CLI writes it only with --heatmap): rendered
  // on first read.
  const firstSpill = spills[0]!, usedMask = editMask;
  let heatmap: Rgba | undefined;

  const report: EditReport = {
    outputs: outputs.map((_, i) => ({ spillover: summarizeSpill(spills[i]!), finalOutsideChangedPixels: outsideChanged[i]! })),
    provider: providerName,
    surface: provider.surface,
    ...(providerName === 'local' ? { engine: opts.engine ?? DEFAULT_ENGINE } : {}),
    model: modelId,
    image: { width: original.width, height: original.height, format: input.info.format, orientation: input.info.orientation },
    request: {
      size: plan.crops.map((c) => `${c.sendWidth}x${c.sendHeight}`).join(','), quality: send.quality, inputFidelity: fidelity.value, prompt, n,
      ...(send.complexity ? { complexity: send.complexity } : {}),
      ...(send.moderation ? { moderation: send.moderation } : {}),
      ...(send.markup ? { markup: userMarkup ? 'file' as const : 'auto' as const } : {}),
    },
    lifecycle: { today, status: findModel(modelId) ? statusOf(getModel(modelId), today) : 'unknown' },
    params: resolved.decisions,
    fidelity: { value: fidelity.value, reason: fidelity.reason },
    plan: { mode: plan.mode, detail: plan.detail },
    crops,
    spillover: summarizeSpill(spills[0]!),
    strict,
    expand: expanded ? { pixels: expanded.pixels, editableBefore: expanded.before, editableAfter: expanded.after, addedPixels: expanded.added } : null,
    stitch: stitchInfo,
    finalOutsideChangedPixels: outsideChanged[0]!,
    usage,
    estimatedCostUsd: round6(estimate.usd),
    billed: providerName === 'openai',
    cost: { inputTokens: estimate.inputTokens, outputTokens: estimate.outputTokens, pricesReadOn: estimate.pricesReadOn },
    problems: sortProblems(problems),
    repairs,
    ...(responseId ? { responseId } : {}),
    timingsMs: timings,
  };
  return { outputs, get raw() { return (rawOut ??= rebuildRaw(rawPatches!)); }, get heatmap() { return (heatmap ??= renderHeatmap(original, firstSpill.changeMap, usedMask)); }, input, editMask, report };
}

/**
 * Validates `expand` (a whole number 0–256; EXPAND_INVALID otherwise) and expands the edit mask. The doctor's
 * coverage rule runs again on the result: an expansion that makes most of the image editable warns
 * (MASK_EXPAND_LARGE), one that covers it all warns as MASK_ALL_EDITABLE does.
 */
function applyExpand(mask: EditMask, expand: number | undefined, problems: Problem[]): ExpandResult | undefined {
  if (expand === undefined || expand === 0) return undefined;
  if (!Number.isInteger(expand) || expand < 0 || expand > MAX_EXPAND) {
    throw new MaskeditError('EXPAND_INVALID', `expand must be a whole number of pixels from 0 to ${MAX_EXPAND}, received ${expand}`, 'pass e.g. --expand 6 (about the width of the edge ring the tight mask leaves)');
  }
  const e = expandEditMask(mask, expand);
  const total = mask.width * mask.height;
  const pct = (n: number) => `${((n / total) * 100).toFixed(1)} %`;
  if (e.after === total) {
    problems.push({ code: 'MASK_EXPAND_LARGE', severity: 'warning', message: `--expand ${expand} makes every pixel editable (${pct(e.before)} before), so the whole image may change`, fix: `use a smaller --expand (the edge ring is usually 2–8 px)` });
  } else if (e.after / total > LIKELY_INVERTED_FRACTION) {
    problems.push({ code: 'MASK_EXPAND_LARGE', severity: 'warning', message: `--expand ${expand} grows the editable region from ${pct(e.before)} to ${pct(e.after)} of the image`, fix: `use a smaller --expand (the edge ring is usually 2–8 px), or check that the mask is not inverted` });
  }
  return e;
}

/** Clears every pixel of `mask` outside `keep`, in place. */
function keepOnlyInside(mask: EditMask, keep: Box): void {
  for (let y = 0; y < mask.height; y++) {
    const row = y * mask.width;
    if (y < keep.y || y >= keep.y + keep.height) mask.data.fill(0, row, row + mask.width);
    else {
      mask.data.fill(0, row, row + keep.x);
      mask.data.fill(0, row + keep.x + keep.width, row + mask.width);
    }
  }
}

/** Problems `--fix` may repair (the code table's `repairable` rows); anything else stops the edit even with --fix. */
const REPAIRABLE = REPAIRABLE_CODES;

function summarizeCheck(r: CheckReport): string {
  const e = r.problems.filter((p) => p.severity === 'error').length;
  const w = r.problems.length - e;
  const frac = r.mask?.editableFraction;
  return `${r.image ? `${r.image.width}x${r.image.height}` : '?'}${frac !== undefined ? `, ${(frac * 100).toFixed(1)} % editable` : ''}${e ? `, ${e} error(s)` : ''}${w ? `, ${w} warning(s)` : ''}`;
}

function summarizeSpill(s: SpilloverReport): SpilloverSummary {
  return { outside: s.outside, inside: s.inside, verdict: s.verdict, threshold: s.threshold };
}

/**
 * Pixels where the mask says keep but any channel differs. `boxes` limits the count to where the output can
 * differ at all (the crops that were pasted back); omitted, every pixel is compared.
 */
export function countOutsideChanged(original: Rgba, output: Rgba, editMask: EditMask, boxes?: readonly Box[]): number {
  let n = 0;
  const a = original.data, b = output.data, m = editMask.data, w = original.width;
  // Overlapping boxes would count the shared pixels twice: count the whole image once instead.
  const all = [{ x: 0, y: 0, width: w, height: original.height }];
  for (const box of boxes && !anyOverlap(boxes) ? boxes : all) {
    for (let y = box.y; y < box.y + box.height; y++) {
      for (let i = y * w + box.x, j = i * 4, end = i + box.width; i < end; i++, j += 4) {
        if (m[i] === 0 && (a[j] !== b[j] || a[j + 1] !== b[j + 1] || a[j + 2] !== b[j + 2] || a[j + 3] !== b[j + 3])) n++;
      }
    }
  }
  return n;
}

function sumEstimates(list: CostEstimate[]): CostEstimate {
  const first = list[0]!;
  return list.slice(1).reduce((acc, e) => ({
    ...acc,
    inputTokens: acc.inputTokens + e.inputTokens,
    imageInputTokens: acc.imageInputTokens + e.imageInputTokens,
    textInputTokens: acc.textInputTokens + e.textInputTokens,
    outputTokens: acc.outputTokens + e.outputTokens,
    usd: acc.usd + e.usd,
    notes: [...new Set([...acc.notes, ...e.notes])],
  }), first);
}

function addUsage(a: ProviderUsage | null, b: ProviderUsage | undefined): ProviderUsage | null {
  if (!b) return a;
  if (!a) return { ...b };
  const sum = (x?: number, y?: number) => (x ?? 0) + (y ?? 0);
  return {
    input_tokens: sum(a.input_tokens, b.input_tokens),
    output_tokens: sum(a.output_tokens, b.output_tokens),
    total_tokens: sum(a.total_tokens, b.total_tokens),
    input_tokens_details: {
      image_tokens: sum(a.input_tokens_details?.image_tokens, b.input_tokens_details?.image_tokens),
      text_tokens: sum(a.input_tokens_details?.text_tokens, b.input_tokens_details?.text_tokens),
    },
  };
}

async function loadReference(r: string | Uint8Array, i: number): Promise<{ ref: ReferenceImage; size: { width: number; height: number } }> {
  const label = typeof r === 'string' ? r : `reference ${i + 1}`;
  const bytes = await toBytes(r, 'image');
  const info = await probeImage(bytes, { label });
  return { ref: { bytes, mime: MIME[info.format], name: `ref-${i + 1}.${info.format === 'jpeg' ? 'jpg' : info.format}` }, size: { width: info.width, height: info.height } };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;


/**
 * The embedded engine's sampling areas (`sampleFrom`, `exclude`): mask files read like the edit mask (alpha 0
 * marks the area), of the image's size.
 */
async function readSamplingMasks(opts: Pick<EditOptions, 'sampleFrom' | 'exclude' | 'maxPixels'>, image: Raster): Promise<{ sampleFrom?: EditMask; exclude?: EditMask }> {
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
