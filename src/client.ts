/**
 * `maskedit/client`: the browser-safe part of maskedit — pure functions over typed arrays, no Node, no sharp,
 * no DOM (the studio runs these in the page and in a Web Worker). Decode images yourself (canvas
 * `getImageData` gives RGBA) and pass `{ width, height, channels: 4, data }`.
 *
 * It is also the studio's whole view of maskedit: web/src imports nothing else (test/studio/imports.test.ts),
 * so what the page needs is added here deliberately — the studio's HTTP contract (types only) and PNG framing
 * for the page's mask encoder.
 *
 * @example
 * import { diagnose, lintPrompt, planCrops, estimateCost } from 'maskedit/client';
 */
export * from './core/raster.js';
export * from './core/errors.js';
export * from './core/problems.js';
export type * from './core/progress.js';
export * from './core/models.js';
export * from './core/prompt.js';
export * from './core/fidelity.js';
export * from './core/cost.js';
export * from './core/prices.js';
export { diagnose, scanAlpha, editableFraction, type ImageFacts, type MaskFacts } from './core/doctor.js';
export { maskFromLuma, maskFromAlpha, rectsMask, diffMask, type Polarity } from './core/maskops.js';
export * from './core/morphology.js';
export * from './core/spillover.js';
export * from './core/composite.js';
export { planCrops, type Plan, type PlannedCrop, type RegionsMode } from './core/sizing.js';
export * from './core/resize.js';
export * from './core/crop.js';
export * from './core/heatmap.js';
export * from './core/triage.js';
export { PNG_SIGNATURE_BYTES, pngChunk } from './core/png-chunks.js';
/** The studio's HTTP contract (`/api/config`, `/api/check`, `/api/edit`, `/api/select`): types only. */
export type * from './studio/contract.js';
