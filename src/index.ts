/**
 * maskedit's library API. This file only re-exports; internal modules (names starting with `_`) are not part of
 * it. The server is a subpath: `import { buildServer } from 'maskedit/server'`.
 */
// Pixels and errors
export { createRaster, createEditMask, cloneRaster, toRgba, luma, editMaskToApiRgba, apiRgbaToEditMask, countNonZero, boundingBox, type Raster, type EditMask, type Box } from './core/raster.js';
export { MaskeditError, ImageError, MaskError, AbortError, isMaskeditError } from './core/errors.js';
export { hasErrors, sortProblems, type Problem, type Severity } from './core/problems.js';
export { CODES, REPAIRABLE_CODES, codeInfo, type Code, type CodeInfo, type TableCode, type ProviderCode } from './core/codes.js';
export type { ProgressEvent, ProgressCallback } from './core/progress.js';

// Models, prompt, fidelity, cost
export { MODELS, NEWEST_MODEL, GRID_RULE, PARAM_NAMES, findModel, getModel, modelIds, parseSize, sizeProblem, gridSizeProblem, describeSizes, type ImageModel, type ParamName, type FlexibleSizeRule } from './core/models.js';
export { defaultModel, modelStatus, statusOf, lifecycleProblems, assertModelLive, liveReplacements, closestModels, parseToday, isoDate, type ModelStatus } from './core/lifecycle.js';
export { resolveParams, WHEN_ABSENT, PARAM_SURFACES, type RequestedParams, type ResolvedParams, type ParamDecision } from './core/params.js';
export { drawMarkup, diagnoseMarkup } from './core/markup.js';
export { buildPrompt, lintPrompt, parsePreserve, type PromptParts } from './core/prompt.js';
export { adviseFidelity, type FidelityAdvice, type Subject } from './core/fidelity.js';
export { estimateCost, usageFor, assertWithinBudget, type CostEstimate, type CostInput } from './core/cost.js';
export { PRICES, PRICES_READ_ON, pricesFor, type ModelPrices } from './core/prices.js';

// Masks
export { diagnose, scanAlpha, editableFraction } from './core/doctor.js';
export { maskFromLuma, maskFromAlpha, rectsMask, diffMask, type Polarity } from './core/maskops.js';
export { dilate, erode, featherInward, fillHoles, connectedComponents, invert } from './core/morphology.js';

// Locality
export { spillover, verdictFor, type SpilloverReport, type RegionStats, type Verdict } from './core/spillover.js';
export { stitch, blendMaskFor, modelMaskFor, DEFAULT_FEATHER, DEFAULT_SEAM, type SeamMode, type StitchOptions } from './core/composite.js';
export { planCrops, type Plan, type PlannedCrop, type RegionsMode } from './core/sizing.js';
export { resize, type ResizeKernel } from './core/resize.js';
export { crop, paste } from './core/crop.js';
export { renderHeatmap, renderPlanPreview } from './core/heatmap.js';

// Files
export { decodeImage, probeImage, readImageFile, encodeImage, sniffFormat, type DecodedImage, type ImageInfo, type ImageFormat } from './io/image.js';
export { readEditMask } from './io/mask.js';
export { writeFileAtomic, assertNotInput } from './io/atomic.js';

// The pipeline
export { checkPair, checkPairDecoded, checkFiles, repairMask, type CheckReport } from './pipeline/check.js';
export { edit, EditRefusedError, type EditOptions, type EditResult, type EditReport } from './pipeline/edit.js';
export {
  prepare, plan, send, finish, stageRun, ReferenceInputError,
  type PrepareOptions, type Prepared, type PlanOptions, type Planned, type SendOptions, type Sent, type FinishOptions, type StageRun,
} from './pipeline/stages.js';
export { configureSettings, settings, settingsFromEnv, type Settings } from './io/settings.js';
export { writeEditResult, reportJson, outputPaths } from './pipeline/write.js';

// Batches
export { batch, type BatchOptions, type BatchEvent, type BatchSummary, type JobSummary } from './batch/runner.js';
export { readJobs, type BatchJob, type JobSpec } from './batch/jobs.js';

// Providers and engines
export { createProvider, ProviderError, type Provider, type ProviderRequest, type ProviderResult, type CreateProviderOptions } from './providers/index.js';
export { getEngine, ENGINE_NAMES, DEFAULT_ENGINE, type Engine, type FillOptions } from './engines/index.js';
