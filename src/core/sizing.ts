/**
 * The crop planner: what to send to the model so it spends its pixels on the region being edited.
 *
 * A model takes a handful of sizes (1024x1024, 1536x1024, 1024x1536; gpt-image-2 any size on the 16-px grid,
 * aspect 1:3–3:1, at most 3840x2160 — see models.ts). Sending a 4000×3000 photo whole squeezes 12 MP into
 * 1.5 MP; sending a crop around a 5 % mask gives the edit several times the detail. The rules (docs/locality.md):
 *
 * 1. region = bounding box of the editable pixels (per cluster with `regions: 'separate'`);
 * 2. context = `context` × the region's side on each side (default 25 %), at least `minContext` px (64);
 * 3. that box is grown to the aspect of the nearest size the model accepts and shifted to stay inside the image;
 *    crops never leave the image. When the image is too small for that aspect (the region spans the image in
 *    one direction), the crop is clamped to the image and the aspect that needs the least stretch is taken —
 *    the same stretch whole-image mode would need, so nothing is lost by not padding;
 * 4. if the crop gives no more detail than sending the whole image, the plan falls back to `whole`.
 *
 * `detail` is model pixels per source pixel of the edited region: sendWidth·sendHeight / (width·height) of the
 * crop holding it (editable-pixel-weighted mean over crops), and the same for the whole image.
 */
import { MaskError } from './errors.js';
import { getModel, parseSize, type ImageModel, type Size } from './models.js';
import { componentStats } from './edt.js';
import { boundingBox, countNonZero, sameSize, type Box, type EditMask, type EditStats } from './raster.js';
import { boxesOverlap, unionBox } from './crop.js';

export type RegionsMode = 'merge' | 'separate' | 'auto';
export type PlanMode = 'crop' | 'whole';

export interface PlanOptions {
  regions?: RegionsMode;
  mode?: PlanMode;
  /** Context added on each side, as a fraction of the region's side (default 0.25). */
  context?: number;
  /** Context floor in pixels (default 64). */
  minContext?: number;
  /**
   * The mask's bounding box and editable count when the caller has them (the mask's decode found them): the
   * mask is not scanned for them again. The same plan; a wrong one gives a wrong plan.
   */
  known?: EditStats;
}

export interface PlannedCrop extends Box {
  sendWidth: number;
  sendHeight: number;
  /** Bounding box of the editable pixels this crop serves. */
  region: Box;
}

export interface Plan {
  mode: PlanMode;
  crops: PlannedCrop[];
  detail: { crop: number; whole: number };
}

export const DEFAULT_CONTEXT = 0.25;
export const DEFAULT_MIN_CONTEXT = 64;
/** gpt-image-2 takes any size; maskedit sends about as many pixels as the largest fixed size (1536x1024). */
export const FLEXIBLE_BUDGET = 1536 * 1024;
/** `auto` separates when the separate crops cover at most this fraction of the merged crop's area… */
export const AUTO_SEPARATE_MAX_AREA = 0.5;
/** …and there are at most this many of them (each crop is one model call). */
export const AUTO_MAX_CROPS = 4;
/** More components than this are not clustered (a speckled mask): they are merged. */
const MAX_COMPONENTS = 256;

/** The sizes a model is asked for: the largest of each aspect among its fixed sizes. */
function fixedCandidates(model: ImageModel): Size[] {
  const best = new Map<string, Size>();
  for (const s of model.sizes) {
    const p = parseSize(s);
    if (!p) continue;
    const key = (p.width / p.height).toFixed(6);
    const cur = best.get(key);
    if (!cur || p.width * p.height > cur.width * cur.height) best.set(key, p);
  }
  return [...best.values()];
}

/**
 * The send size for an aspect on a model with flexible sizes (gpt-image-2): about {@link FLEXIBLE_BUDGET}
 * pixels, both sides on the model's grid, aspect clamped to its range.
 *
 * @example
 * flexibleSendSize(getModel('gpt-image-2'), 16 / 9) // { width: 1680, height: 944 }
 */
