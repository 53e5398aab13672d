/**
 * The pure arithmetic of one edit, shared by the pipeline's stages (src/pipeline/stages.ts): which part of each
 * crop a crop owns, how many kept pixels changed, the sum of several crops' estimates and usages, the report's
 * spillover summary and the `expand` step with its coverage warnings. No files, no Node (docs/architecture.md).
 */
import type { CostEstimate } from './cost.js';
import { anyOverlap, growBox, intersectBox } from './crop.js';
import { LIKELY_INVERTED_FRACTION } from './doctor.js';
import { MaskeditError } from './errors.js';
import { expandEditMask, MAX_EXPAND, type ExpandResult } from './expand.js';
import type { Problem } from './problems.js';
import type { Box, EditMask, Raster } from './raster.js';
import { DEFAULT_RING } from './seam.js';
import type { RegionStats, SpilloverReport, Verdict } from './spillover.js';

type Rgba = Raster & { channels: 4 };

/** The spillover figures a report carries (the change map itself stays out). */
export interface SpilloverSummary {
  outside: RegionStats;
  inside: RegionStats;
  verdict: Verdict;
  threshold: number;
}

/** Token usage as OpenAI reports it (the providers' `ProviderUsage` has the same shape). */
export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_tokens_details?: { image_tokens?: number; text_tokens?: number };
}

export function summarizeSpill(s: SpilloverReport): SpilloverSummary {
  return { outside: s.outside, inside: s.inside, verdict: s.verdict, threshold: s.threshold };
}

/**
 * Pixels where the mask says keep but any channel differs. `boxes` limits the count to where the output can
 * differ at all (the crops that were pasted back); omitted, every pixel is compared.
 *
 * @example
 * countOutsideChanged(original, output, editMask, [{ x: 0, y: 0, width: 64, height: 64 }]) // 0 after a strict stitch
 */
export function countOutsideChanged(original: Rgba, output: Rgba, editMask: EditMask, boxes?: readonly Box[]): number {
  let n = 0;
  const a = original.data, b = output.data, m = editMask.data, w = original.width;
  // Whole pixels compared as 32-bit words when both buffers allow it (most pixels are identical).
  const a32 = a.byteOffset % 4 === 0 ? new Int32Array(a.buffer, a.byteOffset, a.length >>> 2) : undefined;
  const b32 = a32 && b.byteOffset % 4 === 0 ? new Int32Array(b.buffer, b.byteOffset, b.length >>> 2) : undefined;
  // Overlapping boxes would count the shared pixels twice: count the whole image once instead.
  const all = [{ x: 0, y: 0, width: w, height: original.height }];
  for (const box of boxes && !anyOverlap(boxes) ? boxes : all) {
    for (let y = box.y; y < box.y + box.height; y++) {
      n += a32 && b32 ? outsideChangedRow32(a32, b32, m, y * w + box.x, box.width) : outsideChangedRow(a, b, m, y * w + box.x, box.width);
    }
  }
  return n;
}

/**
 * {@link countOutsideChanged} when the input survives only as `saved`, its pixels of `region` (the output was
 * written into the input's own buffer): the non-overlapping `boxes` must lie inside `region`.
 *
 * @example
 * countOutsideChangedSaved(saved, region, output, editMask, [cropBox]) // 0 after a strict stitch
 */
export function countOutsideChangedSaved(saved: Rgba, region: Box, output: Rgba, editMask: EditMask, boxes: readonly Box[]): number {
  let n = 0;
  const a = saved.data, b = output.data, m = editMask.data, w = output.width;
  const a32 = a.byteOffset % 4 === 0 ? new Int32Array(a.buffer, a.byteOffset, a.length >>> 2) : undefined;
  const b32 = a32 && b.byteOffset % 4 === 0 ? new Int32Array(b.buffer, b.byteOffset, b.length >>> 2) : undefined;
  for (const box of boxes) {
    for (let y = box.y; y < box.y + box.height; y++) {
      const i = y * w + box.x, j = (y - region.y) * region.width + box.x - region.x;
      n += a32 && b32 ? changedRow32(a32, j, b32, i, m, box.width) : changedRow(a, j, b, i, m, box.width);
    }
  }
  return n;
}

function changedRow32(a32: Int32Array, j: number, b32: Int32Array, i: number, m: Uint8Array | Uint8ClampedArray, n: number): number {
  let c = 0;
  // The mask first: the stitch's work box is mostly editable pixels, which are not compared at all.
  for (const end = i + n; i < end; i++, j++) if (m[i] === 0 && a32[j] !== b32[i]) c++;
  return c;
}

function changedRow(a: Uint8Array | Uint8ClampedArray, j: number, b: Uint8Array | Uint8ClampedArray, i: number, m: Uint8Array | Uint8ClampedArray, n: number): number {
  let c = 0;
  for (let end = i + n, p = j * 4, q = i * 4; i < end; i++, p += 4, q += 4) {
    if (m[i] === 0 && (a[p] !== b[q] || a[p + 1] !== b[q + 1] || a[p + 2] !== b[q + 2] || a[p + 3] !== b[q + 3])) c++;
  }
  return c;
}

