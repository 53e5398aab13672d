/**
 * The pixel work of `finish` (spillover of the raw answers, blend mask, strict stitch, the count of changed
 * kept pixels) as one self-contained job over a region of the image: what a worker thread runs for the server
 * (pixel-pool.ts), so a big edit does not hold up the event loop.
 *
 * The region is the crops' union grown by the farthest any of that work reaches (the outward feather, the
 * seam's ring): inside it the job reads exactly the pixels the whole-image code reads, so its results are the
 * same bytes and figures (test/pipeline/pixel-pool.test.ts compares them with the in-process finish).
 */
import { blendMaskFor, stitchPatches, type FeatherDirection, type Patch, type SeamMode } from '../core/composite.js';
import { crop, growBox, paste, unionBox } from '../core/crop.js';
import { DEFAULT_RING } from '../core/seam.js';
import { countNonZero, type Box, type EditMask, type Raster } from '../core/raster.js';
import { mergeBoxReports, spilloverOfPatches, type SpilloverReport } from '../core/spillover.js';
import { countOutsideChanged } from '../core/edit-math.js';

type Rgba = Raster & { channels: 4 };

/** One job: everything in the region's coordinates. */
export interface RegionJob {
  original: Rgba;
  editMask: EditMask;
  modelMask: EditMask;
  /** Per output: its patches (boxes relative to the region, not overlapping). */
  outputs: Patch[][];
  /** The crops' union, relative to the region. */
  within: Box;
  /** The single crop's box, relative to the region (the seam samples only where the model's pixels are). */
  resultBox?: Box;
  seam: SeamMode;
  direction: FeatherDirection;
  feather?: number;
}

export interface RegionResult {
  /** Per output: the stitched region. */
  outputs: Rgba[];
  /** Per output: the spillover of each patch (box-sized change maps). */
  parts: SpilloverReport[][];
  /** Per output: kept pixels that differ from the input. */
  outsideChanged: number[];
  outwardBand: number;
}

/**
 * Runs a job (in a worker or on the calling thread: the same function either way).
 *
 * @example
 * const result = runRegionJob(job);
 */
export function runRegionJob(job: RegionJob): RegionResult {
  const { original, editMask, modelMask, within, seam, direction, feather } = job;
  const parts = job.outputs.map((patches) => spilloverOfPatches(original, editMask, patches).boxes);
  const made = blendMaskFor(editMask, { direction, within, ...(feather !== undefined ? { feather } : {}) });
  const stitchWithin = made.box ? unionBox(within, made.box) : within;
  const outputs = job.outputs.map((patches) => stitchPatches(original, patches, made.blend, {
    seam, modelMask, within: stitchWithin, ...(job.resultBox ? { resultBox: job.resultBox } : {}),
  }));
  const boxes = (job.outputs[0] ?? []).map((p) => p.box);
  const outsideChanged = outputs.map((o) => countOutsideChanged(original, o, editMask, boxes));
  return { outputs, parts, outsideChanged, outwardBand: made.outwardBand };
}

/**
 * The region a job needs around the crops: their union grown by the outward feather's reach and the seam's
 * ring (the stitch's work box never leaves it), clipped to the image.
 */
export function jobRegion(boxes: readonly Box[], size: { width: number; height: number }, outwardFeather: number | undefined): Box {
  const reach = (outwardFeather !== undefined && outwardFeather > 0 ? Math.ceil(outwardFeather) + 1 : 0) + DEFAULT_RING + 2;
  return growBox(boxes.reduce(unionBox), reach, size);
}

/** What the caller hands over: the whole-image inputs and the patches in image coordinates. */
export interface WholeInputs {
  original: Rgba;
  editMask: EditMask;
  modelMask: EditMask;
  outputs: Patch[][];
  boxes: Box[];
  resultBox?: Box;
  seam: SeamMode;
  direction: FeatherDirection;
  feather?: number;
}

/**
 * The job for `region`: the inputs cut to it (copies the job owns, so they can be moved to a worker), boxes
 * shifted into it.
 */
export function regionJob(w: WholeInputs, region: Box): RegionJob {
  const shift = (b: Box): Box => ({ x: b.x - region.x, y: b.y - region.y, width: b.width, height: b.height });
  return {
    original: crop(w.original, region), editMask: crop(w.editMask, region), modelMask: crop(w.modelMask, region),
    outputs: w.outputs.map((patches) => patches.map((p) => ({ box: shift(p.box), patch: p.patch }))),
    within: shift(w.boxes.reduce(unionBox)),
    ...(w.resultBox ? { resultBox: shift(w.resultBox) } : {}),
    seam: w.seam, direction: w.direction, ...(w.feather !== undefined ? { feather: w.feather } : {}),
  };
}

/**
 * A job's result back in the whole image: each output is a copy of the original with the stitched region
 * pasted in, and the spillover reports are merged over the whole image.
 */
export function placeResult(w: Pick<WholeInputs, 'original' | 'editMask' | 'boxes'>, region: Box, r: RegionResult, copies: Rgba[]): { outputs: Rgba[]; measured: { report: SpilloverReport; boxes: SpilloverReport[] }[] } {
  const insideTotal = countNonZero(w.editMask);
  const outputs = r.outputs.map((o, i) => paste(copies[i]!, o, region.x, region.y));
  const measured = r.parts.map((boxes) => ({ report: mergeBoxReports(w.original, insideTotal, boxes, w.boxes), boxes }));
  return { outputs, measured };
}