export function flexibleSendSize(model: ImageModel, aspect: number): Size {
  const rule = model.flexibleSize;
  if (!rule) throw new RangeError(`${model.id} has no flexible sizes`);
  const g = rule.multiple;
  const a = Math.min(rule.maxAspect, Math.max(1 / rule.maxAspect, aspect));
  const budget = Math.min(FLEXIBLE_BUDGET, rule.maxPixels);
  let w = Math.max(g, Math.round(Math.sqrt(budget * a) / g) * g);
  let h = Math.max(g, Math.round(Math.sqrt(budget / a) / g) * g);
  w = Math.min(w, Math.floor(rule.maxEdge / g) * g);
  h = Math.min(h, Math.floor(rule.maxEdge / g) * g);
  // Rounding may step over the aspect limit: pull the long side back onto the grid inside it.
  if (w / h > rule.maxAspect) w = Math.floor((h * rule.maxAspect) / g) * g;
  if (h / w > rule.maxAspect) h = Math.floor((w * rule.maxAspect) / g) * g;
  return { width: w, height: h };
}

function candidatesFor(model: ImageModel, aspect: number): Size[] {
  return model.flexibleSize ? [flexibleSendSize(model, aspect)] : fixedCandidates(model);
}

/** Picks the send size and the crop size for a wanted box: no stretch first, then the nearest aspect. */
function chooseSize(want: Size, image: Size, model: ImageModel): { crop: Size; send: Size } {
  const wantAspect = want.width / want.height;
  let best: { crop: Size; send: Size; stretch: number; near: number } | undefined;
  for (const send of candidatesFor(model, wantAspect)) {
    const a = send.width / send.height;
    let cw = want.width, ch = want.height;
    if (cw / ch < a) cw = Math.ceil(ch * a); else ch = Math.ceil(cw / a);
    cw = Math.min(cw, image.width);
    ch = Math.min(ch, image.height);
    const stretch = Math.abs(Math.log(cw / ch / a));
    const near = Math.abs(Math.log(wantAspect / a));
    // A stretch under one pixel's worth is rounding, not a stretch.
    const s = stretch < 2 / Math.min(cw, ch) ? 0 : stretch;
    if (!best || s < best.stretch - 1e-9 || (Math.abs(s - best.stretch) <= 1e-9 && near < best.near)) {
      best = { crop: { width: cw, height: ch }, send, stretch: s, near };
    }
  }
  return best!;
}

/** The crop for one region: context, aspect, shifted inside the image, always containing the region. */
function cropFor(region: Box, image: Size, model: ImageModel, context: number, minContext: number): PlannedCrop {
  const padX = Math.max(minContext, Math.round(context * region.width));
  const padY = Math.max(minContext, Math.round(context * region.height));
  const x0 = Math.max(0, region.x - padX), y0 = Math.max(0, region.y - padY);
  const x1 = Math.min(image.width, region.x + region.width + padX), y1 = Math.min(image.height, region.y + region.height + padY);
  const { crop, send } = chooseSize({ width: x1 - x0, height: y1 - y0 }, image, model);
  const cx = region.x + region.width / 2, cy = region.y + region.height / 2;
  const place = (centre: number, size: number, start: number, len: number, limit: number) => {
    let p = Math.round(centre - size / 2);
    p = Math.min(p, start);
    p = Math.max(p, start + len - size);
    return Math.min(Math.max(0, p), limit - size);
  };
  return {
    x: place(cx, crop.width, region.x, region.width, image.width),
    y: place(cy, crop.height, region.y, region.height, image.height),
    width: crop.width,
    height: crop.height,
    sendWidth: send.width,
    sendHeight: send.height,
    region,
  };
}

/** The whole image fitted to a model size. */
function wholeFor(image: Size, model: ImageModel): PlannedCrop {
  const { send } = chooseSize(image, image, model);
  const all = { x: 0, y: 0, width: image.width, height: image.height };
  return { ...all, sendWidth: send.width, sendHeight: send.height, region: all };
}

/**
 * Clusters the mask's connected components: two clusters join when their boxes, each grown by its context,
 * overlap. Returns each cluster's region box and editable-pixel count.
 */