/** Pixels `i`…`i + n − 1` that are kept (mask 0) and differ; one call per row. */
function outsideChangedRow32(a32: Int32Array, b32: Int32Array, m: Uint8Array | Uint8ClampedArray, i: number, n: number): number {
  let c = 0;
  for (const end = i + n; i < end; i++) if (a32[i] !== b32[i] && m[i] === 0) c++;
  return c;
}

function outsideChangedRow(a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray, m: Uint8Array | Uint8ClampedArray, i: number, n: number): number {
  let c = 0;
  for (let j = i * 4, end = i + n; i < end; i++, j += 4) {
    if (m[i] === 0 && (a[j] !== b[j] || a[j + 1] !== b[j + 1] || a[j + 2] !== b[j + 2] || a[j + 3] !== b[j + 3])) c++;
  }
  return c;
}

/** Clears every pixel of `mask` outside `keep`, in place. */
export function keepOnlyInside(mask: EditMask, keep: Box): void {
  for (let y = 0; y < mask.height; y++) {
    const row = y * mask.width;
    if (y < keep.y || y >= keep.y + keep.height) mask.data.fill(0, row, row + mask.width);
    else {
      mask.data.fill(0, row, row + keep.x);
      mask.data.fill(0, row + keep.x + keep.width, row + mask.width);
    }
  }
}

/** One planned crop as the send and finish stages need it: the box sent, and the part of it this crop owns. */
export interface CropOwnership {
  /** The crop's box in the input. */
  box: Box;
  /** What this crop alone pastes back: the whole box, or (separate crops) its region grown by `grow` + the seam's ring, inside the box. */
  own: Box;
  /** `own` relative to the box. */
  ownInCrop: Box;
  /** False when the crop owns all of its box (one crop). */
  shared: boolean;
}

/**
 * Separate crops may overlap once grown to a model aspect. Each is asked to edit only its own region, and its
 * region (with the grown mask and the seam's ring) comes back only from it.
 *
 * @example
 * cropOwnership([{ x: 0, y: 0, width: 64, height: 64, region }], 0, 8, image).shared // false: one crop owns its box
 */
export function cropOwnership(crops: readonly (Box & { region: Box })[], index: number, grow: number, image: { width: number; height: number }): CropOwnership {
  const c = crops[index]!;
  const box = { x: c.x, y: c.y, width: c.width, height: c.height };
  if (crops.length === 1) return { box, own: box, ownInCrop: { x: 0, y: 0, width: box.width, height: box.height }, shared: false };
  const own = intersectBox(growBox(c.region, grow + DEFAULT_RING, image), box)!;
  return { box, own, ownInCrop: { x: own.x - box.x, y: own.y - box.y, width: own.width, height: own.height }, shared: true };
}

/** The estimates of several crops as one: tokens and dollars add up, notes are kept once. */
export function sumEstimates(list: readonly CostEstimate[]): CostEstimate {
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

/** Adds a crop's usage to the running total (null until a provider reports one). */
export function addUsage(a: Usage | null, b: Usage | undefined): Usage | null {
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

export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * Validates `expand` (a whole number 0–256; EXPAND_INVALID otherwise) and expands the edit mask. The doctor's
 * coverage rule runs again on the result: an expansion that makes most of the image editable warns
 * (MASK_EXPAND_LARGE), one that covers it all warns as MASK_ALL_EDITABLE does. Undefined for 0 / unset.
 *
 * @example
 * const { expanded, problems } = expandForEdit(mask, 6);
 */
export function expandForEdit(mask: EditMask, expand: number | undefined): { expanded: ExpandResult | undefined; problems: Problem[] } {
  if (expand === undefined || expand === 0) return { expanded: undefined, problems: [] };
  if (!Number.isInteger(expand) || expand < 0 || expand > MAX_EXPAND) {
    throw new MaskeditError('EXPAND_INVALID', `expand must be a whole number of pixels from 0 to ${MAX_EXPAND}, received ${expand}`, 'pass e.g. --expand 6 (about the width of the edge ring the tight mask leaves)');
  }
  const e = expandEditMask(mask, expand);
  const total = mask.width * mask.height;
  const pct = (n: number) => `${((n / total) * 100).toFixed(1)} %`;
  const problems: Problem[] = [];
  if (e.after === total) {
    problems.push({ code: 'MASK_EXPAND_LARGE', severity: 'warning', message: `--expand ${expand} makes every pixel editable (${pct(e.before)} before), so the whole image may change`, fix: `use a smaller --expand (the edge ring is usually 2–8 px)` });
  } else if (e.after / total > LIKELY_INVERTED_FRACTION) {
    problems.push({ code: 'MASK_EXPAND_LARGE', severity: 'warning', message: `--expand ${expand} grows the editable region from ${pct(e.before)} to ${pct(e.after)} of the image`, fix: `use a smaller --expand (the edge ring is usually 2–8 px), or check that the mask is not inverted` });
  }
  return { expanded: e, problems };
}