export function clusterRegions(editMask: EditMask, context = DEFAULT_CONTEXT, minContext = DEFAULT_MIN_CONTEXT, bbox = boundingBox(editMask)): { box: Box; pixels: number }[] {
  // Label only the mask's bounding box, in one pass over its runs and without a label image: on a 12 MP photo
  // with a small mask that is a fraction of the work.
  if (!bbox) return [];
  const comps = componentStats(editMask, 8, bbox);
  if (comps.count > MAX_COMPONENTS) return [{ box: bbox, pixels: comps.areas.reduce((s, a) => s + a, 0) }];
  const grown = (b: Box): Box => {
    const px = Math.max(minContext, Math.round(context * b.width)), py = Math.max(minContext, Math.round(context * b.height));
    return { x: b.x - px, y: b.y - py, width: b.width + 2 * px, height: b.height + 2 * py };
  };
  let clusters = comps.boxes.map((box, i) => ({ box, pixels: comps.areas[i]! }));
  for (let merged = true; merged;) {
    merged = false;
    outer: for (let i = 0; i < clusters.length; i++) {
      for (let j = i + 1; j < clusters.length; j++) {
        if (boxesOverlap(grown(clusters[i]!.box), grown(clusters[j]!.box))) {
          clusters[i] = { box: unionBox(clusters[i]!.box, clusters[j]!.box), pixels: clusters[i]!.pixels + clusters[j]!.pixels };
          clusters = clusters.filter((_, k) => k !== j);
          merged = true;
          break outer;
        }
      }
    }
  }
  return clusters.sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
}

function detailOf(crops: readonly PlannedCrop[], weights: readonly number[]): number {
  let num = 0, den = 0;
  crops.forEach((c, i) => {
    num += weights[i]! * (c.sendWidth * c.sendHeight) / (c.width * c.height);
    den += weights[i]!;
  });
  return den ? num / den : 0;
}

/**
 * Plans the crops to send for an edit of `image` under `editMask` on `modelId`.
 *
 * @example
 * // a 775x775 square mask at 2600,900 on a 4000x3000 photo:
 * const plan = planCrops({ width: 4000, height: 3000 }, mask, 'gpt-image-1.5');
 * plan.crops[0] // { x: 2406, y: 706, width: 1163, height: 1163, sendWidth: 1024, sendHeight: 1024, region: … }
 * plan.detail   // { crop: 0.775, whole: 0.131 }
 */
export function planCrops(image: Size, editMask: EditMask, modelId: string, opts: PlanOptions = {}): Plan {
  if (!sameSize(image, editMask)) {
    throw new MaskError('MASK_SIZE_MISMATCH', `mask is ${editMask.width}x${editMask.height} but the image is ${image.width}x${image.height}`,
      'resize the mask to the image: maskedit mask MASK --match IMAGE -o mask.png');
  }
  const model = getModel(modelId);
  const context = opts.context ?? DEFAULT_CONTEXT;
  const minContext = opts.minContext ?? DEFAULT_MIN_CONTEXT;
  // One scan for the box; the count reads only the rows the box spans.
  const bbox = opts.known ? opts.known.box : boundingBox(editMask);
  const total = opts.known ? opts.known.count : bbox ? countNonZero({ ...editMask, data: editMask.data.subarray(bbox.y * editMask.width, (bbox.y + bbox.height) * editMask.width) }) : 0;
  if (total === 0) {
    throw new MaskError('MASK_EMPTY', 'the mask has no editable pixels (no pixel with alpha 0)', 'paint the area to edit transparent, or build a mask: maskedit mask INPUT --rect x,y,w,h -o mask.png');
  }
  const whole = wholeFor(image, model);
  const wholeDetail = detailOf([whole], [1]);
  const wholePlan = { mode: 'whole' as const, crops: [whole] };

  const mergedCrop = cropFor(bbox!, image, model, context, minContext);
  let crops = [mergedCrop];
  let weights = [total];
  const regions = opts.regions ?? 'auto';
  if (regions !== 'merge') {
    const clusters = clusterRegions(editMask, context, minContext, bbox);
    if (clusters.length > 1) {
      const separate = clusters.map((c) => cropFor(c.box, image, model, context, minContext));
      const area = separate.reduce((s, c) => s + c.width * c.height, 0);
      const worth = separate.length <= AUTO_MAX_CROPS && area <= AUTO_SEPARATE_MAX_AREA * mergedCrop.width * mergedCrop.height;
      if (regions === 'separate' || worth) {
        crops = separate;
        weights = clusters.map((c) => c.pixels);
      }
    }
  }
  const cropDetail = detailOf(crops, weights);
  if (opts.mode === 'whole' || cropDetail <= wholeDetail) return { ...wholePlan, detail: { crop: cropDetail, whole: wholeDetail } };
  return { mode: 'crop', crops, detail: { crop: cropDetail, whole: wholeDetail } };
}
